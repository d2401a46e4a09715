"""The optional tantivy engine (`pip install 'paperboy[tantivy]'`, setting index_engine).

The same SearchIndex: the same builds, stamps and write lock (index_files), the same query
language and errors (whoosh's parser, translated by index_tantivy_query), the same analysis.
Tantivy is a Rust library: its posting lists are decoded in compiled code, which keeps searches
quick at a million papers where the whoosh engine decodes them in Python.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import tantivy

from server import budget
from server.index import bounds as index_bounds
from server.index.base import FEW_RESULTS, SearchIndex
from server.index.query import (
    QueryError,
    Vocabulary,
    parse,
    plain_words,
    suggest,
)
from server.index.rank import (
    NEAR,
    PROXIMITY_FIELDS,
    RERANK,
    TYPO_PAPERS,
    typo_suggestion,
)
from server.index.tantivy_query import (
    SCHEMA_VERSION,
    SHOULD,
    Translator,
    all_of,
    make_document,
    make_tantivy_schema,
)
from server.index.types import Ask, Hit, PaperSource, SearchResult
from server.progress import Step, step

WRITER_HEAP = 256_000_000  # bytes the writer buffers before it writes a segment
# A commit and its merges take about this share of the add phase's time: the estimate shown.
COMMIT_SHARE = 0.5
SORT_FIELDS = {"date": "published", "upvotes": "by_upvotes", "trending": "by_trending"}
FACET_SIZE = 100_000  # months and categories counted at most


class _Reader:
    """The few reader calls the did-you-mean makes (index_query.suggest) and the word lists
    index_bounds expands patterns from, over tantivy."""

    def __init__(self, searcher: tantivy.Searcher):
        self.searcher = searcher

    def doc_frequency(self, field: str, text: str) -> int:
        return self.searcher.doc_freq(field, text)

    def scan(self, field: str, prefix: str, start: str = "") -> list[tuple[str, int]]:
        """(word, papers) of the field's words beginning with `prefix`, in word order, at most
        one more than index_bounds compares (tantivy cannot seek to `start`: earlier words
        come too). Tantivy gives the words in the most papers first, so they are sorted here."""
        return sorted(
            self.searcher.terms_with_prefix(field, prefix, limit=index_bounds.SCAN_MAX + 1)
        )


class TantivyIndex(SearchIndex):
    """SearchIndex on tantivy: one searcher, reloaded when a writer has committed."""

    engine = "tantivy"
    schema_version = SCHEMA_VERSION

    def __init__(self, path: Path, lock_timeout: float = 300.0):
        super().__init__(path, lock_timeout)
        self._ix: tantivy.Index | None = None
        self._seen: tuple | None = None  # (build, meta.json's mtime) the searcher was opened at
        self._translate: Translator | None = None

    # -- writing ---------------------------------------------------------------------------

    def _write_all(self, build: Path, store: PaperSource) -> int:
        ix = tantivy.Index(make_tantivy_schema(), path=str(build))
        with step("index", "paper") as shown:
            with _writing(ix, WRITER_HEAP, _threads(), shown) as writer:
                for row in shown.iter(store.index_rows(), store.count("papers")):
                    writer.add_document(make_document(row))
        return shown.count or 0

    def _apply(self, build: Path, store: PaperSource, since: str) -> int | None:
        try:
            ix = tantivy.Index.open(str(build))
        except Exception:
            return None
        touched = 0
        with step("index", "paper") as shown, _writing(ix, WRITER_HEAP // 4, 1, shown) as writer:
            for row in shown.iter(store.index_rows(since), None, "changed"):
                writer.delete_documents_by_term("id", row.paper.id)
                writer.add_document(make_document(row))
                touched += 1
            for alias in store.aliases():
                writer.delete_documents_by_term("id", alias)
        return touched + self._drop_absent(ix, store)

    @staticmethod
    def _drop_absent(ix: tantivy.Index, store: PaperSource) -> int:
        """Delete docs whose papers left the store (only looked for when the counts differ)."""
        ix.reload()
        if ix.searcher().num_docs == store.count("papers"):
            return 0
        indexed = {text for text, _ in ix.searcher().terms_with_prefix("id", "")}
        absent = indexed - store.paper_ids()
        with _writing(ix, WRITER_HEAP // 4, 1) as writer:
            for paper_id in absent:
                writer.delete_documents_by_term("id", paper_id)
        return len(absent)

    @staticmethod
    def _probe(build: Path) -> int:
        return tantivy.Index.open(str(build)).searcher().num_docs

    # -- reading ---------------------------------------------------------------------------

    def _search(self, ask: Ask, searcher: tantivy.Searcher) -> SearchResult:
        translate = self._translate
        try:
            wanted = translate(ask.parsed)
        except QueryError:
            raise
        except ValueError as exc:  # tantivy refuses a part (a pattern it cannot compile)
            raise QueryError(f"cannot run the query {ask.q[:80]!r}: {exc}") from None
        narrow = [translate.term("categories", ask.cat.lower())] if ask.cat else []
        if ask.date_from or ask.date_to:
            narrow.append(translate.dates(ask.date_from, ask.date_to))
        if narrow:
            wanted = all_of(wanted, *[tantivy.Query.const_score_query(f, 0.0) for f in narrow])
        # each hit's id is read from tantivy's doc store: only as many as the page (or re-ranking)
        rerank = ask.sort == "relevance" and plain_words(ask.q)
        depth = max(ask.limit, RERANK) if rerank else ask.limit
        # tantivy's calls run in Rust and cannot be stopped: the budget is checked between them
        # (the caps of index_bounds keep each one short)
        budget.check()
        ranked, total = self._ranked(searcher, wanted, ask.sort, depth)
        budget.check()
        if rerank:
            ranked = self._proximity_first(searcher, ask.q, wanted, ranked, depth)
            budget.check()
        hits = [Hit(pid, score) for pid, score in ranked[ask.start : ask.limit]]
        counts = self._facets_of(searcher, wanted, ask.facets)
        budget.check()
        suggestion = None
        if not total and plain_words(ask.q):
            suggestion = typo_suggestion(ask.q, self._schema, _TantivyTypos(self, searcher))
        if suggestion is None and ask.q.strip() and total < FEW_RESULTS:
            suggestion = suggest(ask.parsed, ask.q, _Reader(searcher), self._vocabulary())
        return SearchResult(hits, total, counts, suggestion, ask.page, ask.per_page)

    def _uncategorised(self) -> int:
        """Papers without a category: all, less those with one (a fast field says which)."""
        searcher = self._current()
        found = searcher.search(tantivy.Query.exists_query("categories"), 1)
        return searcher.num_docs - found.count

    def _ranked(self, searcher, wanted, sort: str, limit: int) -> tuple[list, int]:
        """The first `limit` (id, score) hits in the sort order, and the number of matches."""
        if sort == "relevance":
            found = searcher.search(wanted, limit)
            return [(_id(searcher, a), float(s)) for s, a in found.hits], found.count
        found = searcher.search(wanted, limit, order_by_field=SORT_FIELDS[sort])
        return [(_id(searcher, a), 0.0) for _, a in found.hits], found.count

    def _proximity_first(self, searcher, text: str, wanted, ranked: list, depth: int) -> list:
        """Hits holding the words as a phrase in the title or abstract first, then those holding
        them in order within NEAR places, then the rest (as whoosh's rank.proximity_first)."""
        tiers, taken = [], set()
        for slop in (0, NEAR - 1):  # tantivy counts the gaps a phrase may have
            phrases = []
            for field in PROXIMITY_FIELDS:
                words = [t.text for t in self._schema[field].analyzer(text)]
                if len(words) > 1:
                    made = tantivy.Query.phrase_query(self._translate.schema, field, words, slop)
                    phrases.append((SHOULD, made))
            if not phrases:
                return ranked
            found = searcher.search(all_of(wanted, tantivy.Query.boolean_query(phrases)), depth)
            tier = [(_id(searcher, a), float(s)) for s, a in found.hits]
            tiers.append([hit for hit in tier if hit[0] not in taken])
            taken |= {pid for pid, _ in tier}
            budget.check()
        if not taken:
            return ranked
        bonus = max((score for _, score in ranked), default=0.0) + 1.0
        out = [(pid, s + 2 * bonus) for pid, s in tiers[0]]
        out += [(pid, s + bonus) for pid, s in tiers[1]]
        out += [hit for hit in ranked if hit[0] not in taken]
        return out[: max(depth, len(ranked))]

    @staticmethod
    def _facets_of(searcher, wanted, names: tuple[str, ...]) -> dict[str, dict]:
        fields = {"month": "month", "category": "catnames"}
        asked = {
            name: {"terms": {"field": fields[name], "size": FACET_SIZE}}
            for name in names
            if name in fields
        }
        if not asked:
            return {}
        found = searcher.aggregate(wanted, asked)
        out = {}
        for name in asked:
            buckets = {b["key"]: b["doc_count"] for b in found[name]["buckets"] if b["key"]}
            ordered = sorted(buckets.items()) if name == "month" else buckets.items()
            out[name] = dict(ordered)
        return out

    def _lexicon(self, searcher) -> _Reader:
        return _Reader(searcher)

    def warm(self) -> str:
        """Open the searcher now (tantivy reads its files through the page cache)."""
        started = time.perf_counter()
        with self._lock:
            self._current()
        return f"search index warm in {time.perf_counter() - started:.1f}s"

    def close(self) -> None:
        with self._lock:
            self._searcher = self._ix = self._build = self._seen = self._translate = None
            self._vocab = None

    # -- internals -------------------------------------------------------------------------

    def _current(self) -> tantivy.Searcher:
        """The searcher over the live build, reopened when CURRENT or the commit changed."""
        build = self.files.current()
        seen = (build, build and _mtime(build / "meta.json"))
        if self._searcher is not None and seen == self._seen:
            return self._searcher
        build, (ix, searcher, stamp) = self._open_live(build, _open)
        self.close()
        self._ix, self._searcher, self._build, self._seen = ix, searcher, build, (build, stamp)
        self._translate = Translator(ix)
        return searcher

    def _vocabulary(self) -> Vocabulary:
        if self._vocab is None:
            self._vocab = Vocabulary(self._searcher.terms_with_prefix)
        return self._vocab


def _open(build: Path) -> tuple[tantivy.Index, tantivy.Searcher, int]:
    """The build's index, a searcher, and the commit's time (read first: a later commit
    then shows as a change)."""
    stamp = _mtime(build / "meta.json")
    ix = tantivy.Index.open(str(build))
    return ix, ix.searcher(), stamp


class _TantivyTypos:
    """rank.TypoLookups on a tantivy searcher."""

    def __init__(self, index: TantivyIndex, searcher):
        self.index, self.searcher = index, searcher

    def papers(self, field: str, text: str) -> int:
        """Papers holding the term in the field."""
        return self.searcher.doc_freq(field, text)

    def best(self, text: str) -> list[str]:
        """Ids of the papers that best match plain words, best first."""
        wanted = self.index._translate(parse(self.index._parser, text))
        ranked, _ = self.index._ranked(self.searcher, wanted, "relevance", RERANK)
        ranked = self.index._proximity_first(self.searcher, text, wanted, ranked, TYPO_PAPERS)
        return [pid for pid, _ in ranked[:TYPO_PAPERS]]

    def holds(self, paper: str, field: str, text: str) -> bool:
        """Whether the paper holds the term in the field."""
        translate = self.index._translate
        found = self.searcher.search(
            all_of(translate.term(field, text), translate.only_ids([paper])), 1
        )
        return found.count > 0


def _id(searcher: tantivy.Searcher, address) -> str:
    return searcher.doc(address)["id"][0]


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@contextlib.contextmanager
def _writing(ix: tantivy.Index, heap: int, threads: int, shown: Step | None = None):
    """A writer that commits (and waits for its merges) on success, rolls back on failure;
    given a progress step, the commit and merges run under its live line."""
    writer = ix.writer(heap_size=heap, num_threads=threads)
    try:
        yield writer
    except BaseException:
        writer.rollback()
        raise
    if shown is None:
        writer.commit()
        writer.wait_merging_threads()
        return
    with shown.wait("committing and merging", estimate=COMMIT_SHARE * shown.seconds):
        writer.commit()
        writer.wait_merging_threads()


def _threads() -> int:
    return max(1, min(os.cpu_count() or 1, 4))
