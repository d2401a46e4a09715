"""Pagefind's search bundles over the built HTML: stable shards, each run again only when the
text it indexes changed.

Pagefind (the pagefind[bin] package, run offline) indexes what the pages mark with
`data-pagefind-body` (render.py): a paper page's title, authors, Hugging Face's summary and
abstract; any other page's heading. Its files are content-hashed.

Paper pages are split into bundles by their arXiv id, a key a new paper never moves: one bundle
per month for the archive's newest year (and later), one per year before it, and one for
old-style ids (before April 2007) and one for any other id. A bundle holds at most SHARD_PAGES
pages (more are split in id order), as Pagefind holds its whole index in memory while it runs.
The first bundle (pagefind/) holds every page outside paper/ and lists the others in
pagefind/shards.json; the search page merges them (Pagefind's mergeIndex).

Each build computes, for every page, a digest of the text Pagefind indexes, and runs Pagefind
only over the bundles whose pages or digests changed: a new day's papers run their month's
bundle and the first one, and every other bundle's files stay byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from server.progress import Step, step
from server.site.output import Output, digest

BUNDLE = "pagefind"
SHARDS = "shards.json"  # in the first bundle: the other bundles' folders, for mergeIndex
SHARD_PAGES = 4_000  # paper pages per bundle at most: about 450 MB of Pagefind memory
PAPERS = "paper/"
PAGEFIND = [sys.executable, "-m", "pagefind"]  # the pagefind[bin] package's binary
STATE = "pagefind.marshal"  # the indexed text's digest per page, and each bundle's
RUNS = 2  # Pagefind processes at once (each uses every core; two overlap their start-up)

_INDEXED = re.compile(r'<(\w+)[^>]* data-pagefind-body="">.*?</\1>', re.S)
_NEW_ID = re.compile(r"(\d\d)(\d\d)\.\d{4,5}(?:v\d+)?")  # 2408.12345
_OLD_ID = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?-\d{7}(?:v\d+)?")  # math-0702129 (math/0702129)


class PagefindFailed(RuntimeError):
    """Pagefind exited with an error or was killed (out of memory, for one)."""


def index_pages(
    out: Output,
    pages: list[str],
    year: int,
) -> str:
    """Bring the search bundles up to date with the built pages (paths in the site without
    .html); `year` is the archive's newest year. Returns a line saying what happened."""
    state = (None if out.full else out.load_cache(STATE)) or {}
    with step("pagefind", "bundle") as shown:
        # the pages' text is read (every page on a full build: seconds at 36k) under a bar of
        # pages; the step's line counts the bundles run
        read = shown.iter(pages, len(pages), "pages read", "page")
        texts = _texts(out, read, state.get("pages", {}))
        plan = bundles(pages, year)
        done: dict[str, str] = state.get("bundles", {})
        sums = {
            name: digest(repr([(p, texts[p][1]) for p in members]).encode())
            for name, members in plan.items()
        }
        files = _bundle_files(out)
        todo = [
            name
            for name in plan
            if sums[name] != done.get(name) or not _whole(out, files.get(name, []))
        ]
        for name in plan:
            if name not in todo:
                for rel in files.get(name, []):
                    out.keep(rel)
        started, written, failed, peaks = time.perf_counter(), 0, None, [0]
        if todo:
            # beside the site, so a bundle's pages can be hard-linked (same file system)
            with _scratch(out.root.parent, shown) as tmp:
                runs = _run_all(out.root, tmp, {n: plan[n] for n in todo})
                for name, error, peak in shown.iter(runs, total=len(todo)):
                    peaks.append(peak)
                    if error is not None:
                        failed = failed or error
                        for rel in files.get(name, []):
                            out.keep(rel)  # the bundle as it was, if any: the search still works
                        done.pop(name, None)
                        continue
                    folder = Path(tmp) / name
                    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                        rel = f"{name}/{path.relative_to(folder).as_posix()}"
                        written += out.put(rel, path.read_bytes(), "search bundle")
                    done[name] = sums[name]
    if failed is None or (out.root / BUNDLE).is_dir():
        others = [f"{n}/" for n in plan if n != BUNDLE]
        written += out.put(f"{BUNDLE}/{SHARDS}", json.dumps(others).encode(), "search bundle")
    out.save_cache(STATE, {"pages": texts, "bundles": {n: done[n] for n in plan if n in done}})
    if failed is not None:
        return (
            f"{failed}; the search page falls back to titles and authors "
            "(search-index.json); --no-pagefind skips Pagefind"
        )
    if not todo:
        return f"search bundle unchanged ({len(plan)} bundles)"
    took = time.perf_counter() - started
    ran = sum(len(plan[n]) for n in todo)
    return (
        f"pagefind: indexed {ran:,} pages in {len(todo)} of {len(plan)} bundles in {took:.1f}s, "
        f"{written} files changed, peak {max(peaks)} MB a process ({min(RUNS, len(todo))} at once)"
    )


def bundles(pages: Iterable[str], year: int) -> dict[str, list[str]]:
    """Every bundle's name and pages, the first bundle first: see the module docstring."""
    groups: dict[str, list[str]] = {}
    for page in sorted(pages):
        key = shard_key(page, year) if page.startswith(PAPERS) else ""
        groups.setdefault(key, []).append(page)
    plan = {BUNDLE: groups.pop("", [])}
    for key in sorted(groups):
        members = groups[key]
        for part, start in enumerate(range(0, len(members), SHARD_PAGES), 1):
            name = f"{BUNDLE}-{key}" + (f".{part}" if part > 1 else "")
            plan[name] = members[start : start + SHARD_PAGES]
    return plan


def shard_key(page: str, year: int) -> str:
    """A paper page's period: 'YYYY-MM' from the archive's newest year on, 'YYYY' before it,
    'old' for an old-style id, 'other' for any other id."""
    stem = page[len(PAPERS) :]
    found = _NEW_ID.fullmatch(stem)
    if found is None:
        return "old" if _OLD_ID.fullmatch(stem) else "other"
    made = 2000 + int(found[1])
    return f"{made}-{found[2]}" if made >= year else str(made)


def _texts(out: Output, pages: Iterable[str], known: dict) -> dict[str, tuple[str, str]]:
    """Per page, the hashes of its files and the digest of the text Pagefind indexes in it:
    read again when the file's hash differs from the one the digest was made from (a page this
    build wrote, or one a killed build wrote), else as the last build left it."""
    texts = {}
    for page in pages:
        rel = page + ".html"
        # the Markdown's hash too: a page a killed build wrote keeps its old HTML hash in the
        # manifest (the builder finds the HTML on disk and does not render it again)
        now = out.hashes.get(page + ".md", "") + out.hashes.get(rel, "")
        if page in known and known[page][0] == now and now:
            texts[page] = known[page]
            continue
        try:
            html = (out.root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            html = ""
        texts[page] = (now, digest("\n".join(m[0] for m in _INDEXED.finditer(html)).encode()))
    return texts


@contextmanager
def _scratch(parent: Path, shown: Step) -> Iterator[Path]:
    """A new folder in `parent` for the bundles as Pagefind writes them, removed after the
    block under a live line (thousands of files: 1.4 s at 36k papers)."""
    folder = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=parent))
    try:
        yield folder
    finally:
        with shown.wait("removing the scratch files"):
            shutil.rmtree(folder, ignore_errors=True)


def _bundle_files(out: Output) -> dict[str, list[str]]:
    """Each bundle's files in the manifest, by the bundle's name (its folder): the manifest is
    read once, not once a bundle (at 36k papers 150,000 files and 23 bundles: 1 s)."""
    found: dict[str, list[str]] = {}
    for rel in out.hashes:
        folder, slash, _ = rel.partition("/")
        if slash and folder.startswith(BUNDLE):
            found.setdefault(folder, []).append(rel)
    return found


def _whole(out: Output, files: list[str]) -> bool:
    """The bundle's files are on disk as the last build left them."""
    return bool(files) and all(out.unchanged(rel) for rel in files)


def _run_all(site: Path, tmp: Path, plan: dict[str, list[str]]):
    """Pagefind over each bundle's pages, RUNS at a time; (name, error or None, peak MB).
    After a failure the bundles not yet started are not run (a kill for memory would repeat)."""
    stop: list[str] = []

    def one(name: str) -> tuple[str, str | None, int]:
        if stop:
            return name, stop[0], 0
        view = tmp / f"view-{name}"
        try:
            _link_pages(site, view, plan[name])
            return name, None, _run(view, tmp / name)
        except PagefindFailed as exc:
            stop.append(str(exc))
            return name, str(exc), 0
        finally:
            shutil.rmtree(view, ignore_errors=True)

    with ThreadPoolExecutor(max_workers=min(RUNS, len(plan))) as pool:
        # the biggest first, so the two processes end near the same time
        order = sorted(plan, key=lambda n: -len(plan[n]))
        results = pool.map(one, order)
        yield from results


def _link_pages(site: Path, view: Path, pages: list[str]) -> None:
    """A folder holding only these pages (hard links, else copies) at their site paths."""
    for page in pages:
        rel = page + ".html"
        target = view / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / rel, target)
        except OSError:  # another file system, or no hard links: copy
            shutil.copyfile(site / rel, target)


def _run(site: Path, bundle: Path) -> int:
    """Pagefind over one folder; returns its peak memory (resident, in MB)."""
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
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)  # its own peak, apart from any other run
        process.returncode = code = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        said = errors.read().decode(errors="replace").strip()[-500:]
    if code < 0:
        why = f"was killed by signal {-code}"
        raise PagefindFailed(f"pagefind {why} (out of memory, for a big archive?)")
    if code != 0:
        raise PagefindFailed(f"pagefind failed ({code}): {said}")
    return usage.ru_maxrss // 1024
