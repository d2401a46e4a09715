"""The whoosh engine (the default): SearchIndex over a whoosh index, in pure Python.

Searches of terms, phrases and boolean operators run on decoded postings in set operations
(execute.py), with whoosh's own scoring; other shapes run through whoosh itself.
Whoosh names segments with the global `random` module: never call random.seed() globally.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterator
from functools import partial
from itertools import groupby, islice
from operator import itemgetter
from pathlib import Path

from whoosh import index, query
from whoosh.searching import Searcher

from server import budget
from server.index.base import FEW_RESULTS, SearchIndex
from server.index.columns import FacetColumns
from server.index.execute import BUDGET, Postings
from server.index.files import probe
from server.index.query import Vocabulary, parse, plain_words, suggest
from server.index.rank import (
    PROXIMITY_POOL,
    RERANK,
    WhooshTypos,
    filters,
    proximity_first,
    run,
    typo_suggestion,
)
from server.index.schema import PAIR_FIELDS, SCHEMA_VERSION
from server.index.types import Ask, Hit, PaperSource, SearchResult
from server.index.whoosh_write import apply_changes, drop_absent, write_all

BUDGET_PER_DOC = 8  # decoded postings kept: 4M, or 8 per paper in a bigger archive (64 MB at 1M)
WARM_TERMS = 400  # most frequent terms per field whose postings `warm()` reads ahead
WARM_LETTERS = "abcdefghijklmnopqrstuvwxyz"  # first letters whose did-you-mean terms it reads
WARM_CHUNK = 2000  # words of a field's list `warm()` walks in one step (a few ms)


class WhooshIndex(SearchIndex):
    """SearchIndex on whoosh, with decoded postings and columns kept per searcher."""

    engine = "whoosh"
    schema_version = SCHEMA_VERSION

    def __init__(self, path: Path, lock_timeout: float = 300.0):
        super().__init__(path, lock_timeout)
        self._facets = FacetColumns()
        self._postings: Postings | None = None  # decoded postings of the current searcher
        self._blind: tuple[Searcher, int] | None = None  # papers without categories, per searcher

    # -- writing ---------------------------------------------------------------------------

    def _write_all(self, build: Path, store: PaperSource) -> int:
        return write_all(build, self._schema, store)

    def _apply(self, build: Path, store: PaperSource, since: str) -> int | None:
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

    def _search(self, ask: Ask, searcher: Searcher) -> SearchResult:
        narrow = filters(ask.cat)
        # And(Every, x) normalizes to Every in Whoosh, so filters stand alone on an empty query
        empty = ask.q.strip() == ""
        full = query.And(narrow if empty and narrow else [ask.parsed, *narrow])
        sort = ask.sort
        dated = ask.date_from or ask.date_to
        allow = self._facets.between(searcher, ask.date_from, ask.date_to) if dated else None
        order = partial(self._facets.top, searcher, sort)
        proximity = sort == "relevance" and plain_words(ask.q)
        wanted = max(ask.limit, PROXIMITY_POOL if proximity else RERANK)
        ranked, docs = run(searcher, full, wanted, sort, allow, self._postings, order)
        budget.check()
        counts = self._facets.count(searcher, docs, ask.facets)
        if proximity:
            ranked = proximity_first(self._postings, self._schema, ask.q, ranked)
        page = ranked[ask.start : ask.limit]
        hits = [Hit(searcher.stored_fields(d)["id"], score) for d, score in page]
        suggestion = None
        if not docs and plain_words(ask.q):
            look = WhooshTypos(self._postings, self._schema, partial(parse, self._parser))
            suggestion = typo_suggestion(ask.q, self._schema, look)
        if suggestion is None and not empty and len(docs) < FEW_RESULTS:
            suggestion = suggest(ask.parsed, ask.q, searcher.reader(), self._vocabulary())
        return SearchResult(hits, len(docs), counts, suggestion, ask.page, ask.per_page)

    def _lexicon(self, searcher: Searcher) -> WhooshLexicon:
        return WhooshLexicon(searcher.reader())

    def _uncategorised(self) -> int:
        """Papers without a category, counted once per searcher from the categories column."""
        searcher = self._current()
        if self._blind is None or self._blind[0] is not searcher:
            names = self._facets.get(searcher, "catnames")
            self._blind = (searcher, sum(1 for d in self._postings.all_docs() if not names[d]))
        return self._blind[1]

    def warm(self) -> str:
        """Read now what the first searches would otherwise read one by one: the columns, the
        field lengths, the did-you-mean's terms of each letter, the postings of the terms in
        the most papers (up to half the cache) and the common words' positions (for phrases).
        `paperboy serve` runs it in the background, in short steps under the lock: a search
        waiting for the lock takes it between two steps."""
        started = time.perf_counter()
        with self._lock:
            searcher = self._current()
            steps = self._warming(searcher)
        while True:
            with self._lock:
                if self._searcher is not searcher or not next(steps, False):
                    break
            time.sleep(0)  # lets a waiting search thread run before this one locks again
        return f"search index warm in {time.perf_counter() - started:.1f}s"

    def _warming(self, searcher: Searcher) -> Iterator[bool]:
        """warm()'s steps: each runs until the next yield (of True), under the lock."""
        for name in ("published", "month", "catnames"):
            self._facets.get(searcher, name)
        for field in ("title", "abstract", "authors"):
            self._postings.lengths(field)
            yield True
        for letter in WARM_LETTERS:
            self._vocabulary().read(letter)
            yield True
        lexicon, frequent = WhooshLexicon(searcher.reader()), []
        for field in ("abstract", "title"):
            # the field's words, WARM_CHUNK a step (whoosh's most_frequent_terms walks them all
            # at once: seconds at 36k papers, with every search waiting); the walk reads its
            # files by position, so searches in between do not move it
            words, best = lexicon.scan(field, ""), []
            while chunk := [(n, word) for word, n in islice(words, WARM_CHUNK)]:
                best = heapq.nlargest(WARM_TERMS, best + chunk)
                yield True
            frequent += [(field, word) for _, word in best]
        for field, text in frequent:
            if self._postings.size * 2 > self._postings.budget:
                break
            self._postings.get(field, text)
            yield True
        yield from self._postings.keep_common_places(PAIR_FIELDS)

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
        build, fresh = self._open_live(build, lambda b: index.open_dir(str(b)).searcher())
        self.close()
        self._searcher, self._build = fresh, build
        kept = max(BUDGET, BUDGET_PER_DOC * fresh.doc_count_all())
        self._postings = Postings(fresh, kept, segments=self._facets.segments)
        self._vocab = None  # read on the first did-you-mean
        return fresh

    def _vocabulary(self) -> Vocabulary:
        if self._vocab is None:
            self._vocab = Vocabulary(WhooshLexicon(self._searcher.reader()).scan)
        return self._vocab

    def _fresh(self) -> bool:
        try:
            return self._searcher.up_to_date()
        except OSError:  # the build was removed under us: reopen from CURRENT
            return False


class WhooshLexicon:
    """A whoosh reader's word lists, for index_bounds."""

    def __init__(self, reader):
        self.reader = reader

    def scan(self, field: str, prefix: str, start: str = "") -> Iterator[tuple[str, int]]:
        """(word, papers) of the field's words beginning with `prefix`, from `start` on.

        Each segment's list is read in order and the lists merged: whoosh's reader over many
        segments would look every word up in every segment (50x slower)."""
        if field not in self.reader.schema:
            return
        fieldobj, head, begin = self.reader.schema[field], prefix.encode(), max(start, prefix)
        runs = [_segment_words(seg, field, head, begin) for seg, _ in self.reader.leaf_readers()]
        for raw, same in groupby(heapq.merge(*runs), key=itemgetter(0)):
            yield fieldobj.from_bytes(raw), sum(n for _, n in same)


def _segment_words(seg, field: str, head: bytes, begin: str) -> Iterator[tuple[bytes, int]]:
    """(word, papers) in one segment, in word order, from `begin` while they start with `head`."""
    if field not in seg.indexed_field_names():
        return
    for raw, info in seg.iter_field(field, begin):
        if not raw.startswith(head):
            return
        yield raw, info.doc_frequency()
