"""Pagefind's search bundle over the built HTML, synced into the site file by file.

Pagefind (the pagefind[bin] package, run offline) indexes every page into a temporary folder;
its files are content-hashed, so copying only the ones whose bytes differ keeps an incremental
build's writes small. It runs only when some HTML page changed.

Pagefind holds a whole index in memory while it builds it (over 20 GB for 200k paper pages),
so a big archive is indexed in shards of at most SHARD_PAGES paper pages, one Pagefind process
each: the first bundle (pagefind/) also holds every other page and lists the others in
pagefind/shards.json; the search page merges them (Pagefind's mergeIndex).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from server.site.output import Output

BUNDLE = "pagefind"
SHARDS = "shards.json"  # in the first bundle: the other bundles' folders, for mergeIndex
SHARD_PAGES = 20_000  # paper pages per Pagefind process (about 3 GB of its memory)
PAPERS = "paper/"
PAGEFIND = [sys.executable, "-m", "pagefind"]  # the pagefind[bin] package's binary


class PagefindFailed(RuntimeError):
    """Pagefind exited with an error or was killed (at 200k papers it needs over 20 GB)."""


def index_pages(out: Output, html_changed: bool, pages: list[str]) -> str:
    """Re-index when HTML changed (or no bundle exists); returns a line saying what happened.
    `pages` are the built pages' paths in the site (without .html)."""
    old = [rel for rel in out.hashes if rel.split("/", 1)[0].startswith(BUNDLE)]
    if not html_changed and old and all(out.unchanged(rel) for rel in old):
        for rel in old:
            out.keep(rel)
        return "search bundle unchanged"
    started = time.perf_counter()
    shards = _shards(sorted(p for p in pages if p.startswith(PAPERS)))
    # beside the site, so a shard's pages can be hard-linked (same file system)
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=out.root.parent) as tmp:
        try:
            bundles = _index_shards(out.root, Path(tmp), shards)
        except PagefindFailed as exc:  # the pages stand; the search page falls back
            for rel in old:
                out.keep(rel)
            return (
                f"{exc}; the search page falls back to titles and authors "
                "(search-index.json); --no-pagefind skips Pagefind"
            )
        files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
        written = sum(
            out.put(p.relative_to(tmp).as_posix(), p.read_bytes(), "search bundle") for p in files
        )
    took = time.perf_counter() - started
    how = f" in {len(bundles)} shards" if len(bundles) > 1 else ""
    changed = f"{written} of {len(files)} files changed"
    return f"pagefind: indexed the pages{how} in {took:.1f}s, {changed}"


def _shards(papers: list[str]) -> list[list[str]]:
    """The paper pages in near-equal runs of at most SHARD_PAGES ([] when one run takes all)."""
    if len(papers) <= SHARD_PAGES:
        return []
    count = -(-len(papers) // SHARD_PAGES)
    return [papers[i * len(papers) // count : (i + 1) * len(papers) // count] for i in range(count)]


def _index_shards(site: Path, tmp: Path, shards: list[list[str]]) -> list[str]:
    """Pagefind over the site (or shard by shard) into tmp's bundle folders; their names."""
    if not shards:
        _run(site, tmp / BUNDLE)
        (tmp / BUNDLE / SHARDS).write_text("[]")  # the search page asks for it either way
        return [BUNDLE]
    names = [BUNDLE, *(f"{BUNDLE}-{i}" for i in range(2, len(shards) + 1))]
    for number, (name, shard) in enumerate(zip(names, shards, strict=True)):
        view = tmp / f"view-{name}"
        _link_pages(site, view, shard, others=number == 0)
        _run(view, tmp / "bundles" / name)
        shutil.rmtree(view)
    (tmp / "bundles" / BUNDLE / SHARDS).write_text(json.dumps([n + "/" for n in names[1:]]))
    for name in names:
        (tmp / "bundles" / name).rename(tmp / name)
    (tmp / "bundles").rmdir()
    return names


def _link_pages(site: Path, view: Path, shard: list[str], others: bool) -> None:
    """A folder holding only this shard's pages (hard links, else copies) at their site paths;
    with `others`, every page outside paper/ too."""
    rels = [p + ".html" for p in shard]
    if others:
        rels += [
            p.relative_to(site).as_posix()
            for p in site.rglob("*.html")
            if not p.relative_to(site).as_posix().startswith((PAPERS, BUNDLE, "."))
        ]
    for rel in rels:
        target = view / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / rel, target)
        except OSError:  # another file system, or no hard links: copy
            shutil.copyfile(site / rel, target)


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
