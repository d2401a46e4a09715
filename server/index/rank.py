"""Ranking for the search index: one-pass collection, phrase-first re-ranking, key terms."""

from __future__ import annotations

from collections import Counter
from math import log2

from whoosh import collectors, query, sorting
from whoosh.fields import Schema
from whoosh.searching import Searcher

from server import budget
from server.index.execute import Executor, Postings, top
from server.index.query import phrase_docs

RERANK = 50  # top hits of a plain-words query re-ranked so exact phrase matches come first
KEY_TERMS = 8  # terms a more-like-this query is built from
# Terms in more than this share of papers say little about a paper, and cost the most to search.
KEY_TERM_MAX_SHARE = 0.02
STATS_LIMIT = 200_000  # words whose index statistics key_terms keeps


def filters(cat: str | None) -> list[query.Query]:
    """Queries for the category a search is narrowed to (dates filter through FacetColumns)."""
    return [query.Term("categories", cat.lower())] if cat else []


def run(
    searcher: Searcher,
    q: query.Query,
    limit: int,
    sort: str,
    allow: set[int] | None = None,
    postings: Postings | None = None,
    order=None,
) -> tuple[list[tuple[int, float]], set[int]]:
    """The top `limit` (docnum, score) hits in the requested order, and every matching doc.

    Queries made of terms, phrases and boolean operators run on cached postings in set
    operations (execute.py); other shapes run through whoosh: its optimised collector for the
    top hits (it skips low-scoring blocks) and the unscored matcher for the full match set.
    `order(docs, limit)`, when given, puts a known match set in a sorted (non-relevance) order.
    """
    ex = Executor(postings) if postings is not None else None
    docs = ex.match(q) if ex is not None else None
    if docs is not None and allow is not None:
        docs &= allow
    if docs is not None and sort == "relevance":
        scores = ex.scores(q, docs)
        if scores is not None:
            return top(scores, docs, limit), docs
    if docs is not None and sort != "relevance" and order is not None:
        return [(d, 0.0) for d in order(docs, limit)], docs
    if sort == "relevance":
        results = _collect(searcher, q, searcher.collector(limit=limit, filter=allow))
        ranked = [(h.docnum, float(h.score or 0.0)) for h in results]
    else:
        names = {"date": ["published"], "upvotes": ["upvotes", "published"]}
        names["trending"] = ["last_trended", "upvotes"]
        facet = sorting.MultiFacet([sorting.FieldFacet(n) for n in names[sort]])
        collector = searcher.collector(limit=limit, sortedby=facet, reverse=True, filter=allow)
        results = _collect(searcher, q, collector)
        ranked = [(h.docnum, 0.0) for h in results]  # a sorted hit's "score" is its sort key
    if docs is None:
        docs = set(budget.paced(q.docs(searcher), every=4096))
        docs = docs if allow is None else docs & allow
    return ranked, docs


def _collect(searcher: Searcher, q: query.Query, collector: collectors.Collector):
    """Whoosh's results for a collector, stopped when the thread's time budget runs out."""
    left = budget.remaining()
    if left is None:
        searcher.search_with_collector(q, collector)
        return collector.results()
    limited = collectors.TimeLimitCollector(collector, timelimit=left, use_alarm=False)
    try:
        searcher.search_with_collector(q, limited)
    except collectors.TimeLimit:
        raise budget.QueryTooBroad(budget.seconds()) from None
    return limited.results()


def phrases_first(searcher: Searcher, schema: Schema, text: str, ranked: list[tuple[int, float]]):
    """Re-rank hits so those holding the words as a phrase come first (checking only the top)."""
    top = ranked[:RERANK]
    exact = phrase_docs(searcher.reader(), schema, text, [d for d, _ in top])
    if not exact:
        return ranked
    bonus = max(score for _, score in top)
    top = sorted(top, key=lambda hit: -(hit[1] + (bonus if hit[0] in exact else 0.0)))
    return top + ranked[RERANK:]


def key_terms(searcher: Searcher, text: str, stats: dict | None = None) -> list[str]:
    """The text's most telling terms by Bo1 weight (as whoosh's key_terms_from_text ranks them),
    leaving out ones too common to tell much. `stats` caches each word's (frequency, papers)
    across calls: a word looked up in whoosh's term files costs a file read per segment."""
    stats = {} if stats is None else stats
    if len(stats) > STATS_LIMIT:
        stats.clear()
    field, reader = searcher.schema["abstract"], searcher.reader()
    weights: Counter[str] = Counter()
    for raw, _freq, weight, _value in field.index(text):
        weights[field.from_bytes(raw)] += weight
    n, scored = reader.doc_count_all(), []
    for word, weight in weights.items():
        if word not in stats:
            stats[word] = _word_stats(reader, word)
        if stats[word] and stats[word][0]:
            f = stats[word][0] / n
            scored.append((weight * log2((1.0 + f) / f) + log2(1.0 + f), word))
    scored.sort(key=lambda sw: (-sw[0], sw[1]))
    most = max(50, searcher.doc_count() * KEY_TERM_MAX_SHARE)
    keys = [w for _, w in scored[: KEY_TERMS * 3] if stats[w][1] <= most]
    return keys[:KEY_TERMS]


def _word_stats(reader, word: str) -> tuple[int, int] | None:
    """(occurrences, papers) of an abstract word in the index, None when it is absent."""
    if ("abstract", word) not in reader:
        return None
    return reader.frequency("abstract", word), reader.doc_frequency("abstract", word)


def shared_terms(searcher: Searcher, keys: list[str], docnums: list[int]) -> dict[int, set[str]]:
    """Which of the key terms each document holds, in its title or abstract."""
    shared: dict[int, set[str]] = {d: set() for d in docnums}
    reader = searcher.reader()
    for key in keys:
        for field in ("title", "abstract"):
            if (field, key) not in reader:
                continue
            postings = reader.postings(field, key)
            for docnum in sorted(docnums):
                if postings.is_active():
                    postings.skip_to(docnum)
                if postings.is_active() and postings.id() == docnum:
                    shared[docnum].add(key)
    return shared
