"""The search index's schema and analyzers, and how a store row becomes an index document."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from whoosh import columns, fields
from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem

from server.models import IndexRow, Paper

# Bump when the schema, the analyzers or the file layout change: an index built by another
# version is rebuilt. 3: segments as separate files (a compound segment is read whole into RAM).
SCHEMA_VERSION = 6  # 4: each build holds similar.sqlite3; 5: org, has, stars, keywords;
# 6: similar.sqlite3 keeps each term's heaviest papers in one row (its table `top`)

# Query-language names for fields, besides their own names.
FIELD_ALIASES = {
    "authors": ["author"],
    "categories": ["cat", "category"],
    "published": ["date"],
    "first_seen": ["seen"],
    "last_trended": ["trended"],
    "org": ["organisation", "organization"],
    "keywords": ["keyword"],
}
# What `has:` finds: a paper with code (a repository), a project page, Hugging Face's summary
HAS = {"code": "code_url", "project": "project_url", "summary": "hf_summary"}
TEXT_FIELDS = ("title", "abstract", "authors")

# Words so frequent that a phrase made of them matches thousands of papers before its positions
# are checked. Each adjacent pair of two of them is also indexed as one term ("pairs" field, no
# positions), so such a phrase narrows to the papers holding its pairs first (after Lucene's
# CommonGrams, as a filter outside the scored fields). Rarer words narrow a phrase by themselves.
COMMON_WORDS = (
    "the of and in a to we is for on that with by as are an be from this which our it at can "
    "these show propose paper model method result use new not or have has been such more than "
    "also both its their into over between how when while using based two each one only other"
)
PAIR_FIELDS = ("title", "abstract")

WORD = _WORD = re.compile(r"\w+(?:\.?\w+)*")  # a word as indexed
_AUTHOR_GAP = 100  # position gap between authors, so a phrase never spans two names
_CACHE_LIMIT = 400_000
_cache: dict[bool, dict[str, str]] = {True: {}, False: {}}  # stemmed? -> word -> its term


def fold(word: str) -> str:
    """Lower-case a word and strip its accents (Schrödinger -> schrodinger)."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def term(word: str, stemmed: bool = True) -> str:
    """The indexed term for one word: folded, and stemmed when the field stems."""
    known = _cache[stemmed]
    found = known.get(word)
    if found is None:
        if len(known) > _CACHE_LIMIT:  # a bound on memory for a long-lived server
            known.clear()
        found = fold(word)
        found = stem(found) if stemmed else found
        known[word] = found
    return found


_RECENT = 8  # texts whose terms are kept (a build reads a paper's title and abstract twice)
_recent: dict[tuple[bool, str], list[str]] = {}


def terms(text: str, stemmed: bool = True) -> list[str]:
    """The terms of a text's words, in order (the list is shared: do not change it). The last
    _RECENT texts' are kept: a build tokenizes a paper's title and abstract for their own
    fields, then again for the pairs field. A word seen before is looked up here, without a
    call of term() (a build looks up millions)."""
    key = (stemmed, text)
    found = _recent.get(key)
    if found is None:
        if len(_recent) >= _RECENT:
            _recent.clear()
        known = _cache[stemmed].get
        found = [known(w) or term(w, stemmed) for w in _WORD.findall(text)]
        _recent[key] = found
    return found


class FoldTokenizer(Tokenizer):
    """Words, folded and (optionally) stemmed in one pass: a fused chain is ~2x faster to index.

    With `gap_on`, a `gap_on` character starts a new name: positions jump so phrases stay within.
    """

    def __init__(self, stemmed: bool = True, gap_on: str = ""):
        self.stemmed = stemmed
        self.gap_on = gap_on

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FoldTokenizer) and vars(self) == vars(other)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        """Yield one token per word of `value` (or the whole value when not tokenizing)."""
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost, t.stopped = 1.0, False
        if not tokenize:
            t.original = value
            t.text = term(value, self.stemmed)
            t.pos, t.startchar, t.endchar = start_pos, start_char, start_char + len(value)
            yield t
            return
        for match, pos in self._words(value):
            t.text = term(match.group(), self.stemmed)
            if keeporiginal:
                t.original = match.group()
            t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + match.start(), start_char + match.end()
            yield t

    def positions(self, value: str) -> dict[str, list[int]]:
        """Each term of `value` with its positions, in order of first appearance: what the
        tokens of __call__ give, without a token per word (a whole build runs this)."""
        found: dict[str, list[int]] = {}
        stemmed = self.stemmed
        if self.gap_on and self.gap_on in value:
            each = ((pos, term(match.group(), stemmed)) for match, pos in self._words(value))
        else:  # positions count the words
            each = enumerate(terms(value, stemmed))
        for pos, word in each:
            held = found.get(word)
            if held is None:
                found[word] = [pos]
            else:
                held.append(pos)
        return found

    def _words(self, value: str) -> Iterator[tuple[re.Match, int]]:
        """Each word's match and position (from 0; a name gap skips _AUTHOR_GAP)."""
        pos, gaps = 0, self._gaps(value)
        for match in _WORD.finditer(value):
            if gaps and gaps[0] < match.start():
                pos += _AUTHOR_GAP
                while gaps and gaps[0] < match.start():
                    gaps.pop(0)
            yield match, pos
            pos += 1

    def word_spans(self, value: str, wanted: set[str]) -> list[tuple[int, int]]:
        """Character spans of the words whose terms are wanted: what tokens with chars=True
        give, without making a token per word (highlighting a page of hits runs this a lot)."""
        stemmed = self.stemmed
        if not value.isascii() or not all(wanted):
            return [m.span() for m in _WORD.finditer(value) if term(m.group(), stemmed) in wanted]
        # Only a word that begins as a wanted term can be one: a term's first two letters are
        # its word's (stemming changes endings only, and a final y, which may be the second
        # letter: "ayed" -> "ai"; folding changes only case on ASCII). Those beginnings are
        # found with str.find on the lowered text (same length), not by tokenizing it all: an
        # abstract's spans in a quarter of the time.
        heads = {w[:2] for w in wanted} | {w[0] + "y" for w in wanted if w[1:2] == "i"}
        low = value.lower()
        found = set()  # a set: one head may begin another ("a" and "ab")
        for head in heads:
            at = low.find(head)
            while at >= 0:
                if _starts_word(low, at):
                    word = _WORD.match(value, at)
                    if word and term(word.group(), stemmed) in wanted:
                        found.add(word.span())
                at = low.find(head, at + 1)
        return sorted(found)

    def _gaps(self, value: str) -> list[int]:
        if not self.gap_on or self.gap_on not in value:
            return []
        return [i for i, c in enumerate(value) if c == self.gap_on]


def _starts_word(text: str, at: int) -> bool:
    """Whether a token of _WORD can begin at `at` of an ASCII text: no word character comes
    before it, nor a word character and a dot (a token goes on through "e.g" and "3.5")."""
    if at == 0:
        return True
    before = text[at - 1]
    if before == ".":
        return at == 1 or not _word_char(text[at - 2])
    return not _word_char(before)


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"  # \w, for an ASCII character


class PairTokenizer(Tokenizer):
    """One token per adjacent pair of (stemmed) words that are both common ones."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PairTokenizer)

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Token]:
        """Yield each distinct pair once ("of the"); the field keeps no positions or counts."""
        t = Token(**kwargs)
        t.boost, t.stopped, seen = 1.0, False, set()
        # no word holds a line break: the title's terms, then the abstract's (both kept)
        found = [t for part in value.split("\n") for t in terms(part)]
        for a, b in zip(found, found[1:], strict=False):
            if a in COMMON and b in COMMON and (a, b) not in seen:
                seen.add((a, b))
                t.text = pair(a, b)
                yield t


def pair(a: str, b: str) -> str:
    """The pairs field's term for two adjacent terms."""
    return f"{a} {b}"


def make_schema() -> fields.Schema:
    """The index schema: only the id is stored; everything shown comes from the store."""
    text = FoldTokenizer(stemmed=True)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=text, field_boost=2.0),
        abstract=fields.TEXT(analyzer=text),
        # names are folded but not stemmed: author:hinton must not match "hint"
        authors=fields.TEXT(analyzer=FoldTokenizer(stemmed=False, gap_on=";")),
        categories=fields.KEYWORD(lowercase=True, scorable=False),
        published=fields.ID(sortable=True),
        first_seen=fields.ID(sortable=True),
        last_trended=fields.ID(sortable=True),
        upvotes=fields.NUMERIC(sortable=True, bits=32, signed=False),
        # what Hugging Face knows: the organisation (its id and the words of its name), what
        # the paper has (HAS), its code's GitHub stars, Hugging Face's keywords
        org=fields.KEYWORD(lowercase=True, scorable=False),
        has=fields.KEYWORD(scorable=False),
        stars=fields.NUMERIC(bits=32, signed=False),
        keywords=fields.TEXT(analyzer=FoldTokenizer(stemmed=True, gap_on=";")),
        pairs=fields.KEYWORD(analyzer=PairTokenizer(), scorable=False),
        # categories as written (cs.LG, not cs.lg), for facets
        catnames=fields.COLUMN(columns.VarBytesColumn()),
    )


def row_to_doc(row: IndexRow) -> dict[str, Any]:
    """The index document for one store row."""
    paper = row.paper
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": " ; ".join(paper.authors),
        "categories": " ".join(paper.categories),
        "pairs": f"{paper.title}\n{paper.abstract}",
        "published": paper.published or "",
        "first_seen": row.first_seen[:10],
        "last_trended": row.last_trended or "",
        "upvotes": max(row.upvotes or 0, 0),
        "catnames": " ".join(paper.categories).encode(),
        "org": org_words(paper),
        "has": " ".join(has_words(paper)),
        "keywords": " ; ".join(paper.hf_keywords),
        **({"stars": paper.github_stars} if paper.github_stars is not None else {}),
    }


def org_words(paper: Paper) -> str:
    """What `org:` matches: the organisation's id, and the words of its id and name, folded."""
    names = f"{paper.org or ''} {paper.org_name or ''}"
    whole = [fold(paper.org)] if paper.org and " " not in paper.org else []
    return " ".join(dict.fromkeys(whole + [fold(w) for w in _WORD.findall(names)]))


def has_words(paper: Paper) -> list[str]:
    """What `has:` matches for this paper (HAS)."""
    return [word for word, attr in HAS.items() if getattr(paper, attr)]


COMMON = frozenset(term(w) for w in COMMON_WORDS.split())
