"""The search index: derived from the store, rebuildable, searched by the API and the site.

Only this module and its helpers (server/index_*.py) import whoosh. The index
holds nothing the store lacks; it stores only ids, so every result is shown from SQLite.
Whoosh names segments with the global `random` module: never call random.seed() globally.
"""

from __future__ import annotations

import gc
import threading
import time
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from whoosh import index, query
from whoosh.searching import Searcher

from server.index_columns import FACETS, FacetColumns
from server.index_exec import BUDGET, Postings
from server.index_files import IndexBusy, IndexFiles, probe
from server.index_query import (
    QueryError,
    Vocabulary,
    make_parser,
    match_terms,
    parse,
    plain_words,
    spans,
    suggest,
    surface_words,
)
from server.index_rank import (
    RERANK,
    filters,
    key_terms,
    phrases_first,
    run,
    shared_terms,
)
from server.index_schema import SCHEMA_VERSION, TEXT_FIELDS, make_schema
from server.index_write import apply_changes, drop_absent, write_all
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


class IndexCorrupt(Exception):
    """The index is missing or cannot be read: `paperboy reindex` rebuilds it."""


class EngineMissing(Exception):
    """The configured index engine is unknown or its package is not installed."""


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
        return SearchIndex
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


@dataclass
class Hit:
    """One search result: the paper id and its relevance score (0 when sorted otherwise)."""

    id: str
    score: float


@dataclass
class SearchResult:
    """One page of hits, the total, facets over all hits, and a did-you-mean."""

    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    page: int
    per_page: int


@dataclass
class Similar:
    """A similar paper, its score, and the key terms it shares with the original."""

    id: str
    score: float
    terms: list[str]


class SearchIndex:
    """The Whoosh index in `path`, with one long-lived searcher refreshed when the index changes.

    `SearchIndex(path, engine="tantivy")` gives the tantivy engine's subclass instead: the same
    interface, tested by the same tests (tests/conftest.py runs them on both engines)."""

    engine = "whoosh"
    schema_version: int | str = SCHEMA_VERSION  # a build stamped otherwise is rebuilt

    def __new__(cls, path: Path, lock_timeout: float = 300.0, engine: str = "whoosh"):
        if cls is SearchIndex:
            cls = engine_class(engine)
        return super().__new__(cls)

    def __init__(self, path: Path, lock_timeout: float = 300.0, engine: str = "whoosh"):
        self.files = IndexFiles(path)
        self.lock_timeout = lock_timeout
        self._lock = threading.RLock()  # one searcher, shared by the server's threads
        self._searcher: Searcher | None = None
        self._build: Path | None = None
        self._facets = FacetColumns()
        self._postings: Postings | None = None  # decoded postings of the current searcher
        self._vocab: Vocabulary | None = None  # frequent terms, for did-you-mean
        self._terms_cache: dict[int, dict[str, set]] = {}
        self._schema = make_schema()
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
        # Whoosh leaves a damaged TOC's file open; it is closed when the error is dropped
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                return self.files.read_stamp(build), self._probe(build)
            except Exception:  # any failure to read the index means it must be rebuilt
                return None
            finally:
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

    def _write_all(self, build: Path, store: Store, progress: bool) -> int:
        return write_all(build, self._schema, store, progress)

    def _apply(self, build: Path, store: Store, since: str) -> int | None:
        """Apply the store's changes since `since` to the build; None if it cannot be opened."""
        try:
            ix = index.open_dir(str(build))
        except Exception:
            return None
        touched = apply_changes(ix, store, since, self.lock_timeout)
        return touched + drop_absent(ix, store, self.lock_timeout)

    @staticmethod
    def _probe(build: Path) -> int:
        return probe(build)

    # -- reading ---------------------------------------------------------------------------

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
        narrow = filters(cat)
        # And(Every, x) normalizes to Every in Whoosh, so filters stand alone on an empty query
        full = query.And(narrow if q.strip() == "" and narrow else [parsed, *narrow])
        with self._lock:
            searcher = self._current()
            limit = page * per_page
            dated = date_from or date_to
            allow = self._facets.between(searcher, date_from, date_to) if dated else None
            order = partial(self._facets.top, searcher, sort)
            wanted = max(limit, RERANK)
            ranked, docs = run(searcher, full, wanted, sort, allow, self._postings, order)
            counts = self._facets.count(searcher, docs, facets)
            if sort == "relevance" and plain_words(q):
                ranked = phrases_first(searcher, self._schema, q, ranked)
            start = (page - 1) * per_page
            hits = [Hit(searcher.stored_fields(d)["id"], score) for d, score in ranked[start:limit]]
            few = q.strip() and len(docs) < FEW_RESULTS
            suggestion = suggest(parsed, q, searcher.reader(), self._vocabulary()) if few else None
        return SearchResult(hits, len(docs), counts, suggestion, page, per_page)

    def highlights(self, q: str, texts: dict[str, str]) -> dict[str, list[tuple[int, int]]]:
        """Character spans in each given text (title, abstract, authors) that the query matches."""
        with self._lock:
            searcher = self._current()
            cache = self._terms_cache.setdefault(id(searcher), {})
            if q not in cache:  # a results page highlights many hits for the same query
                if len(cache) > 256:
                    cache.clear()
                self._terms_cache = {id(searcher): cache}
                cache[q] = match_terms(parse(self._parser, q), searcher.reader())
            terms = cache[q]
        return {
            field: spans(self._schema[field].analyzer, field, text, terms)
            for field, text in texts.items()
            if field in TEXT_FIELDS
        }

    def similar(self, paper: Paper, limit: int = 5, exclude=()) -> list[Similar]:
        """Papers like this one by the key terms of its title and abstract, and the terms shared."""
        skip = {paper.id, *exclude}
        text = f"{paper.title}\n{paper.abstract}"
        with self._lock:
            searcher = self._current()
            keys = key_terms(searcher, text, self._postings.stats)
            if not keys:
                return []
            wanted = query.Or([query.Term(f, k) for k in keys for f in ("title", "abstract")])
            ranked, _ = run(searcher, wanted, limit + len(skip), "relevance", None, self._postings)
            found = [(d, searcher.stored_fields(d)["id"], score) for d, score in ranked]
            found = [hit for hit in found if hit[1] not in skip][:limit]
            shared = shared_terms(searcher, keys, [docnum for docnum, _, _ in found])
        words = surface_words([paper.title, paper.abstract])
        return [
            Similar(pid, float(score), [words.get(k, k) for k in keys if k in shared[docnum]])
            for docnum, pid, score in found
        ]

    def warm(self) -> str:
        """Read now what the first searches would otherwise read one by one: the columns, the
        field lengths and the postings of the most frequent terms (up to half the cache).
        `paperboy serve` runs it in the background; queries go on meanwhile, term by term."""
        started = time.perf_counter()
        with self._lock:
            searcher = self._current()
            for name in ("published", "month", "catnames"):
                self._facets.get(searcher, name)
            for field in ("title", "abstract", "authors"):
                self._postings.lengths(field)
            reader = searcher.reader()
            frequent = [
                (field, text.decode() if isinstance(text, bytes) else text)
                for field in ("abstract", "title")
                for _, text in reader.most_frequent_terms(field, WARM_TERMS)
            ]
        for field, text in frequent:
            with self._lock:
                cache = self._postings
                if self._searcher is not searcher or cache.size * 2 > cache.budget:
                    break
                cache.get(field, text)
        return f"search index warm in {time.perf_counter() - started:.1f}s"

    def doc_count(self) -> int:
        """Papers in the live index (0 when there is none)."""
        if self.files.current() is None:
            return 0
        with self._lock:
            return self._current().doc_count()

    def close(self) -> None:
        """Close the searcher; the index can still be used afterwards (it reopens)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = self._build = None
            self._facets = FacetColumns()
            self._postings = None

    # -- internals -------------------------------------------------------------------------

    def _current(self) -> Searcher:
        """The searcher over the live build, reopened only when a writer committed since.

        Not Searcher.refresh(): it reuses segment readers and so misses new deletions in them.
        """
        build = self.files.current()
        if self._searcher is not None and build == self._build and self._fresh():
            return self._searcher
        for attempt in range(3):
            if build is None:
                raise IndexCorrupt("there is no search index yet: run `paperboy reindex`")
            try:
                fresh = index.open_dir(str(build)).searcher()
                break
            except Exception as exc:
                # a rebuild may have swapped the build out between reading CURRENT and opening it
                moved = self.files.current()
                if moved == build or attempt == 2:
                    raise IndexCorrupt(f"{build}: cannot read the search index ({exc})") from exc
                build = moved
        self.close()
        self._searcher, self._build = fresh, build
        budget = max(BUDGET, BUDGET_PER_DOC * fresh.doc_count_all())
        self._postings = Postings(fresh, budget, segments=self._facets.segments)
        self._vocab = None  # read on the first did-you-mean
        return fresh

    def _vocabulary(self) -> Vocabulary:
        if self._vocab is None:
            self._vocab = Vocabulary(self._searcher.reader())
        return self._vocab

    def _fresh(self) -> bool:
        try:
            return self._searcher.up_to_date()
        except OSError:  # the build was removed under us: reopen from CURRENT
            return False
