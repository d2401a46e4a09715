"""The Nu HTML Checker (vnu.jar from npm, run with Java) finds no error on any page kind."""

from __future__ import annotations

import json
import shutil
import subprocess

from conftest import ROOT, need
from sitefix import bulk_site, demo_site, page_kinds, sites

VNU = ROOT / "tests" / "site" / ".cache" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_vnu_finds_no_errors():
    need(shutil.which("java") is not None, "java is not installed")
    need(VNU.is_file(), f"vnu.jar is absent: npm install --prefix {VNU.parents[4]} vnu-jar")
    files = sorted({p for site in sites() for p in page_kinds(site).values()})
    files += sorted((demo_site() / "day").glob("*.html"))  # the hostile papers' day, and more
    bulk = bulk_site()  # compact entries, folded authors, Hugging Face's signals
    files += [bulk / "day" / "2026-05-19.html", bulk / "week" / "2026-W21.html"]
    files += [bulk / "paper" / f"{p}.html" for p in ("2605.18739", "2407.21783")]
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    errors = [f"{m.get('url')}: {m.get('message')}" for m in messages if m["type"] == "error"]
    assert errors == [], "\n".join(errors[:20])
    assert done.returncode == 0
