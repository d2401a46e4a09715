"""Pagefind's search bundle over the built HTML, synced into the site file by file.

Pagefind (the pagefind[bin] package, run offline) indexes every page into a temporary folder;
its files are content-hashed, so copying only the ones whose bytes differ keeps an incremental
build's writes small. It runs only when some HTML page changed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from server.site_output import Output

BUNDLE = "pagefind"
PAGEFIND = [sys.executable, "-m", "pagefind"]  # the pagefind[bin] package's binary


class PagefindFailed(RuntimeError):
    """Pagefind exited with an error or was killed (at 200k papers it needs over 20 GB)."""


def index_pages(out: Output, html_changed: bool) -> str:
    """Re-index when HTML changed (or no bundle exists); returns a line saying what happened."""
    old = [rel for rel in out.hashes if rel.startswith(BUNDLE + "/")]
    if not html_changed and old and all(out.unchanged(rel) for rel in old):
        for rel in old:
            out.keep(rel)
        return "search bundle unchanged"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pagefind-") as tmp:
        try:
            _run(out.root, Path(tmp))
        except PagefindFailed as exc:  # the pages stand; the search page falls back
            for rel in old:
                out.keep(rel)
            return (
                f"{exc}; the search page falls back to titles and authors "
                "(search-index.json); --no-pagefind skips Pagefind"
            )
        files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
        written = sum(
            out.put(f"{BUNDLE}/{p.relative_to(tmp).as_posix()}", p.read_bytes(), "search bundle")
            for p in files
        )
    took = time.perf_counter() - started
    return f"pagefind: indexed the pages in {took:.1f}s, {written} of {len(files)} files changed"


def _run(site: Path, bundle: Path) -> None:
    command = [
        *PAGEFIND,
        "--site",
        str(site),
        "--output-path",
        str(bundle),
        "--keep-index-url",
        "--force-language",
        "en",
        "--silent",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode < 0:
        why = f"was killed by signal {-done.returncode}"
        raise PagefindFailed(f"pagefind {why} (out of memory, for a big archive?)")
    if done.returncode != 0:
        raise PagefindFailed(f"pagefind failed ({done.returncode}): {done.stderr.strip()[-500:]}")
