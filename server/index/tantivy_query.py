"""The tantivy engine's schema and documents, and whoosh's parsed queries in tantivy's terms.

Text is analysed by our own FoldTokenizer (the same terms as the whoosh engine) and handed to
tantivy as space-separated terms, which its whitespace tokenizer splits again. So one query
language, parsed by whoosh's parser with its clear errors, runs on both engines unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import tantivy
from whoosh import query

from server.index.schema import _WORD, has_words, make_schema, org_words, term
from server.index.types import QueryError
from server.models import IndexRow

# The stamp of a tantivy build (whoosh's are numbers); 2: each build holds similar.sqlite3.
SCHEMA_VERSION = "tantivy-4"  # 3: org, has, stars, keywords; 4: as whoosh's 6
TEXT = ("title", "abstract", "authors", "keywords")
NUMERIC = ("upvotes", "stars")
BOOSTS = {"title": 2.0}  # as whoosh's field_boost
AUTHOR_GAP = "|"  # a term between two authors' names, so a phrase never spans both
MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
_RANGE_VALUE = re.compile(r"[\w.\-]+")
_WHOOSH = make_schema()


def make_tantivy_schema() -> tantivy.Schema:
    """Only the id is stored; text fields hold our analysed terms; the rest is raw or numeric."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    for name in TEXT:
        sb.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in ("categories", "catnames", "month", "published", "first_seen", "last_trended"):
        sb.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    for name in ("org", "has"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    sb.add_unsigned_field("upvotes", fast=True, indexed=True)
    sb.add_unsigned_field("stars", indexed=True)
    sb.add_unsigned_field("by_upvotes", fast=True)  # upvotes, then publication date
    sb.add_unsigned_field("by_trending", fast=True)  # last list day, then upvotes
    return sb.build()


def analysed(text: str, stemmed: bool = True) -> str:
    """The text's terms, as the whoosh engine indexes them, joined by spaces."""
    return " ".join(term(m.group(), stemmed) for m in _WORD.finditer(text))


def _day(value: str) -> int:
    digits = value.replace("-", "")[:8]
    return int(digits) if digits.isdigit() and len(digits) == 8 else 0


def make_document(row: IndexRow) -> tantivy.Document:
    """The tantivy document for one store row."""
    paper, doc = row.paper, tantivy.Document()
    doc.add_text("id", paper.id)
    doc.add_text("title", analysed(paper.title))
    doc.add_text("abstract", analysed(paper.abstract))
    names = [analysed(name, stemmed=False) for name in paper.authors]
    doc.add_text("authors", f" {AUTHOR_GAP} ".join(n for n in names if n))
    for cat in paper.categories:
        doc.add_text("categories", cat.lower())
        doc.add_text("catnames", cat)
    published, last = paper.published or "", row.last_trended or ""
    doc.add_text("published", published)
    doc.add_text("month", published[:7])
    doc.add_text("first_seen", row.first_seen[:10])
    doc.add_text("last_trended", last)
    upvotes = min(max(row.upvotes or 0, 0), 10**9 - 1)
    doc.add_unsigned("upvotes", upvotes)
    doc.add_unsigned("by_upvotes", upvotes * 10**8 + _day(published))
    doc.add_unsigned("by_trending", _day(last) * 10**9 + upvotes)
    for word in org_words(paper).split():
        doc.add_text("org", word)
    for word in has_words(paper):
        doc.add_text("has", word)
    if paper.github_stars is not None:
        doc.add_unsigned("stars", min(paper.github_stars, 10**9))
    doc.add_text("keywords", f" {AUTHOR_GAP} ".join(analysed(k) for k in paper.hf_keywords))
    return doc


class Translator:
    """Turns a whoosh query tree (from the shared parser) into a tantivy query."""

    def __init__(self, ix: tantivy.Index):
        self.ix, self.schema = ix, ix.schema

    def __call__(self, q: query.Query) -> tantivy.Query:
        out = self._node(q)
        boost = getattr(q, "boost", 1.0)
        return tantivy.Query.boost_query(out, boost) if boost not in (1, 1.0, None) else out

    def _node(self, q: query.Query) -> tantivy.Query:
        Q = tantivy.Query
        if isinstance(q, query.Every):
            return Q.all_query()
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return Q.empty_query()
        if isinstance(q, query.And):
            clauses = [
                (MUST_NOT, self(c.query)) if isinstance(c, query.Not) else (MUST, self(c))
                for c in q.subqueries
            ]
            return Q.boolean_query(self._positive(clauses))
        if isinstance(q, query.Or):
            if not q.subqueries:  # a pattern that matched no word
                return Q.empty_query()
            return Q.boolean_query([(SHOULD, self(c)) for c in q.subqueries])
        if isinstance(q, query.ConstantScoreQuery):  # an expanded pattern (index_bounds)
            return Q.const_score_query(self(q.child), q.score)
        if isinstance(q, query.Not):
            return Q.boolean_query([(MUST, Q.all_query()), (MUST_NOT, self(q.query))])
        if isinstance(q, query.AndNot):
            return Q.boolean_query([(MUST, self(q.a)), (MUST_NOT, self(q.b))])
        if isinstance(q, query.AndMaybe):
            return Q.boolean_query([(MUST, self(q.a)), (SHOULD, self(q.b))])
        if isinstance(q, query.Require):
            return all_of(self(q.a), self(q.b))
        return self._leaf(q)

    @staticmethod
    def _positive(clauses: list) -> list:
        if all(occur == MUST_NOT for occur, _ in clauses):
            clauses = [(MUST, tantivy.Query.all_query()), *clauses]
        return clauses

    def _leaf(self, q: query.Query) -> tantivy.Query:
        Q = tantivy.Query
        field = getattr(q, "fieldname", None)
        if isinstance(q, query.NumericRange):
            return self._numeric(q)
        if isinstance(q, query.Phrase):
            if len(q.words) == 1:
                return self.term(field, q.words[0])
            phrase = Q.phrase_query(self.schema, field, list(q.words), slop=max(q.slop - 1, 0))
            return _boosted(field, phrase)
        if isinstance(q, query.Term):
            return self.term(field, q.text)
        raise QueryError(f"the tantivy engine cannot run this part of the query: {q}")

    def term(self, field: str, text: Any) -> tantivy.Query:
        """One term of a field, scored with the field's boost."""
        if field in NUMERIC:
            value = _WHOOSH[field].from_bytes(text) if isinstance(text, bytes) else int(text)
            return self._numeric(query.NumericRange(field, value, value))
        text = text.decode() if isinstance(text, bytes) else text
        option = "freq" if field in TEXT else "basic"
        return _boosted(field, tantivy.Query.term_query(self.schema, field, text, option))

    def _numeric(self, q: query.NumericRange) -> tantivy.Query:
        return tantivy.Query.range_query(
            self.schema,
            q.fieldname,
            tantivy.FieldType.Unsigned,
            q.start,
            q.end,
            include_lower=q.start is None or not q.startexcl,
            include_upper=q.end is None or not q.endexcl,
        )

    def _text_range(self, field, start, end, startexcl=False, endexcl=False) -> tantivy.Query:
        """A range of terms (dates are text: '2024-01' sorts before '2024-01-05', as in whoosh)."""
        for value in (start, end):
            if value is not None and not _RANGE_VALUE.fullmatch(str(value)):
                raise QueryError(f"{field}: a range takes words or dates, not {value!r}")
        low, high = start if start is not None else "*", end if end is not None else "*"
        opening, closing = "{" if startexcl else "[", "}" if endexcl else "]"
        return self.ix.parse_query(f"{field}:{opening}{low} TO {high}{closing}")

    def only_ids(self, ids: list[str]) -> tantivy.Query:
        """A filter of the given paper ids (scoring nothing)."""
        found = tantivy.Query.term_set_query(self.schema, "id", ids)
        return tantivy.Query.const_score_query(found, 0.0)

    def dates(self, first: str | None, last: str | None) -> tantivy.Query:
        """Papers published from `first` to `last` (either may be open)."""
        return self._text_range("published", first, last)


def _boosted(field: str, q: tantivy.Query) -> tantivy.Query:
    boost = BOOSTS.get(field)
    return tantivy.Query.boost_query(q, boost) if boost else q


def any_field(translate: Translator, word: str, fields=("title", "abstract")) -> tantivy.Query:
    """One term in any of the fields."""
    return tantivy.Query.boolean_query([(SHOULD, translate.term(f, word)) for f in fields])


def all_of(*queries: tantivy.Query) -> tantivy.Query:
    """Documents matching every query."""
    return tantivy.Query.boolean_query([(MUST, q) for q in queries])
