"""Bounds on what one query may cost, on both engines: refused leading wildcards, capped clauses,
and wildcard, prefix, fuzzy and range terms rewritten into a capped Or of plain terms.

A leading wildcard (`*net`, `?x`), a bare `*` or a range of words would compare every word of the
index, so they are refused (`check`, run by the parser). Every other term that stands for many
words is expanded here, once per search, from the index's word list (a `Lexicon`, one per engine)
into a constant-scored Or of plain terms (`bound`): at most EXPAND_MAX words per field, those in
the most papers, with a note saying so when some were left out. Both engines then run plain terms
only, the whoosh engine in set operations (execute.py) instead of its per-document matchers.
"""

from __future__ import annotations

import fnmatch
import heapq
import re
from collections.abc import Iterable, Iterator, Sized
from typing import Protocol

from whoosh import query

from server import budget
from server.index.schema import TEXT_FIELDS
from server.index.types import QueryRefused

MAX_CLAUSES = 100  # terms, phrases and patterns written in one query (id: terms not counted)
MAX_PATTERNS = 16  # wildcard, prefix, fuzzy and range terms in one query
EXPAND_MAX = 256  # words one pattern stands for in one field: those in the most papers
SCAN_MAX = 50_000  # words of a field one pattern may compare (more: refused)
RANGE_MAX = 20_000  # values a range may cover (55 years of days; more: refused)
MAX_EDITS = 2  # edits a fuzzy term may allow (word~ is one, word~2 two)

_EVERY_WORD = "which would compare every word in the index"


class Lexicon(Protocol):
    """An engine's word list: what `bound` expands patterns from."""

    def scan(self, field: str, prefix: str, start: str = "") -> Iterable[tuple[str, int]]:
        """(word, papers holding it) of the field's words beginning with `prefix`, in word
        order, from `start` on (an engine that cannot seek may also give earlier words). A list
        holds at most SCAN_MAX + 1 words: when it is that long, there are more."""
        ...


def check(q: query.Query) -> None:
    """Refuse what would compare every word of the index, and queries over the caps."""
    for leaf in q.leaves():
        _check_leaf(leaf)
    parts = written(q)
    clauses = [p for p in parts if not (isinstance(p, query.Term) and p.fieldname == "id")]
    if len(clauses) > MAX_CLAUSES:
        raise QueryRefused(
            f"the query has {len(clauses)} terms: at most {MAX_CLAUSES} are searched at once "
            "(split it into several searches)"
        )
    patterns = [p for p in parts if isinstance(p, query.MultiTerm)]
    if len(patterns) > MAX_PATTERNS:
        raise QueryRefused(
            f"the query has {len(patterns)} wildcard, fuzzy or range terms: at most "
            f"{MAX_PATTERNS} are allowed in one search, as each compares many words of the index"
        )


def _check_leaf(leaf: query.Query) -> None:
    shown = _shown(leaf)
    if isinstance(leaf, query.Every):
        raise QueryRefused(
            f"a bare {shown} stands for every paper, {_EVERY_WORD}: search for words instead"
        )
    if isinstance(leaf, query.Prefix | query.Wildcard) and not _head(leaf):
        raise QueryRefused(
            f"{shown} begins with a wildcard, {_EVERY_WORD}: put at least one letter before "
            "the first * or ? (net*, t?pe), or search for the word itself instead"
        )
    if isinstance(leaf, query.TermRange) and leaf.fieldname in TEXT_FIELDS:
        raise QueryRefused(
            f"{shown} is a range of words, {_EVERY_WORD}: search for the words instead "
            "(ranges work on date:, seen:, trended:, id:, cat: and upvotes:)"
        )
    if isinstance(leaf, query.FuzzyTerm) and leaf.maxdist > MAX_EDITS:
        raise QueryRefused(
            f"{shown} asks for {leaf.maxdist} edits: fuzzy terms allow at most {MAX_EDITS} edits"
            " (word~ is one, word~2 two)"
        )
    if isinstance(leaf, query.MultiTerm) and not isinstance(leaf, _EXPANDED):
        raise QueryRefused(f"{shown}: this kind of term is not supported")


def written(q: query.Query) -> list[query.Query]:
    """The parts the user wrote: a word the parser spread over several fields counts once."""
    if q.is_leaf():
        return [q]
    if type(q) is not query.Or:
        return [part for child in q.children() for part in written(child)]
    parts, seen = [], set()
    for child in q.subqueries:  # the parser joins `a OR b` and a's and b's fields in one Or
        if not child.is_leaf():
            parts += written(child)
        elif _identity(child) not in seen:
            seen.add(_identity(child))
            parts.append(child)
    return parts


def _identity(leaf: query.Query) -> tuple:
    """Where the user wrote a term (each field's copy of it starts there too: their texts may
    differ, as authors are not stemmed), or what it is when the parser kept no place."""
    start, end = getattr(leaf, "startchar", None), getattr(leaf, "endchar", None)
    if start is not None and end is not None:
        return (start, end)
    words = getattr(leaf, "words", None)
    return (type(leaf), getattr(leaf, "text", None), tuple(words or ()), leaf.boost)


def bound(q: query.Query, lexicon: Lexicon) -> tuple[query.Query, list[str]]:
    """The query with each pattern expanded into at most EXPAND_MAX plain terms per field, and
    notes on the patterns that stood for more (their most widely held words were kept)."""
    notes: list[str] = []

    def walk(node: query.Query) -> query.Query:
        if isinstance(node, _EXPANDED):
            return _expanded(node, lexicon, notes)
        return node if node.is_leaf() else node.apply(walk)

    return walk(q), notes


def _expanded(leaf: query.MultiTerm, lexicon: Lexicon, notes: list[str]) -> query.Query:
    field = leaf.fieldname
    if isinstance(leaf, query.TermRange):
        words = _range(leaf, lexicon)
    else:
        found = list(_matching(leaf, lexicon))
        # the words in the most papers, ties in word order
        words = [w for _, w in heapq.nsmallest(EXPAND_MAX, ((-n, w) for w, n in found))]
        if len(found) > EXPAND_MAX:
            notes.append(
                f"{_shown(leaf)} stands for {len(found):,} words in {field}: searched the "
                f"{EXPAND_MAX:,} found in the most papers (add letters to narrow it)"
            )
    terms = [query.Term(field, w) for w in sorted(words)]
    return query.ConstantScoreQuery(query.Or(terms), score=leaf.boost)


def _matching(leaf: query.MultiTerm, lexicon: Lexicon) -> Iterator[tuple[str, int]]:
    """(word, papers) of the field's words that a prefix, wildcard or fuzzy term matches."""
    if isinstance(leaf, query.FuzzyTerm):
        text, most = leaf.text, leaf.maxdist
        near = _within_one if most == 1 else _within(most)
        head = text[: max(leaf.prefixlength, 1)]  # the first letter is kept: see README
        for word, n in _scanned(leaf, lexicon.scan(leaf.fieldname, head)):
            if abs(len(word) - len(text)) <= most and word.startswith(head) and near(word, text):
                yield word, n
        return
    head = _head(leaf)
    pattern = re.compile(fnmatch.translate(leaf.text)) if isinstance(leaf, query.Wildcard) else None
    for word, n in _scanned(leaf, lexicon.scan(leaf.fieldname, head)):
        if word.startswith(head) and (pattern is None or pattern.match(word)):
            yield word, n


def _range(leaf: query.TermRange, lexicon: Lexicon) -> list[str]:
    """Every word of the field within the range (ranges are exact: dates, ids, categories)."""
    low, high = leaf.start, leaf.end
    prefix = _common_prefix(low, high) if low is not None and high is not None else ""
    found: list[str] = []
    for word, _ in _scanned(leaf, lexicon.scan(leaf.fieldname, prefix, low or "")):
        if high is not None and (word > high or (leaf.endexcl and word == high)):
            break
        if low is not None and (word < low or (leaf.startexcl and word == low)):
            continue
        found.append(word)
        if len(found) > RANGE_MAX:
            raise QueryRefused(
                f"{_shown(leaf)} covers more than {RANGE_MAX:,} values of {leaf.fieldname}: "
                "narrow the range"
            )
    return found


def _scanned(leaf: query.Query, words: Iterable[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """The words, refused past SCAN_MAX of them, with the time budget checked as they go.

    A lexicon that lists the words at once gives SCAN_MAX + 1 of them when there are more:
    that is refused before any is looked at, since the list is not the whole of them."""
    if isinstance(words, Sized) and len(words) > SCAN_MAX:
        raise _too_many(leaf)
    for n, item in enumerate(words):
        if n % 512 == 0:
            budget.check()
        if n >= SCAN_MAX:
            raise _too_many(leaf)
        yield item


def _too_many(leaf: query.Query) -> QueryRefused:
    return QueryRefused(
        f"{_shown(leaf)} would compare more than {SCAN_MAX:,} words of {leaf.fieldname}: "
        "give more letters before the wildcard, or narrow the range"
    )


def _head(leaf: query.Query) -> str:
    """The literal letters a prefix or wildcard begins with."""
    if isinstance(leaf, query.Prefix):
        return leaf.text
    return re.split(r"[*?\[]", leaf.text, maxsplit=1)[0]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _within_one(a: str, b: str) -> bool:
    """True when a and b are at most one edit apart (a swap of neighbours is one edit)."""
    if a == b:
        return True
    if len(a) > len(b):
        a, b = b, a
    n = 0
    while n < len(a) and a[n] == b[n]:
        n += 1
    if len(a) == len(b):
        swapped = n + 1 < len(a) and a[n] == b[n + 1] and a[n + 1] == b[n]
        return a[n + 1 :] == b[n + 1 :] or (swapped and a[n + 2 :] == b[n + 2 :])
    return len(b) - len(a) == 1 and a[n:] == b[n + 1 :]


def _within(most: int):
    return lambda a, b: edits(a, b) <= most


def edits(a: str, b: str) -> int:
    """Edits between two words, a swap of neighbours counting as one (as whoosh's fuzzy terms)."""
    d = [[i + j if not i * j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def _shown(leaf: query.Query) -> str:
    """A term as the user wrote it, for messages."""
    text = getattr(leaf, "text", "")
    if isinstance(leaf, query.Every):
        return "*"
    if isinstance(leaf, query.Prefix):
        return f"{text}*"
    if isinstance(leaf, query.FuzzyTerm):
        return f"{text}~" + (str(leaf.maxdist) if leaf.maxdist > 1 else "")
    if isinstance(leaf, query.TermRange):
        return f"{leaf.fieldname}:[{leaf.start or ''} to {leaf.end or ''}]"
    return str(text)


_EXPANDED = (query.Prefix, query.Wildcard, query.FuzzyTerm, query.TermRange)
