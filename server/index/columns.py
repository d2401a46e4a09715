"""Per-document columns (date, categories, upvotes) read from the index once per segment.

A whoosh segment never changes once written (a deletion only marks it), so each segment's
column values are kept by segment id and reused by every later searcher: after a sync that
adds one small segment, only that segment is read. Facets, date filters and the sorted orders
(newest, most upvoted, trending) are all computed from these lists.
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from itertools import chain, islice

from whoosh.searching import Searcher

# What each sort order compares, most significant first (all descending).
SORT_COLUMNS = {
    "date": ("published",),
    "upvotes": ("upvotes", "published"),
    "trending": ("last_trended", "upvotes"),
}


RANGE_BUDGET = 1_000_000  # docs kept in cached date-range sets (a set costs ~60 bytes a doc)
FACETS = ("month", "category")  # the counts a search gives by default
EMPTY = {"upvotes": 0}  # a missing value sorts lowest; text columns use ""


def _categories(raw: bytes | None) -> tuple[str, ...]:
    return tuple(raw.decode().split()) if raw else ()


CONVERT = {"catnames": _categories}


class SegmentColumns:
    """Column values of each segment, cached by segment id while the segment is live."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], list] = {}

    def column(self, searcher: Searcher, name: str) -> list:
        """The column's value for every doc number of the searcher (deleted docs included)."""
        return self.per_segment(searcher.reader(), name, lambda seg: _read(seg, name), list)

    def per_segment(self, reader, name: str, read, empty):
        """`read(segment)` for each segment (cached), joined in doc number order."""
        out = empty()
        live = set()
        for seg, _offset in reader.leaf_readers():  # numbered one after the other
            segment = seg.segment()
            key = (segment.segment_id() if segment else str(id(seg)), name)
            live.add(key)
            if key not in self._cache:
                self._cache[key] = read(seg)
            out.extend(self._cache[key])
        for key in [k for k in self._cache if k[1] == name and k not in live]:
            del self._cache[key]  # a segment merged away
        return out


def _read(seg, name: str) -> list:
    """A segment's column; equal values share one object (a date or a set of categories
    repeats across thousands of papers: at 1M papers this saves ~200 MB)."""
    count = seg.doc_count_all()
    convert = CONVERT.get(name) or _same
    if count == 0 or not seg.has_column(name):
        return [convert(None)] * count
    shared: dict = {}
    return [
        shared[v] if v in shared else shared.setdefault(v, convert(v))
        for v in seg.column_reader(name)
    ]


def _same(value):
    return value


class FacetColumns:
    """Each doc's publication date, categories and sort keys, for the current searcher."""

    def __init__(self) -> None:
        self.segments = SegmentColumns()
        self.searcher: Searcher | None = None
        self.columns: dict[str, list] = {}
        self.ranges: dict[tuple[str, str], set[int]] = {}
        self.orders: dict[str, array] = {}  # every doc, best first, per sort order

    def get(self, searcher: Searcher, name: str) -> list:
        """One column over the searcher's docs (read per segment, kept per searcher)."""
        if searcher is not self.searcher:
            self.searcher, self.columns, self.ranges, self.orders = searcher, {}, {}, {}
        if name == "month" and name not in self.columns:  # derived: "2024-08" of each date
            shared: dict[str, str] = {}
            months = ((p or "")[:7] for p in self.get(searcher, "published"))
            self.columns[name] = [shared.setdefault(m, m) for m in months]
        if name not in self.columns:
            self.columns[name] = self.segments.column(searcher, name)
        return self.columns[name]

    def between(self, searcher: Searcher, first: str | None, last: str | None) -> set[int]:
        """Docs published from `first` to `last` (cached: a range query over days is slow)."""
        published = self.get(searcher, "published")
        key = (first or "0", last or "9")
        if key not in self.ranges:
            if len(self.ranges) > 64 or sum(map(len, self.ranges.values())) > RANGE_BUDGET:
                self.ranges.clear()
            low, high = key
            self.ranges[key] = {d for d, p in enumerate(published) if p and low <= p <= high}
        return self.ranges[key]

    def count(self, searcher: Searcher, docs: set[int], names=FACETS) -> dict[str, dict]:
        """Hits per month of publication and per category (those of them named)."""
        found = {}
        if "month" in names:
            by_month = Counter(map(self.get(searcher, "month").__getitem__, docs))
            by_month.pop("", None)
            found["month"] = dict(sorted(by_month.items()))
        if "category" in names:
            cats = chain.from_iterable(map(self.get(searcher, "catnames").__getitem__, docs))
            found["category"] = dict(Counter(cats).most_common())
        return found

    def top(self, searcher: Searcher, sort: str, docs: set[int], limit: int) -> list[int]:
        """The first `limit` docs in a sort order, highest first; ties to the doc indexed last.

        A few matches are ranked directly; many (a quarter of the archive or more, as an empty
        query lists) are picked from the whole archive's order, sorted once per searcher."""
        key = self._key(searcher, sort)
        if len(docs) * 4 < len(self.get(searcher, "published")):
            return heapq.nlargest(limit, docs, key=key)
        if sort not in self.orders:
            self.orders[sort] = array(
                "i", sorted(range(len(self.columns["published"])), key=key, reverse=True)
            )
        return list(islice((d for d in self.orders[sort] if d in docs), limit))

    def _key(self, searcher: Searcher, sort: str):
        names = SORT_COLUMNS[sort]
        cols = [self.get(searcher, name) for name in names]
        if len(cols) == 1:
            (first,), empty = cols, EMPTY.get(names[0], "")
            return lambda d: (first[d] or empty, d)
        (first, second), (e1, e2) = cols, (EMPTY.get(n, "") for n in names)
        return lambda d: (first[d] or e1, second[d] or e2, d)
