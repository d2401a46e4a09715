"""Columns read per segment: sorted orders equal whoosh's, facets count, segments are reused."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query, sorting

from server.index.columns import SORT_COLUMNS, FacetColumns
from server.index.schema import make_schema

DAYS = ["", "2024-01-05", "2024-01-05", "2024-02-10", "2023-12-31"]  # "" and ties on purpose


def _doc(rng: random.Random, n: int) -> dict[str, object]:
    doc = {
        "id": f"p{n}",
        "title": rng.choice(["graph", "graph model", "diffusion"]),
        "published": rng.choice(DAYS),
        "last_trended": rng.choice(DAYS),
        "catnames": rng.choice([b"cs.LG", b"cs.CL stat.ML"]),
    }
    if rng.random() < 0.8:  # some papers have no upvotes at all
        doc["upvotes"] = rng.choice([0, 3, 3, 17])
    return doc


def _add_segment(ix, rng: random.Random, start: int, count: int) -> None:
    writer = ix.writer()
    for n in range(start, start + count):
        writer.add_document(**_doc(rng, n))
    writer.commit(merge=False)


@pytest.fixture
def ix(tmp_path: Path):
    """A real index of two segments, with a deletion in the first."""
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    rng = random.Random(11)
    _add_segment(ix, rng, 0, 200)
    _add_segment(ix, rng, 200, 150)
    writer = ix.writer()
    writer.delete_by_term("id", "p7")
    writer.commit(merge=False)
    return ix


@pytest.mark.parametrize("sort", sorted(SORT_COLUMNS))
@pytest.mark.parametrize("text", ["graph", "diffusion", "few", None])
def test_sorted_order_equals_whooshs(ix, sort: str, text: str | None) -> None:
    """Many matches (picked from the archive's order) and few (ranked directly) alike."""
    few = query.Or([query.Term("id", f"p{n}") for n in range(0, 350, 9)])
    q = few if text == "few" else query.Term("title", text) if text else query.Every()
    with ix.searcher() as s:
        docs = set(q.docs(s))
        facet = sorting.MultiFacet([sorting.FieldFacet(n) for n in SORT_COLUMNS[sort]])
        expected = [h.docnum for h in s.search(q, limit=40, sortedby=facet, reverse=True)]
        assert FacetColumns().top(s, sort, docs, 40) == expected


def test_facets_count_months_and_categories(ix) -> None:
    with ix.searcher() as s:
        docs = set(query.Term("title", "graph").docs(s))
        published = list(s.reader().column_reader("published"))
        cats = list(s.reader().column_reader("catnames"))
        counts = FacetColumns().count(s, docs)
        only_months = FacetColumns().count(s, docs, ("month",))
    months = Counter(published[d][:7] for d in docs if published[d])
    assert counts["month"] == dict(sorted(months.items())) and len(months) == 3
    assert counts["category"] == dict(Counter(c for d in docs for c in cats[d].decode().split()))
    assert counts["category"]["cs.CL"] == counts["category"]["stat.ML"] > 0
    assert only_months == {"month": counts["month"]}


def test_a_new_segment_is_read_alone_and_merged_ones_are_dropped(ix) -> None:
    columns = FacetColumns()
    with ix.searcher() as s:
        before = columns.get(s, "published")
        cached = dict(columns.segments._cache)
    _add_segment(ix, random.Random(3), 350, 10)
    with ix.searcher() as s:
        after = columns.get(s, "published")
        assert after[: len(before)] == before and len(after) == len(before) + 10
        assert all(columns.segments._cache[k] is v for k, v in cached.items())  # not re-read
    ix.optimize()  # one merged segment: the old ones leave the cache
    with ix.searcher() as s:
        merged = columns.get(s, "published")
        assert len(merged) == 359  # the deleted doc is gone after the merge
        assert len(columns.segments._cache) == 1
