"""The search index: derived from the store, rebuildable, searched by the API and the site.

Only this module and its helpers (server/index_*.py) import whoosh or tantivy. The index
holds nothing the store lacks; it stores only ids, so every result is shown from SQLite.
"""

from __future__ import annotations

import gc
import threading
import time
import warnings
from pathlib import Path

from whoosh import query

from server.index_columns import FACETS
from server.index_files import IndexBusy, IndexFiles
from server.index_query import (
    QueryError,
    Vocabulary,
    make_parser,
    parse,
    spans,
)
from server.index_schema import TEXT_FIELDS, make_schema
from server.index_types import Ask, EngineMissing, Hit, IndexCorrupt, SearchResult, Similar
from server.models import Paper
from server.store import Store

__all__ = [
    "ENGINES",
    "EngineMissing",
    "open_index",
    "Hit",
    "IndexBusy",
    "IndexCorrupt",
    "QueryError",
    "SearchIndex",
    "SearchResult",
    "Similar",
]

SORTS = ("relevance", "date", "upvotes", "trending")
ENGINES = ("whoosh", "tantivy")  # the setting index_engine; tantivy is an optional extra
FEW_RESULTS = 5  # below this many hits, offer a did-you-mean
BUDGET_PER_DOC = 8  # decoded postings kept: 4M, or 8 per paper in a bigger archive (64 MB at 1M)
WARM_TERMS = 400  # most frequent terms per field whose postings `warm()` reads ahead


def open_index(data_dir: Path, engine: str | None = None, lock_timeout: float = 300.0):
    """The engine's index in a data directory: `index/` for whoosh, `index-tantivy/` for
    tantivy. Each engine keeps its own, so switching back and forth syncs instead of rebuilding.
    No engine: the configured one (paperboy.toml, PAPERBOY_INDEX_ENGINE), as for bench/."""
    if engine is None:
        from server.config import load

        engine = str(load()["index_engine"])
    folder = "index" if engine == "whoosh" else f"index-{engine}"
    return SearchIndex(Path(data_dir) / folder, lock_timeout, engine)


def engine_class(engine: str) -> type[SearchIndex]:
    """The SearchIndex class of an engine name, or EngineMissing saying what to install."""
    if engine == "whoosh":
        from server.index_whoosh import WhooshIndex

        return WhooshIndex
    if engine != "tantivy":
        raise EngineMissing(f"unknown index_engine {engine!r} (one of {', '.join(ENGINES)})")
    try:
        from server.index_tantivy import TantivyIndex
    except ImportError as exc:
        raise EngineMissing(
            f"index_engine 'tantivy' needs the tantivy package ({exc}): "
            "pip install 'paperboy[tantivy]'"
        ) from None
    return TantivyIndex


class SearchIndex:
    """The search index in `path`, with one long-lived searcher refreshed when the index changes.

    `SearchIndex(path)` is the whoosh engine (server/index_whoosh.py); `SearchIndex(path,
    engine="tantivy")` the tantivy one (server/index_tantivy.py). This class holds what both
    share: builds, stamps and repair, the query parser, argument checks, highlight caching. Each
    engine implements the methods at the end of this class (the engine interface); the tests in
    tests/test_index.py and tests/test_api.py run on both."""

    engine = ""
    schema_version: int | str = 0  # a build stamped otherwise is rebuilt

    def __new__(cls, path: Path, lock_timeout: float = 300.0, engine: str = "whoosh"):
        if cls is SearchIndex:
            cls = engine_class(engine)
        return super().__new__(cls)

    def __init__(self, path: Path, lock_timeout: float = 300.0, engine: str = "whoosh"):
        self.files = IndexFiles(path)
        self.lock_timeout = lock_timeout
        self._lock = threading.RLock()  # one searcher, shared by the server's threads
        self._searcher = None
        self._build: Path | None = None
        self._vocab: Vocabulary | None = None  # frequent terms, for did-you-mean
        self._terms_cache: dict[int, dict[str, set]] = {}
        self._schema = make_schema()  # whoosh's: the parser's fields and analyzers, both engines
        self._parser = make_parser(self._schema)

    # -- health ----------------------------------------------------------------------------

    def state(self, store: Store) -> str:
        """'ok', 'missing', 'corrupt' or 'stale' (behind the store or built by another version)."""
        build = self.files.current()
        if build is None:
            return "missing"
        checked = self._check(build)
        if checked is None:
            return "corrupt"
        stamp, count = checked
        if stamp.get("schema") != self.schema_version or stamp["synced_to"] != store.last_change():
            return "stale"
        return "ok" if count == store.count("papers") else "stale"

    def _check(self, build: Path) -> tuple[dict[str, object], int] | None:
        """The build's stamp and doc count, or None when either cannot be read."""
        # Whoosh leaves a damaged TOC's file open; it is closed when the error is dropped. Only
        # then is a full collection run: /api/health calls this, and a collection walks every
        # object of the process (a page being parsed has millions) holding the GIL.
        failed = False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                return self.files.read_stamp(build), self._probe(build)
            except Exception:  # any failure to read the index means it must be rebuilt
                failed = True
                return None
            finally:
                if failed:
                    gc.collect()

    def _schema_current(self) -> bool:
        build = self.files.current()
        stamp = self.files.read_stamp(build) if build is not None else {}
        return stamp.get("schema") == self.schema_version

    def ensure(self, store: Store) -> str:
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

    def rebuild(self, store: Store, progress: bool = False) -> int:
        """Build a new index from the whole store, then swap it in; returns the paper count."""
        with self.files.write_lock(self.lock_timeout):
            return self._rebuild(store, progress)

    def _rebuild(self, store: Store, progress: bool) -> int:
        synced_to = store.last_change()  # read first: a change made meanwhile is re-synced later
        build = self.files.new_build()
        count = self._write_all(build, store, progress)
        self.files.write_stamp(build, synced_to, self.schema_version)
        self.files.publish(build)
        return count

    def sync(self, store: Store) -> int:
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
                return self._rebuild(store, progress=False)
            synced_to = store.last_change()
            touched = self._apply(build, store, str(stamp["synced_to"]))
            if touched is None:  # the build cannot be opened: start again
                return self._rebuild(store, progress=False)
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
        ask = Ask(q, parsed, page, per_page, sort, date_from, date_to, cat, facets)
        with self._lock:
            return self._search(ask)

    def highlights(self, q: str, texts: dict[str, str]) -> dict[str, list[tuple[int, int]]]:
        """Character spans in each given text (title, abstract, authors) that the query matches."""
        with self._lock:
            searcher = self._current()
            cache = self._terms_cache.setdefault(id(searcher), {})
            if q not in cache:  # a results page highlights many hits for the same query
                if len(cache) > 256:
                    cache.clear()
                self._terms_cache = {id(searcher): cache}
                cache[q] = self._match_terms(searcher, q)
            terms = cache[q]
        return {
            field: spans(self._schema[field].analyzer, field, text, terms)
            for field, text in texts.items()
            if field in TEXT_FIELDS
        }

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

    def _write_all(self, build: Path, store: Store, progress: bool) -> int:
        """Index every paper of the store into the empty folder `build`; return the count."""
        raise NotImplementedError

    def _apply(self, build: Path, store: Store, since: str) -> int | None:
        """Apply the store's changes since `since` to the build; None if it cannot be opened."""
        raise NotImplementedError

    @staticmethod
    def _probe(build: Path) -> int:
        """The build's doc count; raises when it cannot be read."""
        raise NotImplementedError

    def _search(self, ask: Ask) -> SearchResult:
        """Run a checked request (under the lock)."""
        raise NotImplementedError

    def _match_terms(self, searcher, q: str) -> set[tuple[str, bytes]]:
        """The (field, term) pairs of the index that the query's positive parts match."""
        raise NotImplementedError

    def similar(self, paper: Paper, limit: int = 5, exclude=()) -> list[Similar]:
        """Papers like this one by the key terms of its title and abstract, and the terms shared."""
        raise NotImplementedError

    def warm(self) -> str:
        """Read ahead what the first searches need; say how long it took."""
        raise NotImplementedError

    def doc_count(self) -> int:
        """Papers in the live index (0 when there is none)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the searcher; the index can still be used afterwards (it reopens)."""
        raise NotImplementedError

    def _current(self):
        """The searcher over the live build, reopened only when a writer committed since."""
        raise NotImplementedError
