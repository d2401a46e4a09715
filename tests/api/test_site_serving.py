"""The archive site as `paperboy serve` serves it (server/api/site_files.py): a real build of the
demo pages, served by a real server on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
from types import SimpleNamespace

import pytest
from helpers import DEMO, run, serving


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`paperboy build` of the demo pages (its state in .paperboy/), a folder with an
    index.html of its own and a dot-file beside a page; served from where build wrote it."""
    tmp = tmp_path_factory.mktemp("site")
    data, out = tmp / "data", tmp / "out"
    assert run(data, "import", "-q", str(DEMO)).returncode == 0
    built = run(data, "build", "--no-pagefind", "--quiet", "--out", str(out))
    assert built.returncode == 0, built.stderr
    assert [p.name for p in (out / ".paperboy").iterdir()]  # the builder's private state
    (out / "guide").mkdir()
    (out / "guide" / "index.html").write_text('<title>guide</title><a href="two.html">two</a>')
    (out / "guide" / "two.html").write_text("<title>two</title>")
    (out / "empty").mkdir()
    (out / "topic").mkdir(exist_ok=True)
    (out / "topic" / ".x").write_text("HIDDEN TOPIC STATE")
    (out / "topic" / "agents.html").write_text("<title>agents</title>")
    with serving(data) as base:  # no site_dir: the folder build recorded
        yield SimpleNamespace(port=int(base.rsplit(":", 1)[1]), out=out)


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """A raw GET (no client-side clean-up of the path): status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def not_found(answer, says: str) -> None:
    status, headers, body = answer
    assert status == 404 and headers["Content-Type"] == "application/json", (status, body)
    assert json.loads(body)["error"]["message"].startswith(says), body


def test_the_root_is_the_built_index_page(site):
    index = (site.out / "index.html").read_bytes()
    for path in ("/", "/index.html", "/index"):  # /index.html once answered a 308 to /
        status, headers, body = get(site.port, path)
        assert status == 200 and body == index, (path, status)
        assert headers["Content-Type"].startswith("text/html")


def test_a_folder_gives_its_index_page_at_its_own_address(site):
    status, _, body = get(site.port, "/guide/")
    assert status == 200 and body == (site.out / "guide" / "index.html").read_bytes()
    # without the slash, its relative links would lead out of it (two.html to /two.html): so
    # the folder's address is the one with the slash, as a static file server makes it
    status, headers, _ = get(site.port, "/guide")
    assert status == 308 and headers["Location"] in ("guide/", "/guide/"), (status, headers)
    assert get(site.port, "/guide/two.html")[0] == 200
    not_found(get(site.port, "/empty/"), "no page 'empty/'")  # a folder without one


def test_a_page_has_one_address_without_a_slash(site):
    assert get(site.port, "/paper/2408.90001")[0] == 200
    assert get(site.port, "/paper/2408.90001.html")[0] == 200
    for path in ("/paper/2408.90001/", "/paper/2408.90001.html/", "/index.html/"):
        not_found(get(site.port, path), "no page")  # once the page, its links all wrong
    not_found(get(site.port, "/paper/2499.00000"), "no page 'paper/2499.00000'")


@pytest.mark.parametrize(
    "path",
    [
        "/.paperboy/",
        "/.paperboy/manifest.marshal",
        "/%2epaperboy/manifest.marshal",
        "/.%70aperboy/search.marshal",
        "/topic/.x",
        "/topic/%2ex",
        "/./.paperboy/manifest.marshal",
        "//.paperboy/manifest.marshal",
        "/paper/../.paperboy/manifest.marshal",
        "/paper/%2e%2e/.paperboy/manifest.marshal",
        "/topic/..%2f.x",
        "/.paperboy",
    ],
)
def test_dot_paths_are_refused_so_the_builders_state_stays_hidden(site, path):
    status, _, body = get(site.port, path)
    assert status == 404, (path, status, body[:200])
    assert b"HIDDEN" not in body and json.loads(body)["error"]["message"].startswith("no page")
    assert get(site.port, "/topic/agents.html")[0] == 200  # beside it, a page is served


@pytest.mark.parametrize("made", ["never", "empty folder", "state only"])
def test_no_site_built_yet_says_so_on_every_path(tmp_path, made):
    """No folder, an empty one, or one a build killed early left with only its state."""
    data, out = tmp_path / "data", tmp_path / "out"
    assert run(data, "import", "-q", str(DEMO / "hf-api-2024-08-05.json")).returncode == 0
    if made != "never":
        out.mkdir()
    if made == "state only":
        (out / ".paperboy").mkdir()
        (out / ".paperboy" / "manifest.marshal").write_bytes(b"\x00")
    with serving(data, site_dir=str(out)) as base:
        port = int(base.rsplit(":", 1)[1])
        for path in ("/", "/index.html", "/paper/2408.90001", "/guide/"):
            not_found(get(port, path), "no archive site is built yet: run `paperboy build`")
        not_found(get(port, "/.paperboy/manifest.marshal"), "no page")
        assert get(port, "/api/health")[0] == 200  # the API is served all the same
