"""Ranking for the search index: one-pass collection, phrase-first re-ranking, key terms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from whoosh import collectors, query, sorting
from whoosh.fields import Schema
from whoosh.searching import Searcher

from server import budget
from server.index.execute import Executor, Postings, sequence_tiers, top
from server.index.query import known_fields, loosen
from server.index.schema import WORD, term
from server.index.types import QueryError

RERANK = 50  # hits ranked at least, so a re-ranking (proximity, typos) has some to choose from
NEAR = 4  # words in order, each within this many places of the last, count as near each other
PROXIMITY_FIELDS = ("title", "abstract")  # where a known-item query's words are looked for
# The best hits by BM25 that proximity re-ranks (whoosh: positions are read in Python, so the
# pool bounds the cost of a common query such as "of the"; tantivy looks at every match)
PROXIMITY_POOL = 500
SHORT_POOL = 100  # the pool for queries of fewer than KNOWN_ITEM_WORDS words
KNOWN_ITEM_WORDS = 4
MAX_TYPOS = 2  # rare words a did-you-mean may mend from the paper the other words find
RARE = 2  # a word held this many times or fewer may be a typo
TYPO_PAPERS = 3  # papers looked at for the words that mend a typo


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


def proximity_first(
    postings: Postings, schema: Schema, text: str, ranked: list[tuple[int, float]]
) -> list[tuple[int, float]]:
    """Re-rank a plain-words query's best PROXIMITY_POOL hits (by BM25) by how close its words
    stand: papers holding them as a phrase in the title or abstract first, then those holding
    them in order within NEAR places, then the rest; by BM25 within each tier. Five words of an
    abstract are often common words, and BM25 alone puts the paper they came from far down the
    list (docs/search.md, "Ranking"); far down, but within the pool. Positions are read only
    for the papers that hold every word in the field, as far as the decoded postings tell."""
    reader = postings.reader
    few = len(text.split()) < KNOWN_ITEM_WORDS  # many matches, BM25 alone ranks them well
    pool = {d for d, _ in ranked[: SHORT_POOL if few else PROXIMITY_POOL]}
    phrase: set[int] = set()
    near: set[int] = set()
    for field in PROXIMITY_FIELDS:
        words = [t.text for t in schema[field].analyzer(text)]
        if len(words) < 2 or not all(postings.frequency(field, w) for w in words):
            continue
        held = pool - phrase
        for word in set(words):
            held = postings.narrow(field, word, held)
        if not held:  # most often in titles: no paper holds every word
            continue
        found, close = sequence_tiers(reader, field, words, held, NEAR)
        phrase |= found
        near |= close
    near -= phrase
    if not phrase and not near:
        return ranked
    bonus = max(score for _, score in ranked) + 1.0
    out = [(d, s + 2 * bonus) for d, s in ranked if d in phrase]
    out += [(d, s + bonus) for d, s in ranked if d in near]
    return out + [hit for hit in ranked if hit[0] not in phrase and hit[0] not in near]


class TypoLookups(Protocol):
    """What `typo_suggestion` asks of an engine."""

    def papers(self, field: str, text: str) -> int:
        """Papers holding the term in the field."""
        ...

    def best(self, text: str) -> list:
        """The papers that best match plain words, best first (the first TYPO_PAPERS)."""
        ...

    def holds(self, paper, field: str, text: str) -> bool:
        """Whether one of those papers holds the term in the field."""
        ...


def typo_suggestion(text: str, schema: Schema, look: TypoLookups) -> str | None:
    """A did-you-mean for plain words that match nothing because of a typo (in a pasted title,
    say): the rarest words are suspects, the paper that best holds the other words is looked at
    (ranked as any search), and each suspect is replaced by the word one edit away that this
    paper holds. The suggestion so names a paper, rather than the commonest near word."""
    held = [(_papers(look, m[0]), m.start(), m) for m in WORD.finditer(text)]
    # a typo rarely makes a word some paper holds, but it may ("lage" is German); a right
    # word suspected is found again in the paper itself
    suspects = [m for n, _, m in sorted(held, key=lambda h: h[:2])[:MAX_TYPOS] if n <= RARE]
    if not suspects:
        return None
    relaxed = list(loosen(text, known_fields(schema)))  # a "?" left alone is no wildcard
    for m in suspects:
        relaxed[m.start() : m.end()] = " " * len(m[0])
    rest = "".join(relaxed)
    if not rest.split():
        return None
    try:
        found = look.best(rest)
    except QueryError:
        return None
    for paper in found[:TYPO_PAPERS]:
        fixes = {m.span(): _held_near(look, paper, m[0]) for m in suspects}
        if all(fixes.values()):
            out = text
            for (start, end), word in sorted(fixes.items(), reverse=True):
                out = out[:start] + word + out[end:]
            return out
    return None


def _papers(look: TypoLookups, word: str) -> int:
    """How many papers hold the word in their title, abstract or authors (counted per field)."""
    stem = term(word.lower())
    found = sum(look.papers(f, stem) for f in PROXIMITY_FIELDS)
    return found + look.papers("authors", term(word.lower(), stemmed=False))


def _held_near(look: TypoLookups, paper, word: str) -> str | None:
    """The word itself, or a word one edit from it (a letter dropped, added, changed or two
    swapped), that the paper holds in its title or abstract; None when there is none."""
    lower = word.lower()
    for candidate in (lower, *_one_edit(lower)):
        stem = term(candidate)
        for field in PROXIMITY_FIELDS:
            if look.papers(field, stem) and look.holds(paper, field, stem):
                return word if candidate == lower else candidate
    return None


class WhooshTypos:
    """TypoLookups on a whoosh searcher's decoded postings."""

    def __init__(self, postings: Postings, schema: Schema, parse_text):
        self.postings, self.schema, self.parse_text = postings, schema, parse_text

    def papers(self, field: str, text: str) -> int:
        """Papers holding the term in the field."""
        return self.postings.frequency(field, text)

    def best(self, text: str) -> list[int]:
        """Doc numbers of the papers that best match plain words, best first."""
        q = self.parse_text(text)
        ex = Executor(self.postings)
        docs = ex.match(q)
        if not docs:
            return []
        ranked = top(ex.scores(q, docs) or {}, docs, PROXIMITY_POOL)
        ranked = proximity_first(self.postings, self.schema, text, ranked)
        return [d for d, _ in ranked[:TYPO_PAPERS]]

    def holds(self, paper: int, field: str, text: str) -> bool:
        """Whether the doc holds the term in the field."""
        return bool(self.postings.holding(field, text, {paper}))


def _one_edit(word: str) -> Iterator[str]:
    """Every word one edit from `word`, the likeliest typos first (a dropped letter)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    yield from (a + c + b for a, b in cuts for c in letters)  # the typo dropped a letter
    yield from (a + c + b[1:] for a, b in cuts if b for c in letters if c != b[0])
    yield from (a + b[1:] for a, b in cuts if b)
    yield from (a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1)
