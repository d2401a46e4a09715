"""The engine-neutral search index: builds, stamps and repair, parsing, argument checks and
highlights, shared by both engines, which subclass it (whoosh_engine.py, tantivy_engine.py)."""

from __future__ import annotations

import contextlib
import gc
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from whoosh import query

from server import budget
from server.index import recommend, similar
from server.index.bounds import Lexicon, bound
from server.index.columns import FACETS
from server.index.files import IndexBusy, IndexFiles
from server.index.query import (
    QueryError,
    Vocabulary,
    make_parser,
    match_terms,
    parse,
    spans,
)
from server.index.schema import TEXT_FIELDS, make_schema
from server.index.types import (
    Ask,
    IndexCorrupt,
    PaperSource,
    SearchResult,
    Similar,
)
from server.models import Paper

SORTS = ("relevance", "date", "upvotes", "trending")
FEW_RESULTS = 5  # below this many hits, offer a did-you-mean


class SearchIndex:
    """The search index in `path`, with one long-lived searcher refreshed when the index changes.

    Each engine is a subclass (whoosh_engine.py, tantivy_engine.py; engines.py makes one by
    name). This class holds what both share: builds, stamps and repair, the query parser,
    argument checks, highlight caching. Each engine implements the methods at the end of this
    class (the engine interface); the tests in tests/index/ and tests/api/ run on both."""

    engine = ""
    schema_version: int | str = 0  # a build stamped otherwise is rebuilt

    def __init__(self, path: Path, lock_timeout: float = 300.0):
        self.files = IndexFiles(path)
        self.lock_timeout = lock_timeout
        self._lock = threading.RLock()  # one searcher, shared by the server's threads
        self._searcher = None
        self._build: Path | None = None
        self._vocab: Vocabulary | None = None  # frequent terms, for did-you-mean
        self._checked: tuple[tuple, tuple[dict[str, object], int]] | None = None
        self._schema = make_schema()  # whoosh's: the parser's fields and analyzers, both engines
        self._parser = make_parser(self._schema)

    # -- health ----------------------------------------------------------------------------

    def state(self, store: PaperSource) -> str:
        """'ok', 'missing', 'corrupt' or 'stale' (behind the store or built by another version)."""
        build = self.files.current()
        return self._state(store, build, self._check(build) if build is not None else None)

    def health(self, store: PaperSource) -> dict[str, object]:
        """State, documents and engine, for /api/health, from one look at the live build: its
        name and stamp read (two small files) and two stat calls; the index itself is opened only
        when those changed (_check). From the store: its newest change and paper count, both
        one index lookup (the papers_changed index, the counts it keeps)."""
        build = self.files.current()
        checked = self._check(build) if build is not None else None
        return {
            "state": self._state(store, build, checked),
            "documents": 0 if checked is None else checked[1],
            "engine": self.engine,
        }

    def _state(
        self, store: PaperSource, build: Path | None, checked: tuple[dict[str, object], int] | None
    ) -> str:
        if build is None:
            return "missing"
        if checked is None:
            return "corrupt"
        stamp, count = checked
        if stamp.get("schema") != self.schema_version or stamp["synced_to"] != store.last_change():
            return "stale"
        return "ok" if count == store.count("papers") else "stale"

    def _check(self, build: Path) -> tuple[dict[str, object], int] | None:
        """The build's stamp and doc count, or None when either (or the similarity file) cannot
        be read.

        Takes no lock, so /api/health answers while a search runs; the count is read again
        only when the build, its files or its stamp changed since the last look."""
        try:
            seen = (
                build,
                build.stat().st_mtime_ns,
                (build / similar.FILE).stat().st_mtime_ns,
                (build / "stamp.json").read_bytes(),
            )
        except OSError:
            seen = None
        known = self._checked
        if seen is not None and known is not None and known[0] == seen:
            return known[1]
        found = self._read_check(build)
        if seen is not None and found is not None:
            self._checked = (seen, found)
        return found

    def _read_check(self, build: Path) -> tuple[dict[str, object], int] | None:
        # Whoosh leaves a damaged TOC's file open; it is closed when the error is dropped
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                similar.probe(build / similar.FILE)
                return self.files.read_stamp(build), self._probe(build)
            except Exception:  # any failure to read the index means it must be rebuilt
                gc.collect()  # (not on success: a collection in a big server takes 100s of ms)
                return None

    def _schema_current(self) -> bool:
        build = self.files.current()
        stamp = self.files.read_stamp(build) if build is not None else {}
        return stamp.get("schema") == self.schema_version

    def ensure(self, store: PaperSource) -> str:
        """Detect a missing, corrupt or stale index and repair it; says what it did."""
        started, found = time.perf_counter(), self.state(store)
        if found == "ok":
            return f"search index ok: {self.doc_count()} papers"
        if found == "stale" and self._schema_current():
            touched = self.sync(store)
            if self.state(store) == "ok":
                return f"search index was stale: updated {touched} papers"
        count = self.rebuild(store)
        took = time.perf_counter() - started
        return f"search index was {found}: rebuilt with {count} papers in {took:.1f}s"

    # -- writing ---------------------------------------------------------------------------

    def rebuild(self, store: PaperSource) -> int:
        """Build a new index from the whole store, then swap it in; returns the paper count.
        Its progress: the "index" and "similar" steps (server/progress.py)."""
        with self.files.write_lock(self.lock_timeout):
            return self._rebuild(store)

    def _rebuild(self, store: PaperSource) -> int:
        synced_to = store.last_change()  # read first: a change made meanwhile is re-synced later
        build = self.files.new_build()
        count = self._write_all(build, store)
        similar.write(build / similar.FILE, store.paper_texts, count)
        self.files.write_stamp(build, synced_to, self.schema_version)
        self.files.publish(build)
        return count

    def sync(self, store: PaperSource) -> int:
        """Apply store changes since the last sync, drop merged or absent ids; count docs touched.

        A missing, damaged or outdated index is rebuilt instead.
        """
        with self.files.write_lock(self.lock_timeout):
            build = self.files.current()
            try:
                stamp = self.files.read_stamp(build) if build else None
            except Exception:
                stamp = None
            if stamp is None or stamp.get("schema") != self.schema_version:
                return self._rebuild(store)
            synced_to = store.last_change()
            touched = self._apply(build, store, str(stamp["synced_to"]))
            if touched is None:  # the build cannot be opened: start again
                return self._rebuild(store)
            similar.apply(
                build / similar.FILE,
                store.index_rows(str(stamp["synced_to"])),
                store.aliases(),
                store.paper_texts,
            )
            self.files.write_stamp(build, synced_to, self.schema_version)
            return touched

    def search(
        self,
        q: str,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
        date_from: str | None = None,
        date_to: str | None = None,
        cat: str | None = None,
        facets: tuple[str, ...] = FACETS,
    ) -> SearchResult:
        """A page of papers matching a query (empty: all papers), with facets and a did-you-mean.

        `facets` names the counts wanted ("month", "category"); fewer cost less to count."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r} (one of {', '.join(SORTS)})")
        if page < 1 or per_page < 1:
            raise QueryError("page and per_page must be 1 or more")
        parsed = parse(self._parser, q) if q.strip() else query.Every()
        with self._locked(), self._unusable():
            searcher = self._current()
            bounded, notes = bound(parsed, self._lexicon(searcher))
            ask = Ask(q, bounded, page, per_page, sort, date_from, date_to, cat, facets)
            result = self._search(ask, searcher)
            budget.check()  # a search that ran out of time is not answered late
            notes += self._category_notes(parsed, cat)
        result.notes = notes
        result.marks = match_terms(bounded)
        return result

    @contextlib.contextmanager
    def _unusable(self):
        """An open searcher whose files were spoiled under it fails deep in the engine, with
        any exception: when the live build no longer reads as an index, that is IndexCorrupt
        (the API's 503), not an internal error. Any other failure goes on as it was."""
        try:
            yield
        except (QueryError, budget.QueryTooBroad, IndexBusy, IndexCorrupt):
            raise
        except Exception as exc:
            build = self.files.current()
            if build is None:
                raise IndexCorrupt("the search index is gone: run `paperboy reindex`") from exc
            if self._read_check(build) is None:
                raise IndexCorrupt(f"{build}: cannot read the search index ({exc!r})") from exc
            raise

    def _category_notes(self, parsed: query.Query, cat: str | None) -> list[str]:
        """A note when a search narrowed by category cannot see the papers that have none
        (those imported from Hugging Face, until `paperboy enrich` asks arXiv for them)."""
        leaves = [parsed] if parsed.is_leaf() else list(parsed.leaves())
        if not cat and not any(getattr(leaf, "fieldname", "") == "categories" for leaf in leaves):
            return []
        missing = self._uncategorised()
        if not missing:
            return []
        return [
            f"{missing:,} paper{'s have' if missing > 1 else ' has'} no arXiv categories, so "
            "cat: cannot find them: `paperboy enrich` asks the arXiv API for them"
        ]

    def highlights(self, q: str, texts: dict[str, str]) -> dict[str, list[tuple[int, int]]]:
        """Character spans in each given text (title, abstract, authors) that the query matches."""
        with self._locked(), self._unusable():
            bounded, _ = bound(parse(self._parser, q), self._lexicon(self._current()))
        return self.marked(match_terms(bounded), [texts])[0]

    def marked(
        self, marks: set[tuple[str, bytes]], hits: list[dict[str, str]]
    ) -> list[dict[str, list[tuple[int, int]]]]:
        """`highlights` of each hit's texts, for the (field, term) pairs a search's result
        names (SearchResult.marks): a results page marks its hits without asking the index."""
        return [
            {
                field: spans(self._schema[field].analyzer, field, text, marks)
                for field, text in texts.items()
                if field in TEXT_FIELDS
            }
            for texts in hits
        ]

    @contextlib.contextmanager
    def _locked(self):
        """The searcher's lock; under a time budget, waiting for it spends the budget."""
        left = budget.remaining()
        if not self._lock.acquire(timeout=-1 if left is None else left):
            raise IndexBusy(
                f"other searches held the search index for the whole {budget.seconds():g} s "
                "budget of this one (the query_budget setting): try again"
            )
        try:
            yield
        finally:
            self._lock.release()

    def _open_live(self, build: Path | None, open_build):
        """(build, open_build(build)) for the live build, tried again when a rebuild swapped
        the build out between reading CURRENT and opening it."""
        for attempt in range(3):
            if build is None:
                raise IndexCorrupt("there is no search index yet: run `paperboy reindex`")
            try:
                return build, open_build(build)
            except Exception as exc:
                moved = self.files.current()
                if moved == build or attempt == 2:
                    raise IndexCorrupt(f"{build}: cannot read the search index ({exc})") from exc
                build = moved
        raise AssertionError("unreachable")

    # -- the engine interface --------------------------------------------------------------

    def _write_all(self, build: Path, store: PaperSource) -> int:
        """Index every paper of the store into the empty folder `build`; return the count."""
        raise NotImplementedError

    def _apply(self, build: Path, store: PaperSource, since: str) -> int | None:
        """Apply the store's changes since `since` to the build; None if it cannot be opened."""
        raise NotImplementedError

    @staticmethod
    def _probe(build: Path) -> int:
        """The build's doc count; raises when it cannot be read."""
        raise NotImplementedError

    def _search(self, ask: Ask, searcher) -> SearchResult:
        """Run a checked request (under the lock) on the searcher its terms were bounded by."""
        raise NotImplementedError

    def _lexicon(self, searcher) -> Lexicon:
        """The searcher's word list, for expanding wildcard, fuzzy and range terms."""
        raise NotImplementedError

    def similar(self, paper: Paper, limit: int = 5, exclude=()) -> list[Similar]:
        """Papers like this one (the cosine of their tf-idf vectors, similar.py), best first,
        with the terms they share most; [] when there is no index yet."""
        build = self.files.current()
        if build is None or not (build / similar.FILE).exists():
            return []
        with _readable(build / similar.FILE):
            return similar.similar(build / similar.FILE, paper, limit, exclude)

    def similar_many(
        self, papers: list[Paper], limit: int = 5, done: Callable[[int], None] = lambda n: None
    ) -> dict[str, list[Similar]]:
        """similar() for each of many papers (a site build's), by id; on every core when many;
        `done(n)` is told as each n are done."""
        build = self.files.current()
        if build is None or not (build / similar.FILE).exists():
            return {p.id: [] for p in papers}
        with _readable(build / similar.FILE):
            return similar.similar_many(build / similar.FILE, papers, limit, done)

    def recommend(
        self, saved: list[Paper], candidates: list[Paper], limit: int = 10
    ) -> list[recommend.Pick]:
        """The candidates most like the saved papers (recommend.py), each with its reasons."""
        build = self.files.current()
        if build is None or not (build / similar.FILE).exists():
            return []
        with _readable(build / similar.FILE):
            return recommend.recommend(build / similar.FILE, saved, candidates, limit)

    def warm(self) -> str:
        """Read ahead what the first searches need; say how long it took."""
        raise NotImplementedError

    def _uncategorised(self) -> int:
        """Papers in the live index without a category (under the lock)."""
        raise NotImplementedError

    def doc_count(self) -> int:
        """Papers in the live index (0 when there is none or it cannot be read); takes no lock."""
        build = self.files.current()
        checked = self._check(build) if build is not None else None
        return 0 if checked is None else checked[1]

    def close(self) -> None:
        """Close the searcher; the index can still be used afterwards (it reopens)."""
        raise NotImplementedError

    def _current(self):
        """The searcher over the live build, reopened only when a writer committed since."""
        raise NotImplementedError


@contextlib.contextmanager
def _readable(path: Path):
    """The similarity file read inside: a file that is not SQLite, or a corrupt one, is an
    unusable index (IndexCorrupt: the API's 503, the CLI's rebuild), not the store's failure."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise IndexCorrupt(f"{path}: cannot read the similar papers ({exc})") from exc
