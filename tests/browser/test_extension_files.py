"""The extension's files: manifest, safety rules of the code, and `web-ext lint` with no errors."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess

import pytest
from conftest import need

from browser.conftest import EXTENSION

WEB_EXT = ["npx", "--yes", "web-ext@10.7.0"]
SCRIPTS = sorted(EXTENSION.glob("*.js"))
# ways a string becomes markup or code
SINKS = (r"\.innerHTML\s*[+]?=", r"\.outerHTML\s*=", "insertAdjacentHTML", r"document\.write",
         r"\beval\s*\(", "new Function")  # fmt: skip


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((EXTENSION / "manifest.json").read_text())


def test_manifest_serves_both_browsers_with_minimal_permissions(manifest):
    assert manifest["manifest_version"] == 3
    assert manifest["background"]["service_worker"] == "background.js"
    assert manifest["background"]["scripts"] == ["background.js"]
    assert manifest["browser_specific_settings"]["gecko"]["id"]
    assert sorted(manifest["permissions"]) == ["activeTab", "contextMenus", "scripting", "storage"]
    assert manifest["host_permissions"] == ["http://127.0.0.1/*", "http://localhost/*"]
    # the sites "Remember the papers I open" watches: asked for only when the user turns it on
    assert manifest["optional_host_permissions"] == [
        "https://arxiv.org/*",
        "https://*.arxiv.org/*",
        "https://huggingface.co/*",
        "https://www.alphaxiv.org/*",
        "https://alphaxiv.org/*",
        "https://ar5iv.org/*",
    ]
    assert "optional_permissions" not in manifest
    csp = manifest["content_security_policy"]["extension_pages"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp
    assert "unsafe" not in csp and "object-src 'none'" in csp
    # images: the extension's own and the server's thumbnails, fetched by api.js as blobs; never
    # another host's
    assert "img-src 'self' blob:;" in csp and "http" not in csp.split("img-src")[1].split(";")[0]


def test_icons_are_pngs_of_their_size(manifest):
    for size, path in manifest["icons"].items():
        data = (EXTENSION / path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", path
        assert struct.unpack(">II", data[16:24]) == (int(size), int(size)), path
    assert sorted(manifest["icons"], key=int) == ["16", "32", "48", "128"]


def test_only_api_js_calls_fetch():
    callers = [p.name for p in SCRIPTS if re.search(r"\bfetch\s*\(", p.read_text())]
    assert callers == ["api.js"]


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_no_html_strings_reach_the_dom(path):
    code = path.read_text()
    for sink in SINKS:
        assert not re.search(sink, code), f"{path.name}: {sink}"


@pytest.mark.parametrize(
    "path", [*SCRIPTS, *EXTENSION.glob("*.html"), *EXTENSION.glob("*.css")], ids=lambda p: p.name
)
def test_files_stay_small(path):
    assert len(path.read_text().splitlines()) < 300


def test_web_ext_lint_has_no_errors():
    need(shutil.which("npx") is not None, "npx (Node.js) is not installed: apt-get install npm")
    done = subprocess.run(
        [*WEB_EXT, "lint", "--source-dir", str(EXTENSION), "--output", "json", "--no-input"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    need(done.stdout.strip().startswith("{"), f"web-ext did not run: {done.stderr[-500:]}")
    report = json.loads(done.stdout)
    assert report["errors"] == [], report["errors"]
    # the one expected warning: Firefox ignores background.service_worker (it uses scripts)
    codes = {w["code"] for w in report["warnings"]}
    assert codes <= {"BACKGROUND_SERVICE_WORKER_IGNORED"}, report["warnings"]
