"""The query language: parsing with clear errors, match spans, did-you-mean, readable key terms."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from whoosh import qparser, query
from whoosh.fields import Schema
from whoosh.reading import IndexReader

from server import budget
from server.index.bounds import check, edits
from server.index.schema import FIELD_ALIASES, TEXT_FIELDS, FoldTokenizer, make_schema, term
from server.index.types import QueryError

_FIELD_REF = re.compile(r"(?<![\w:.])(\w+):(?!//)")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_SYNTAX = re.compile(r'["\[\]{}*?~^]')  # quotes, ranges, wildcards, fuzzy terms and boosts
_COLON = re.compile(r"(?<![\w:.-])([\w.-]*)(?<=\S):(?!//)(\s|$)?")
_QUESTION = re.compile(r"(?<=[^\s?*])\?+(?=\s|$)")  # a question mark, not a wildcard
_PAIRS = {"(": ")", "[": "]", "{": "}"}
MIN_SUGGESTED = 5  # a did-you-mean only suggests words of this many papers or more


def make_parser(schema: Schema) -> qparser.QueryParser:
    """A parser for the query language: all words must match, across title, abstract, authors."""
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.GtLtPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return parser


def known_fields(schema: Schema) -> set[str]:
    """Every field name the query language accepts, aliases included."""
    names = {n for n in schema.names() if n not in ("catnames", "pairs")}
    return names | {a for aliases in FIELD_ALIASES.values() for a in aliases}


def parse(parser: qparser.QueryParser, text: str) -> query.Query:
    """Parse a user query, raising QueryError where whoosh would silently guess."""
    text = loosen(text, known_fields(parser.schema))
    check_syntax(text, known_fields(parser.schema))
    try:
        q = parser.parse(text)
    except Exception as exc:  # whoosh's parser plugins fail in many ways on odd input
        raise QueryError(f"cannot read the query {text[:80]!r} ({type(exc).__name__})") from None
    if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
        raise QueryError(f"nothing to search for in {text!r}")
    check_dates(q)
    check(q)
    return q


DATE_FIELDS = {"published": "date", "first_seen": "seen", "last_trended": "trended"}
_DATE_FORMS = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def check_dates(q: query.Query) -> None:
    """A date term or range must name real days (as the API's from= and to= must): QueryError
    for 2024-13-01, or for a range that ends before it starts, instead of no results."""
    leaves = [q] if q.is_leaf() else list(q.leaves())
    for leaf in leaves:
        name = DATE_FIELDS.get(getattr(leaf, "fieldname", ""))
        if name is None or isinstance(leaf, query.Prefix | query.Wildcard):
            continue
        if isinstance(leaf, query.TermRange):
            values = [v for v in (leaf.start, leaf.end) if v is not None]
        else:
            values = [getattr(leaf, "text", "")]
        for value in values:
            if not _a_date(value):
                raise QueryError(f"{name}: must be a date like 2024-08-01, not {value!r}")
        if isinstance(leaf, query.TermRange) and leaf.start and leaf.end and leaf.start > leaf.end:
            raise QueryError(f"{name}:[{leaf.start} to {leaf.end}] ends before it starts")


def _a_date(value: object) -> bool:
    """True for YYYY, YYYY-MM or YYYY-MM-DD naming a real year, month or day."""
    found = _DATE_FORMS.fullmatch(str(value))
    if not found:
        return False
    year, month, day = (int(g) if g else None for g in found.groups())
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return False
    return True


def check_query(text: str) -> None:
    """Raise QueryError when a query (a saved topic, say) does not parse or would be refused."""
    parse(_shared_parser(), text)


@functools.cache
def _shared_parser() -> qparser.QueryParser:
    return make_parser(make_schema())


def loosen(text: str, fields: set[str]) -> str:
    """Pasted text as it is meant: a colon after a word that names no field ("Llama 3: herd",
    "QwenLong-L1.5: Post-Training", "FlowInOne:Unifying") and a question mark ending a word
    ("why so small?") are punctuation, not a field or a wildcard. Each becomes a space, so
    every character keeps its place (spans and the did-you-mean rely on it)."""
    text = _COLON.sub(lambda m: m[1] + _colon(m, fields) + (m[2] or ""), text)
    return _QUESTION.sub(lambda m: " " * len(m[0]), text)


def _colon(m: re.Match, fields: set[str]) -> str:
    """A field's colon stays; so does one joining an all-lowercase word to the next (foo:bar,
    most likely a mistyped field, which is refused). Any other colon is punctuation."""
    name, spaced = m[1], m[2] is not None
    return ":" if name in fields or (not spaced and name.islower()) else " "


def plain_words(text: str) -> bool:
    """True for a query of several words and nothing else: no fields, quotes, operators or
    wildcards (pasted punctuation, as `loosen` reads it, may stand between the words)."""
    words = text.split()
    if len(words) < 2 or _OPERATORS & set(words):
        return False
    loose = loosen(text, known_fields(_shared_parser().schema))
    return not _SYNTAX.search(loose) and not _FIELD_REF.search(_outside_quotes(loose))


def check_syntax(text: str, fields: set[str]) -> None:
    """Reject unbalanced quotes and brackets, unknown or empty fields, and dangling operators."""
    outside = _outside_quotes(text)
    _check_brackets(outside)
    for m in _FIELD_REF.finditer(outside):
        name = m.group(1)
        if name not in fields:
            shown = ", ".join(sorted(f + ":" for f in fields))
            raise QueryError(f"unknown field {name}: (fields are {shown})")
        rest = outside[m.end() :]
        if not rest.strip() or rest[0].isspace() or rest.lstrip()[:1] in (")", "]", "}"):
            raise QueryError(f"{name}: needs a word, a phrase in quotes or a range after it")
    words = outside.split()
    if words and (words[0] in _OPERATORS - {"NOT"} or words[-1] in _OPERATORS):
        op = words[0] if words[0] in _OPERATORS - {"NOT"} else words[-1]
        raise QueryError(f"{op} needs a search term on both sides")


def _outside_quotes(text: str) -> str:
    """The query with quoted phrases blanked out; raises on an unclosed quote."""
    if text.count('"') % 2:
        raise QueryError('a quote (") is not closed')
    return re.sub(r'"[^"]*"', lambda m: '"' + "x" * (len(m.group()) - 2) + '"', text)


def _check_brackets(text: str) -> None:
    stack: list[str] = []
    for c in text:
        if c in _PAIRS:
            stack.append(_PAIRS[c])
        elif c in _PAIRS.values():
            if not stack or stack.pop() != c:
                raise QueryError(f"{c!r} has no matching opening bracket")
    if stack:
        raise QueryError(f"a bracket is not closed (expected {stack[-1]!r})")


def positive_leaves(q: query.Query) -> Iterator[query.Query]:
    """The leaf queries a match must (or may) satisfy: everything except NOT branches."""
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from positive_leaves(q.a)
        return
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from positive_leaves(child)


def match_terms(q: query.Query) -> set[tuple[str, bytes]]:
    """The (field, term) pairs of text fields that a query's positive parts search for, its
    patterns already expanded into plain terms (index_bounds.bound): what highlights mark."""
    found: set[tuple[str, bytes]] = set()
    for leaf in positive_leaves(q):
        if getattr(leaf, "fieldname", None) not in TEXT_FIELDS:
            continue
        if isinstance(leaf, query.Term):
            text = leaf.text
            found.add((leaf.fieldname, text if isinstance(text, bytes) else text.encode()))
        elif isinstance(leaf, query.Phrase):
            found |= {(leaf.fieldname, w.encode()) for w in leaf.words}
    return found


def spans(analyzer: FoldTokenizer, field: str, text: str, terms: set[tuple[str, bytes]]):
    """Character spans of the words in `text` whose terms are in `terms`."""
    wanted = {t.decode() for f, t in terms if f == field}
    if not wanted:
        return []
    if isinstance(analyzer, FoldTokenizer):
        return analyzer.word_spans(text, wanted)
    tokens = analyzer(text, chars=True)
    return [(t.startchar, t.endchar) for t in tokens if t.text in wanted]


def suggest(q: query.Query, text: str, reader: IndexReader, vocab: Vocabulary) -> str | None:
    """A corrected query string when a word is unknown or rare and a close common word exists."""
    fixes: dict[tuple[int, int], str] = {}
    for leaf in positive_leaves(q):
        if type(leaf) is not query.Term or leaf.fieldname != "abstract":
            continue
        span = (getattr(leaf, "startchar", None), getattr(leaf, "endchar", None))
        if None in span or span in fixes:
            continue
        better = _better_word(reader, leaf.text, text[span[0] : span[1]], vocab)
        if better:
            fixes[span] = better
    if not fixes:
        return None
    out = text
    for (start, end), word in sorted(fixes.items(), reverse=True):
        out = out[:start] + word + out[end:]
    return out


def _better_word(reader: IndexReader, stemmed: str, original: str, vocab) -> str | None:
    """A frequent abstract term within 2 edits of a rare one, written like the user's word."""
    freq = sum(reader.doc_frequency(f, stemmed) for f in ("title", "abstract"))
    if freq > 2 or len(stemmed) < 4:
        return None
    best: tuple[int, int, str] | None = None
    for candidate, cf in vocab.near(stemmed):
        if candidate == stemmed or cf < max(MIN_SUGGESTED, 10 * freq):
            continue
        if edits(stemmed, candidate) > 2:
            continue
        key = (_distance(stemmed, candidate), -cf, candidate)
        best = key if best is None or key < best else best
    return readable(best[2], original) if best else None


class Vocabulary:
    """Abstract terms in MIN_SUGGESTED papers or more, by first letter and length: a did-you-mean
    compares a word with the few terms of its shape (same first letter, length within 2) instead
    of walking every term of the letter (20 ms a word at 36k papers). Each letter's terms are
    read once per searcher, when a word starting with it first needs them or when the server
    warms its index (`read`).

    `words(field, prefix)` gives (term, papers holding it) of the field's terms beginning with
    the prefix, in any order: the engine's own fastest walk of its term lists (a whoosh reader's
    iter_prefix looks every term up in every segment: 5x slower over two segments)."""

    def __init__(self, words: Callable[[str, str], Iterable[tuple[str, int]]]):
        self.words = words
        self.by_shape: dict[tuple[str, int], list[tuple[str, int]]] = {}
        self.letters: set[str] = set()

    def near(self, word: str):
        """(term, papers) of the terms that may be within 2 edits of `word`."""
        letter = word[:1]
        self.read(letter)
        for n in range(len(word) - 2, len(word) + 3):
            yield from self.by_shape.get((letter, n), ())

    def read(self, letter: str) -> None:
        """Read the terms beginning with `letter` now, unless they are read already."""
        if letter in self.letters:
            return
        found: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for text, df in budget.paced(self.words("abstract", letter)):
            if df >= MIN_SUGGESTED:
                found.setdefault((letter, len(text)), []).append((text, df))
        # kept only once whole: a search stopped by its time budget leaves no letter half-read
        self.by_shape.update(found)
        self.letters.add(letter)


def readable(stemmed: str, like: str) -> str:
    """Write a stem as a word: graft on the ending of a word it came from, if that still fits."""
    folded = like.lower()
    base = term(folded)
    ending = folded[len(base) :] if folded.startswith(base) else ""
    if ending and term(stemmed + ending) == stemmed:
        return stemmed + ending
    return stemmed


def _distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def surface_words(texts: Iterable[str]) -> dict[str, str]:
    """Map each stem in the texts to the first word that produced it, to show terms as words."""
    words: dict[str, str] = {}
    tokenizer = FoldTokenizer(stemmed=False)
    for text in texts:
        for token in tokenizer(text):
            words.setdefault(term(token.text), token.text)
    return words
