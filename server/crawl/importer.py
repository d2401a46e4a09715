"""Import saved pages and data dumps (expand paths, detect and parse each file, store it), and
re-read the raw pages the store keeps (`reparse`)."""

from __future__ import annotations

import glob
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from server import cores, sources
from server.models import Listing, Problem
from server.progress import step
from server.sources import BudgetExceeded
from server.store import IngestResult, RawPage, Store

# A file is read whole (bytes, then text) before its parse budget starts: the cap bounds that.
# The largest real page is 2 MB (a 1000-record OAI-PMH page); the crawler keeps pages up to
# 8 MB (max_page_bytes) and the API takes bodies up to 10 MB (max_body_bytes).
MAX_FILE_BYTES = 16_000_000
PARALLEL_FROM = 50  # files from which an import reads and parses them on every core


@dataclass
class ImportReport:
    """What an import run read, stored, skipped and could not read."""

    pages: int = 0
    papers_read: int = 0  # paper records in the pages, new or not
    papers_new: int = 0
    papers_updated: int = 0
    appearances_new: int = 0
    observations_new: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)  # one line per unreadable input
    skips: list[str] = field(default_factory=list)  # one line per page with skipped items

    def add(self, result: IngestResult) -> None:
        """Count one stored listing."""
        self.pages += 1
        self.papers_new += result.papers_new
        self.papers_updated += result.papers_updated
        self.appearances_new += result.appearances_new
        self.observations_new += result.observations_new

    @property
    def changed(self) -> bool:
        """True when anything new was stored."""
        return bool(
            self.papers_new or self.papers_updated or self.appearances_new or self.observations_new
        )

    def summary(self) -> str:
        """The one-line summary printed at the end of an import."""
        return (
            f"{self.pages} pages read, {self.papers_new} papers new, {self.papers_updated} "
            f"updated, {self.appearances_new} appearances new, {self.observations_new} "
            f"observations new, {self.skipped} items skipped, {len(self.failures)} inputs failed"
        )


class InputError(Exception):
    """An input that cannot be imported: the message names it and says why."""


def expand(paths: Iterable[str]) -> Iterator[Path | InputError]:
    """Files named by paths, directories (recursively) and globs, in a stable order."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        elif path.is_file():
            yield path
        elif glob.has_magic(raw):
            matches = sorted(Path(m) for m in glob.glob(raw, recursive=True) if Path(m).is_file())
            yield from matches or [InputError(f"{raw}: no file matches this pattern")]
        else:
            yield InputError(f"{raw}: no such file or directory")


def read_listing(path: Path) -> tuple[Listing, RawPage]:
    """Read and parse one saved file, and pack its bytes as the store keeps them; InputError
    with a one-line reason when it cannot be."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"{path}: too large to be a page ({size} bytes; files over {MAX_FILE_BYTES} "
                "bytes are not imported)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    try:
        listing = sources.parse(sources.decode(data), path.resolve().as_uri(), page=str(path))
    except BudgetExceeded as exc:
        raise InputError(str(exc)) from None  # it names the file already
    except sources.ParseError as exc:
        raise InputError(f"{path}: {exc}") from None
    return listing, RawPage.of(data)


def skip_line(name: str, listing: Listing) -> str | None:
    """'NAME: skipped N of M items: reasons' for a page with problems, else None."""
    return problems_line(name, listing.problems, len(listing.papers))


def problems_line(name: str, problems: list[Problem], kept: int) -> str | None:
    """'NAME: skipped N of M items: reasons' when items were skipped (kept: the others), else
    None."""
    if not problems:
        return None
    reasons = "; ".join(f"{p.item}: {p.reason}" for p in problems[:5])
    more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    return f"{name}: skipped {len(problems)} of {len(problems) + kept} items: {reasons}{more}"


def import_paths(store: Store, paths: Iterable[str]) -> ImportReport:
    """Import every file the paths name; a bad file is reported and the rest go on. Its
    progress is the "parse" step (server/progress.py): a bar of files, then one line. From
    PARALLEL_FROM files they are read, parsed and packed on every core (server/cores.py), in
    order, while this process stores them."""
    report = ImportReport()
    items = list(expand(paths))
    files = sum(1 for item in items if not isinstance(item, InputError))
    with step("parse", "file") as shown:
        read = cores.across(_read, items, cores.procs(files, PARALLEL_FROM))
        for item, found in zip(shown.iter(items, len(items)), read, strict=True):
            if isinstance(found, InputError):
                report.failures.append(str(found))
                continue
            listing, raw = found
            report.add(store.ingest(listing, raw=raw))
            report.papers_read += len(listing.papers)
            report.skipped += len(listing.problems)
            line = skip_line(str(item), listing)
            if line:
                report.skips.append(line)
        shown.detail = f"{report.papers_read:,} papers read"
    return report


def _read(item: Path | InputError) -> tuple[Listing, RawPage] | InputError:
    """A file's listing and bytes, or why it cannot be imported (returned, not raised: the
    other files go on)."""
    if isinstance(item, InputError):
        return item
    try:
        return read_listing(item)
    except InputError as exc:
        return exc


def reparse(store: Store) -> ImportReport:
    """Re-read every stored raw page with the current parsers and store what they find now
    (the "reparse" step: a bar of pages, then one line)."""
    report = ImportReport()
    ids = store.raw_page_ids()
    with step("reparse", "page") as shown:
        for page_id in shown.iter(ids, len(ids)):
            url, body, fetched_at = store.raw_page(page_id)
            try:
                listing = sources.parse(sources.decode(body), url)
            except sources.ParseError as exc:
                report.failures.append(f"raw page {page_id} ({url or 'no URL'}): {exc}")
                continue
            listing.read_on = fetched_at[:10]  # what the page says is as of the day it was read
            report.add(store.ingest(listing))
            report.skipped += len(listing.problems)
    return report
