"""`cat:` says when it cannot answer: papers without categories (imported from Hugging Face)
are invisible to it, and a search narrowed by category says how many and what fills them."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.index import SearchIndex, make_index
from server.models import Listing, Paper
from server.store import Store

PAPERS = [
    Paper("2401.00001", "Vision transformers", "Images as patches.", categories=["cs.CV"]),
    Paper("2401.00002", "Language models", "Words as tokens.", categories=["cs.CL"]),
    Paper("2401.00003", "Vision from Hugging Face", "Patches again, with no categories."),
    Paper("2401.00004", "Another uncategorised one", "Also from Hugging Face."),
]


@pytest.fixture
def idx(tmp_path: Path, engine: str):
    """An index over two papers with categories and two without, on each engine."""
    with Store(tmp_path / "papers.sqlite3") as store:
        store.ingest(Listing("text", papers=PAPERS))
        index = make_index(tmp_path / "index", engine=engine)
        index.rebuild(store)
    yield index
    index.close()


@pytest.mark.parametrize(
    ("q", "cat"), [("cat:cs.CV", None), ("vision cat:cs.cv", None), ("vision", "cs.CV")]
)
def test_a_category_search_says_how_many_papers_it_cannot_see(idx: SearchIndex, q, cat):
    result = idx.search(q, cat=cat)
    assert [h.id for h in result.hits] == ["2401.00001"]
    assert result.notes == [
        "2 papers have no arXiv categories, so cat: cannot find them: `paperboy enrich` asks "
        "the arXiv API for them"
    ]


def test_a_search_without_categories_has_no_such_note(idx: SearchIndex):
    assert idx.search("vision").notes == []
