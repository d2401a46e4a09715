"""Query execution over cached posting lists: exact match sets and BM25F scores in set operations.

Whoosh walks a query's matchers one document at a time in Python; for a plain or phrase query
that costs tens of ms on 36k papers, twice (top hits, then every match for totals and facets).
Here each term's postings are decoded once per searcher into arrays, kept in a bounded cache,
and a query's match set is built with C-speed set operations. Scores use whoosh's own BM25F
scorer on the same weights and lengths, so rankings agree with whoosh's for terms.
Shapes it does not know (numeric ranges, ...) return None: the caller uses whoosh. Wildcard,
fuzzy and range terms arrive here already expanded into plain terms (index_bounds).
Every loop checks the thread's time budget (server.budget); a cache only ever receives a
term's whole postings, so a search stopped part way leaves nothing half-read behind.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator
from functools import partial
from itertools import accumulate
from pickle import loads

from whoosh import query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from server import budget as time_budget
from server.index.schema import COMMON, PAIR_FIELDS, pair

BUDGET = 4_000_000  # postings kept decoded (8 bytes each) before the least used are dropped
# Doc numbers kept as sets for the last terms asked about (a set costs ~60 bytes a doc: at 1M
# papers one common word's set is 30 MB, so the bound is on docs, not on sets).
SET_BUDGET = 1_000_000
SPARSE = 256  # a term list this many times longer than the docs asked about is probed, not decoded
KEEP_FROM = 64  # a pattern's words in fewer papers than this are decoded each time, not kept
# Bytes of common words' positions kept as stored (Postings.places): all of them in title and
# abstract at 36k papers (about 23 MB), the most common at a bigger size
PLACES_BUDGET = 32_000_000
PLACE_BYTES = 25  # a common word's positions in one abstract kept (Places.size), about
FREQUENCIES = 100_000  # terms whose doc frequency is kept (a few MB), all dropped at once past it
BLOCK = 128  # postings in a block of whoosh's postings file (its writer's blocklimit)


class Postings:
    """Decoded postings (doc numbers and weights) of one searcher's terms, least used dropped."""

    def __init__(self, searcher: Searcher, budget: int = BUDGET, segments=None):
        self.searcher = searcher
        self.segments = segments  # an index_columns.SegmentColumns: lengths kept per segment
        self.reader = searcher.reader()
        self.budget = budget
        self.size = 0
        self._cache: OrderedDict[tuple[str, str], tuple[array, array]] = OrderedDict()
        self._sets: OrderedDict[tuple[str, str], frozenset[int]] = OrderedDict()
        self._set_size = 0
        self._lengths: dict[str, list[int]] = {}
        self._scorers: dict[tuple[str, str], object] = {}
        self._denominators: dict[tuple[str, float, float], array] = {}
        self._places: dict[tuple[str, str], Places] = {}
        self._places_size = 0
        self._frequencies: dict[tuple[str, str], int] = {}

    def get(self, field: str, text: str, keep_from: int = 0) -> tuple[array, array]:
        """The term's doc numbers (ascending) and weights; empty when the term is absent.

        Lists shorter than `keep_from` are decoded again on each call instead of kept."""
        key = (field, text)
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        time_budget.check()
        if not self.frequency(field, text):  # not looked for in each segment again
            return array("i"), array("f")
        found = _decode(self.reader, field, text)
        if len(found[0]) < keep_from:
            return found
        self._cache[key] = found
        self.size += len(found[0])
        while self.size > self.budget and len(self._cache) > 1:
            _, (ids, _w) = self._cache.popitem(last=False)
            self.size -= len(ids)
        return found

    def frequency(self, field: str, text: str) -> int:
        """How many docs hold the term (deleted ones included), kept: whoosh looks a term up
        in every segment's hash file each time it is asked (28 us over the two segments of the
        36k index), and a query asks about its terms many times, to order its parts and choose
        how to read each."""
        key = (field, text)
        found = self._frequencies.get(key)
        if found is None:
            if len(self._frequencies) >= FREQUENCIES:
                self._frequencies.clear()
            found = self._frequencies[key] = self.reader.doc_frequency(field, text)
        return found

    def ids(self, field: str, text: str) -> frozenset[int]:
        """The term's doc numbers as a set (the last few sets are kept)."""
        key = (field, text)
        found = self._sets.get(key)
        if found is None:
            found = frozenset(self.get(field, text)[0])
            self._sets[key] = found
            self._set_size += len(found)
            while self._set_size > SET_BUDGET and len(self._sets) > 1:
                self._set_size -= len(self._sets.popitem(last=False)[1])
        return found

    def cheap(self, field: str, text: str) -> bool:
        """True when the term's set is cached or small enough to decode in well under 1 ms."""
        return (field, text) in self._cache or self.frequency(field, text) < 2000

    def places(self, field: str, text: str, checking: int | None = None) -> Places | None:
        """A common word's positions in every doc holding it, kept while they fit in
        PLACES_BUDGET (the server's warm-up fills it, most common words first); None for other
        words, and for a word that does not fit: nothing kept is dropped for it, so queries of
        other words never read whole lists in turn. A phrase's candidates are sparse in a common
        word's list, so each would read and decompress a block of it from the postings file
        (50-80 us) to check one doc.

        `checking`: how many docs the caller will look at; a word not kept yet is read whole
        only if that reads no more blocks than looking the docs up would (None: always)."""
        if text not in COMMON:
            return None
        found = self._places.get((field, text))
        if found is not None:
            return found
        docs = self.frequency(field, text)
        if self._places_size + docs * PLACE_BYTES > PLACES_BUDGET:
            return None
        if checking is not None and docs > checking * BLOCK:
            return None
        time_budget.check()
        # a block's values joined at once: no list of a small string a posting is ever held
        # (at 200k that cost the server twice the positions' own size in memory)
        parts: list[bytes] = []
        lengths = array("I")

        def keep(values) -> None:
            parts.append(b"".join(values))
            lengths.extend(map(len, values))

        ids, _weights = _decode(self.reader, field, text, keep)
        found = Places(ids, lengths, b"".join(parts))
        if self._places_size + found.size <= PLACES_BUDGET:  # else used this once
            self._places[(field, text)] = found
            self._places_size += found.size
        return found

    def keep_common_places(self, fields: tuple[str, ...]) -> Iterator[bool]:
        """Keep the common words' positions in `fields`, the words in most docs first, while
        they fit in PLACES_BUDGET: a step a word (the server's warm-up)."""
        r = self.reader
        common = [(r.doc_frequency(f, w), f, w) for f in fields for w in COMMON if (f, w) in r]
        for _docs, field, text in sorted(common, reverse=True):
            self.places(field, text)  # which reads nothing for a word that cannot fit
            yield True

    def all_docs(self) -> set[int]:
        """Every live document."""
        time_budget.check()
        r = self.reader
        return {d for d in range(r.doc_count_all()) if not r.is_deleted(d)}

    def score(self, field: str, text: str, docs: set[int]) -> dict[int, float]:
        """BM25F score of one term for each of `docs` that holds it."""
        time_budget.check()
        if self.sparse(field, text, docs):
            held = self._probe(field, text, docs)
        else:
            held = self._held(field, text, docs)
        if not held:
            return {}
        scorer = self._scorer(field, text)
        if isinstance(scorer, WeightScorer):  # a field without lengths scores its weight
            return held
        lengths = self._lengths_of(field, held)
        if not isinstance(scorer, BM25FScorer):
            return {d: scorer._score(w, lengths[d]) for d, w in held.items()}
        # whoosh.scoring.bm25, inlined: this loop runs once per matching doc, and each doc's
        # length part of the denominator is worked out once per searcher (column, not dict)
        idf, k1 = scorer.idf, scorer.K1
        norm = k1 * (1 - scorer.B)
        per_len = k1 * scorer.B / scorer.avgfl
        top = idf * (k1 + 1)
        if isinstance(lengths, dict):
            return {d: top * w / (w + norm + per_len * lengths[d]) for d, w in held.items()}
        key = (field, norm, per_len)
        if key not in self._denominators:
            self._denominators[key] = array("d", [norm + per_len * n for n in lengths])
        below = self._denominators[key]
        return {d: top * w / (w + below[d]) for d, w in held.items()}

    def narrow(self, field: str, text: str, docs: set[int]) -> set[int]:
        """Those of `docs` holding the term, when its decoded postings are kept (a word the
        query just scored); else `docs` as they are: no list is read for this."""
        found = self._cache.get((field, text))
        if found is None:
            return docs
        return {d for d, _ in _held_at(found[0], docs)}

    def sparse(self, field: str, text: str, docs) -> bool:
        """True when a few docs are best looked up in a long uncached list by skipping through
        its blocks, rather than decoding all of it (a common word at 200k papers: 100 ms)."""
        if (field, text) in self._cache:
            return False
        return len(docs) * SPARSE < self.frequency(field, text)

    def holding(self, field: str, text: str, docs: set[int]) -> set[int]:
        """Those of `docs` holding the term."""
        if self.sparse(field, text, docs):
            return set(self._probe(field, text, docs))
        return docs & self.ids(field, text)

    def _probe(self, field: str, text: str, docs) -> dict[int, float]:
        """Weights of those of `docs` that hold the term, read with block skipping."""
        held: dict[int, float] = {}
        ordered = sorted(docs)
        for seg, offset in self.reader.leaf_readers():
            end = offset + seg.doc_count_all()
            mine = [d - offset for d in ordered if offset <= d < end]
            m = _leaf(seg, field, text) if mine else None
            if m is None:
                continue
            for d in time_budget.paced(mine):
                if _at(m, d):
                    held[d + offset] = m.weight()
        return held

    def _held(self, field: str, text: str, docs) -> dict[int, float]:
        ids, weights = self.get(field, text)
        if not ids:
            return {}
        if len(docs) * 16 < len(ids):  # few docs: find each by bisection
            held = {d: weights[i] for d, i in _held_at(ids, docs)}
        elif docs.issuperset(ids):  # a one-word search: docs are the word's own
            held = dict(zip(ids, weights, strict=True))
        else:
            held = {d: w for d, w in zip(ids, weights, strict=True) if d in docs}
        return held

    def _scorer(self, field: str, text: str):
        key = (field, text)
        if key not in self._scorers:
            self._scorers[key] = self.searcher.weighting.scorer(self.searcher, field, text)
        return self._scorers[key]

    def _lengths_of(self, field: str, docs) -> dict[int, int] | array:
        """Field lengths for `docs`: the whole column when it is kept per segment (a server) or
        when there are many docs; one by one for a few docs in a one-off process."""
        many = len(docs) * 32 > self.reader.doc_count_all()
        if field in self._lengths or self.segments is not None or many:
            return self._field_lengths(field)
        return {d: self.reader.doc_field_length(d, field) for d in docs}

    def lengths(self, field: str) -> array:
        """Every doc's length in a field (kept)."""
        return self._field_lengths(field)

    def _field_lengths(self, field: str) -> array:
        if field not in self._lengths:
            if self.segments is None:
                found = array("i")
                for seg, _offset in self.reader.leaf_readers():
                    found.extend(_segment_lengths(seg, field))
            else:
                read = partial(_segment_lengths, field=field)
                found = self.segments.per_segment(self.reader, f"length {field}", read, _ints)
            self._lengths[field] = found
        return self._lengths[field]


def _held_at(ids: array, docs) -> Iterator[tuple[int, int]]:
    """(doc, its place in `ids`) for each of `docs` that `ids` (ascending) holds, found by
    bisection: for a few docs in a long list."""
    n = len(ids)
    for d in docs:
        i = bisect_left(ids, d)
        if i < n and ids[i] == d:
            yield d, i


def _ints() -> array:
    return array("i")


def _segment_lengths(seg, field: str) -> array:
    """Every doc's length in a field, read from the column (5x faster than doc by doc)."""
    perdoc = getattr(seg, "_perdoc", None)
    column = None
    if hasattr(perdoc, "_cached_reader"):  # whoosh3's own reader of the lengths column
        column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return array("i", (seg.doc_field_length(d, field) for d in range(seg.doc_count_all())))
    return array("i", (byte_to_length(b) for b in column))


class Places:
    """A word's positions in each doc holding it, as stored (whoosh's Positions format), in one
    string: a doc's are found by bisection in memory."""

    __slots__ = ("ids", "starts", "blob")

    def __init__(self, ids: array, lengths: array, blob: bytes):
        self.ids = ids
        self.starts = array("I", accumulate(lengths, initial=0))
        self.blob = blob

    @property
    def size(self) -> int:
        return len(self.blob) + 8 * len(self.ids)

    def at(self, docnum: int) -> Iterator[int] | None:
        """The word's positions in the doc, None when the doc does not hold it."""
        k = bisect_left(self.ids, docnum)
        if k == len(self.ids) or self.ids[k] != docnum:
            return None
        # a posting's value: its position count (4 bytes), then the gaps between positions pickled
        return accumulate(loads(self.blob[self.starts[k] + 4 : self.starts[k + 1]]))


def _decode(reader, field: str, text: str, keep=None) -> tuple[array, array]:
    """A term's postings over every segment, deleted documents left out; `keep`, when given,
    is called with the stored values (positions) of the postings kept, a block at a time, in
    the same order."""
    ids, weights = array("i"), array("f")
    for seg, offset in reader.leaf_readers():
        m = _leaf(seg, field, text)  # deletions are filtered below, block by block
        if m is None:
            continue
        deleted = seg.deleted_docs_set if seg.has_deletions() else None
        for block_ids, block_weights, block_values in time_budget.paced(_blocks(m), every=16):
            if deleted is None:  # C-speed: no Python step per posting
                ids.extend(map(offset.__add__, block_ids) if offset else block_ids)
                weights.extend(block_weights)
                if keep is not None:
                    keep(block_values())
                continue
            values = block_values() if keep is not None else None
            live = [] if values is not None else None
            for k, (d, w) in enumerate(zip(block_ids, block_weights, strict=True)):
                if d not in deleted:
                    ids.append(d + offset)
                    weights.append(w)
                    if live is not None:
                        live.append(values[k])
            if live is not None:
                keep(live)
    return ids, weights


def _blocks(m):
    """A leaf matcher's postings block by block (one posting at a time if it has no blocks):
    doc numbers, weights, and a function giving the block's values.

    Whoosh's block matcher decodes a block's doc numbers in a Python generator; here they are
    summed by itertools.accumulate from the block's own deltas, and constant weights repeated
    in C (28 terms' postings from the HF bulk index, the same blocks: 1.4x faster)."""
    if all(hasattr(m, a) for a in ("_read_data", "_next_block", "_blocklength", "_byteids")):
        if not m._byteids:
            while m.is_active():
                if m._data is None:
                    m._read_data()
                deltas, block_weights = m._data[0], m._data[1]
                if block_weights is None:  # every weight 1.0
                    block_weights = array("f", (1.0,)) * m._blocklength
                elif isinstance(block_weights, float):  # every weight the same
                    block_weights = array("f", (block_weights,)) * m._blocklength
                yield accumulate(deltas), block_weights, partial(_block_values, m)
                m._next_block()
            return
    while m.is_active():
        yield (m.id(),), (m.weight(),), lambda value=m.value: (value(),)
        m.next()


def _block_values(m) -> tuple:
    """The values of the block a whoosh3 leaf matcher is on."""
    if m._values is None:
        m._read_values()
    return m._values


class Executor:
    """Match sets and scores for one query over a Postings cache."""

    def __init__(self, postings: Postings):
        self.p = postings
        self._matched: dict[int, tuple[query.Query, set[int]]] = {}

    def match(self, q: query.Query) -> set[int] | None:
        """Every live doc matching `q`, or None when `q` has a shape this does not handle."""
        key = id(q)
        if key not in self._matched:
            found = self._match(q)
            if found is None:
                return None
            # the query is kept with its result, so its id is not reused while it is cached
            self._matched[key] = (q, found)
        return self._matched[key][1]

    def _match(self, q: query.Query) -> set[int] | None:
        time_budget.check()
        if isinstance(q, query.Term):
            return set(self.p.ids(q.fieldname, q.text))
        if isinstance(q, query.Every):
            return self.p.all_docs()
        if isinstance(q, query.Phrase):
            return self._phrase(q)
        if isinstance(q, query.AndNot):
            a, b = self.match(q.a), self.match(q.b)
            return None if a is None or b is None else a - b
        if isinstance(q, query.AndMaybe):
            return None if self.match(q.b) is None else self.match(q.a)
        if isinstance(q, query.Not):
            inner = self.match(q.query)
            return None if inner is None else self.p.all_docs() - inner
        if isinstance(q, (query.And, query.Or)) and type(q) in (query.And, query.Or):
            return self._compound(q)
        if type(q) is query.ConstantScoreQuery:  # an expanded pattern (index_bounds)
            words = q.child.subqueries if type(q.child) is query.Or else [q.child]
            if all(type(w) is query.Term for w in words):
                return self._any_term(words)
            return self.match(q.child)
        return None

    def _compound(self, q: query.Query) -> set[int] | None:
        if isinstance(q, query.And):
            return self._all_of(q.subqueries) if q.subqueries else set()
        parts = [self.match(sub) for sub in q.subqueries]
        return None if any(part is None for part in parts) else set().union(*parts)

    def _all_of(self, parts: list[query.Query], docs: set[int] | None = None) -> set[int] | None:
        """Docs matching every part (of `docs` only, when given), as a new set. The parts
        likely in fewest docs come first: the first is matched whole unless `docs` is given,
        each other is looked up in the docs left only. A plain-words query is an And of one Or
        a word (its fields): a common word's lists are no longer joined into a set of 10,000s
        of docs to be cut down to the few the rare word left."""
        parts = sorted(parts, key=self._estimate)
        if docs is None:
            docs, parts = self.match(parts[0]), parts[1:]
            if docs is None:
                return None
        found = set(docs)  # the part's own set stays as it was matched
        for sub in parts:
            if not found:
                break
            found = self._within(sub, found)
            if found is None:
                return None
        return found

    def _estimate(self, q: query.Query) -> int:
        """At most how many docs match `q`, from doc frequencies (no list is read), for the
        order in which _all_of takes its parts. A shape it does not know counts every doc."""
        df = self.p.frequency
        if isinstance(q, query.Term):
            return df(q.fieldname, q.text)
        if isinstance(q, query.Phrase) and q.words:
            return min(df(q.fieldname, w) for w in q.words)
        if type(q) is query.Or:
            return sum(map(self._estimate, q.subqueries))
        if type(q) is query.And and q.subqueries:
            return min(map(self._estimate, q.subqueries))
        return self.p.reader.doc_count_all()

    def _within(self, q: query.Query, docs: set[int]) -> set[int] | None:
        """Those of `docs` that match `q` (a new set), found without matching `q` whole where
        its shape allows; None when `q` has a shape this does not handle."""
        if isinstance(q, query.Term):
            return self.p.holding(q.fieldname, q.text, docs)
        if type(q) is query.Or:
            found: set[int] = set()
            for sub in q.subqueries:
                held = self._within(sub, docs)
                if held is None:
                    return None
                found |= held
            return found
        if type(q) is query.And:
            return self._all_of(q.subqueries, docs)
        matched = self.match(q)
        return None if matched is None else docs & matched

    def _any_term(self, terms: list[query.Term]) -> set[int]:
        """Docs holding any of the terms (the words a pattern stands for), from their decoded
        lists. Most of a pattern's words are rare: their short lists are decoded again next
        time rather than kept, as hundreds of small kept objects would each be walked by every
        full garbage collection, which stops the server's other threads while it runs."""
        found: set[int] = set()
        for t in terms:
            found.update(self.p.get(t.fieldname, t.text, keep_from=KEEP_FROM)[0])
        return found

    def _phrase(self, q: query.Phrase) -> set[int]:
        words = list(q.words)
        if not all(self.p.frequency(q.fieldname, w) for w in words):
            return set()
        # candidates from the rare words; common ones are checked doc by doc while verifying
        by_rarity = sorted(set(words), key=lambda w: self.p.frequency(q.fieldname, w))
        candidates = set(self.p.ids(q.fieldname, by_rarity[0]))
        for w in by_rarity[1:]:
            if len(candidates) < 64 or not self.p.cheap(q.fieldname, w):
                break
            candidates &= self.p.ids(q.fieldname, w)
        # word pairs index neighbours only: a looser phrase cannot be narrowed by them
        if len(candidates) >= 64 and q.fieldname in PAIR_FIELDS and q.slop == 1:
            for a, b in zip(words, words[1:], strict=False):
                if a in COMMON and b in COMMON:
                    candidates &= self.p.ids("pairs", pair(a, b))
        if len(words) == 1:
            return candidates
        return in_sequence(self.p, q.fieldname, words, candidates, q.slop)

    def scores(self, q: query.Query, docs: set[int]) -> dict[int, float] | None:
        """Scores of `docs` (all matching `q`) as whoosh would sum them; None if unknown shape."""
        if isinstance(q, query.Term):
            return self.p.score(q.fieldname, q.text, docs)
        if isinstance(q, query.Phrase):
            inside = docs & (self.match(q) or set())
            return _sum([self.p.score(q.fieldname, w, inside) for w in q.words])
        if isinstance(q, (query.Every, query.Not)):
            return {}
        if type(q) is query.ConstantScoreQuery:
            inner = self.match(q)
            return None if inner is None else dict.fromkeys(docs & inner, q.score)
        if isinstance(q, query.AndNot):
            return self.scores(q.a, docs)
        if isinstance(q, query.AndMaybe):
            parts = [self.scores(q.a, docs), self.scores(q.b, docs)]
            return None if None in parts else _sum(parts)
        if isinstance(q, (query.And, query.Or)) and type(q) in (query.And, query.Or):
            parts = [self.scores(sub, docs) for sub in q.subqueries]
            return None if any(p is None for p in parts) else _sum(parts)
        return None


def top(scores: dict[int, float], docs: set[int], limit: int) -> list[tuple[int, float]]:
    """The best `limit` docs by score, ties to the lower doc number (as whoosh orders them).

    The limit-th best score is found among the scores alone (in C), and only the docs scoring
    at least that are ordered: a common word's thousands of matches are not each keyed."""
    if limit < len(scores):
        least = heapq.nlargest(limit, scores.values())[-1]
        if least > 0.0:
            best = [(-s, d) for d, s in scores.items() if s >= least and d in docs]
            if len(best) >= limit:
                return [(d, -s) for s, d in sorted(best)[:limit]]
    best = heapq.nsmallest(limit, docs, key=lambda d: (-scores.get(d, 0.0), d))
    return [(d, scores.get(d, 0.0)) for d in best]


def in_sequence(
    postings: Postings, field: str, words: list[str], docs: set[int], slop: int = 1
) -> set[int]:
    """Those of `docs` where `words` occur in order, each within `slop` places of the last."""
    if slop == 1:
        return _as_phrase(postings, field, words, docs)
    phrase, close = sequence_tiers(postings.reader, field, words, docs, slop)
    return phrase | close


def sequence_tiers(
    reader, field: str, words: list[str], docs: set[int], near: int
) -> tuple[set[int], set[int]]:
    """Those of `docs` holding `words` as a phrase, and those holding them in order, each within
    `near` places of the last (but not as a phrase). A doc's words are read in order, each
    word's positions only while the words before it still chain: most docs holding three words
    of a query do not hold the first two near each other, and the third is never read (the
    bench's 3-term queries at 36k, re-ranked in one process: 1.5 -> 0.95 ms at p50)."""
    phrase: set[int] = set()
    close: set[int] = set()
    steps = range(1, near + 1)
    for offset, mine, matchers in _segments(reader, field, words, docs):
        decoders = [matchers[i].format.decoder("positions") for i in range(len(words))]
        for docnum in time_budget.paced(mine, every=256):
            tight = loose = None  # where the words so far end, as a phrase / each near the last
            for m, decode in zip(matchers.values(), decoders, strict=True):
                if not _at(m, docnum):
                    break
                held = decode(m.value())
                if loose is None:
                    tight = loose = set(held)
                    continue
                tight = {p for p in held if p - 1 in tight}
                loose = {p for p in held if any(p - k in loose for k in steps)}
                if not loose:  # the phrase's ends are among these too
                    break
            else:
                (phrase if tight else close).add(docnum + offset)
    return phrase, close


def _as_phrase(postings: Postings, field: str, words: list[str], docs: set[int]) -> set[int]:
    """Those of `docs` holding `words` as a phrase: some start where word i is at start + i for
    every i. The rarest words' positions are read first and most docs fail on the second word,
    before the common words' positions are read (a phrase's candidates are often ten times its
    matches: 1.3-2.4x less CPU than reading every word's positions first, on the bench's
    4-word phrases at 36k). A common word's positions come from memory when Postings.places
    holds them ("in the presence of" at 36k: 42 -> 12-16 ms in one process)."""
    reader = postings.reader
    order = sorted(range(len(words)), key=lambda i: postings.frequency(field, words[i]))
    kept = {
        i: held for i in order if (held := postings.places(field, words[i], len(docs))) is not None
    }
    found: set[int] = set()
    for offset, mine, matchers in _segments(reader, field, words, docs):
        positions = {i: m.format.decoder("positions") for i, m in matchers.items()}
        for docnum in time_budget.paced(mine, every=256):
            starts: set[int] | None = None
            for i in order:
                if i in kept:
                    held = kept[i].at(docnum + offset)
                    if held is None:
                        break
                else:
                    m = matchers[i]
                    if not _at(m, docnum):
                        break
                    held = positions[i](m.value())
                here = {p - i for p in held}
                starts = here if starts is None else starts & here
                if not starts:
                    break
            else:
                found.add(docnum + offset)
    return found


def _segments(reader, field: str, words: list[str], docs: set[int]):
    """(offset, those of `docs` in the segment as its own doc numbers, in order, a leaf matcher
    per word) for each segment holding every word."""
    ordered = sorted(docs)
    for seg, offset in reader.leaf_readers():
        end = offset + seg.doc_count_all()
        mine = [d - offset for d in ordered if offset <= d < end]
        if not mine:
            continue
        # raw leaf postings: the candidates are live docs already, so deletions do not matter
        matchers = {}
        for i, w in enumerate(words):
            matchers[i] = _leaf(seg, field, w)
            if matchers[i] is None:
                break
        else:
            yield offset, mine, matchers


def _leaf(seg, field: str, text: str):
    """The term's raw leaf matcher in one segment (deleted docs not left out), None when the
    segment does not hold it: one look-up of the term in its hash file, where asking `in`
    first made two."""
    try:
        m = seg.postings(field, text)
    except TermNotFound:
        return None
    return getattr(m, "child", m)


def _at(m, docnum: int) -> bool:
    """Move a matcher forward to `docnum`; True when the doc holds the term."""
    if not m.is_active():
        return False
    if not hasattr(m, "_skip_to_block"):
        if m.id() < docnum:
            m.skip_to(docnum)
        return m.is_active() and m.id() == docnum
    # whoosh3's leaf matcher steps through a block one posting at a time; bisect instead
    if docnum > m.block_max_id():
        m._skip_to_block(lambda: docnum > m.block_max_id())
        if not m.is_active():
            return False
    if m._ids is None:  # whoosh3's _read_ids, the deltas summed in C, not in a generator
        if m._data is None:
            m._read_data()
        m._ids = m._data[0] if m._byteids else tuple(accumulate(m._data[0]))
    m._i = bisect_left(m._ids, docnum, m._i)
    return m._ids[m._i] == docnum


def _sum(parts: list[dict[int, float]]) -> dict[int, float]:
    """Each doc's scores added up: the biggest part copied whole (in C), the others added to
    it in order (the same order for every doc, so equal scores stay equal)."""
    if not parts:
        return {}
    first = max(range(len(parts)), key=lambda i: len(parts[i]))
    out = dict(parts[first])
    get = out.get
    for part in parts[:first] + parts[first + 1 :]:
        for d, s in part.items():
            out[d] = get(d, 0.0) + s
    return out
