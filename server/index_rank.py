"""Ranking for the search index: one-pass collection, phrase-first re-ranking, key terms."""

from __future__ import annotations

from collections import Counter

from whoosh import collectors, query, sorting
from whoosh.fields import Schema
from whoosh.searching import Results, Searcher

from server.index_query import phrase_docs

RERANK = 50  # top hits of a plain-words query re-ranked so exact phrase matches come first
KEY_TERMS = 8  # terms a more-like-this query is built from
# Terms in more than this share of papers say little about a paper, and cost the most to search.
KEY_TERM_MAX_SHARE = 0.02


def filters(date_from: str | None, date_to: str | None, cat: str | None) -> list[query.Query]:
    """Queries for the date range (on published) and the category a search is narrowed to."""
    found: list[query.Query] = []
    if date_from or date_to:
        found.append(query.TermRange("published", date_from or "0", date_to or "9"))
    if cat:
        found.append(query.Term("categories", cat.lower()))
    return found


class _TopAndAll(collectors.TopCollector):
    """The top hits and, in the same pass, every matching doc (totals and facets need them all)."""

    def __init__(self, limit: int):
        super().__init__(limit=limit, usequality=False)
        self.replace = 0  # replacing the matcher as scores rise would skip low-scoring matches

    def _collect(self, global_docnum: int, score: float):
        self.docset.add(global_docnum)
        return super()._collect(global_docnum, score)

    def results(self):
        """The top hits, carrying every matching doc."""
        results = super().results()
        results.docset = self.docset
        return results


def run(searcher: Searcher, q: query.Query, limit: int, sort: str) -> Results:
    """Search once for the top `limit` hits in the requested order, newest first when sorted."""
    if sort == "relevance":
        collector = _TopAndAll(limit)
        searcher.search_with_collector(q, collector)
        return collector.results()
    names = {"date": ["published"], "upvotes": ["upvotes", "published"]}
    names["trending"] = ["last_trended", "upvotes"]
    facet = sorting.MultiFacet([sorting.FieldFacet(n) for n in names[sort]])
    return searcher.search(q, limit=limit, sortedby=facet, reverse=True)


def phrases_first(searcher: Searcher, schema: Schema, text: str, ranked: list[tuple[int, float]]):
    """Re-rank hits so those holding the words as a phrase come first (checking only the top)."""
    top = ranked[:RERANK]
    exact = phrase_docs(searcher.reader(), schema, text, [d for d, _ in top])
    if not exact:
        return ranked
    bonus = max(score for _, score in top)
    top = sorted(top, key=lambda hit: -(hit[1] + (bonus if hit[0] in exact else 0.0)))
    return top + ranked[RERANK:]


def key_terms(searcher: Searcher, text: str) -> list[str]:
    """The text's most telling terms by Bo1 weight, leaving out ones too common to tell much."""
    reader = searcher.reader()
    most = max(50, searcher.doc_count() * KEY_TERM_MAX_SHARE)
    ranked = searcher.key_terms_from_text("abstract", text, numterms=KEY_TERMS * 3)
    keys = [k for k, _ in ranked if reader.doc_frequency("abstract", k) <= most]
    return keys[:KEY_TERMS]


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


class FacetColumns:
    """Each doc's month and categories, read once per searcher, to count facets over all hits."""

    def __init__(self) -> None:
        self.searcher: Searcher | None = None
        self.months: list[str] = []
        self.cats: list[list[str]] = []

    def count(self, searcher: Searcher, docs: set[int]) -> dict[str, dict[str, int]]:
        """Hits per month of publication and per category."""
        if searcher is not self.searcher:
            reader = searcher.reader()
            empty = reader.doc_count_all() == 0  # an empty index has no columns to read
            self.months = [] if empty else [p[:7] for p in reader.column_reader("published")]
            names = [] if empty else reader.column_reader("catnames")
            self.cats = [c.decode().split() for c in names]
            self.searcher = searcher
        by_month = Counter(self.months[d] for d in docs)
        by_month.pop("", None)
        by_cat = Counter(c for d in docs for c in self.cats[d])
        return {"month": dict(sorted(by_month.items())), "category": dict(by_cat.most_common())}
