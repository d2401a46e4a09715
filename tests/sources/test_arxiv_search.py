"""arxiv_search: our hand-made search page in arXiv's result markup, paging, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.sources import arxiv_search
from server.sources.errors import ParseError

DEMO = Path(__file__).resolve().parents[2] / "server" / "demo" / "arxiv-search-reward.html"
URL = "https://arxiv.org/search/?query=reward&searchtype=all"


def _page() -> str:
    return DEMO.read_text(encoding="utf-8")


def test_demo_search_page():
    listing = arxiv_search.parse(_page(), URL)
    assert (listing.kind, listing.url, listing.total, listing.next_url) == (
        "arxiv-search",
        URL,
        2,
        None,
    )
    assert listing.problems == [] and listing.appearances == []
    reward, agents = listing.papers
    assert reward.id == "2408.90007" and reward.version is None
    assert reward.title == "Robust Reward Models under Distribution Shift"
    assert reward.authors == ["Hannah Schulz", "Ravi Patel"]
    assert reward.abstract == (
        "Reward models trained on one distribution of prompts degrade sharply on another. We "
        "propose an ensemble with a shift-aware uncertainty penalty and show it reduces reward "
        "hacking in RLHF across three shift scenarios."
    )
    assert reward.categories == ["cs.LG", "cs.AI"]
    assert reward.doi == "10.5555/rra.2024.0007"
    assert (reward.published, reward.updated) == ("2024-08-01", "2024-08-09")
    assert reward.journal_ref == "Proceedings of the Workshop on Robust Alignment, 2024"
    assert reward.comments is None
    assert agents.id == "2408.90003"
    assert agents.authors == ["Marcus Chen", "Ife Okafor", "Sara Lind"]
    assert agents.categories == ["cs.AI"] and agents.doi is None
    assert agents.comments == "22 pages; the verifier doubles as a process reward model"
    assert (agents.published, agents.updated) == ("2024-08-01", "2024-08-05")


def test_detection():
    assert arxiv_search.matches(_page(), None)
    assert arxiv_search.matches("", "https://arxiv.org/search/advanced?terms-0-term=x")
    assert not arxiv_search.matches(
        "<html><p>arXiv listing</p></html>", "https://arxiv.org/list/cs/new"
    )


def _paged(href: str, extra: str = "") -> str:
    nav = (
        f'<nav class="pagination is-small is-centered breathe-horizontal">'
        f'<a href="" class="pagination-previous is-invisible">Previous</a>'
        f'<a href="{href}" class="pagination-next" {extra}>Next</a></nav>'
    )
    page = _page().replace("Showing 1&ndash;2 of 2 results", "Showing 1&ndash;50 of 77,800 results")
    return page.replace('<ol class="breathe-horizontal"', nav + '<ol class="breathe-horizontal"')


def test_total_and_next_page_link():
    listing = arxiv_search.parse(
        _paged("/search/?query=reward&amp;searchtype=all&amp;start=50"), URL
    )
    assert listing.total == 77800
    assert listing.next_url == "https://arxiv.org/search/?query=reward&searchtype=all&start=50"


def test_next_link_is_absolute_for_saved_files_too():
    listing = arxiv_search.parse(_paged("/search/?query=x&amp;start=50"), "file:///tmp/s.html")
    assert listing.next_url == "https://arxiv.org/search/?query=x&start=50"


@pytest.mark.parametrize("extra", ['disabled="true"', ""])
def test_no_next_page_on_the_last_or_capped_page(extra):
    href = "" if not extra else "/search/?query=x&amp;start=10000"
    assert arxiv_search.parse(_paged(href, extra), URL).next_url is None


def test_result_without_id_or_title_is_skipped():
    page = _page().replace(
        '<a href="https://arxiv.org/abs/2408.90007">arXiv:2408.90007</a>',
        '<a href="https://arxiv.org/help">help</a>',
    )
    page = page.replace("Self-Correcting Agents with Verifier Feedback", "")
    listing = arxiv_search.parse(page, URL)
    assert listing.papers == []
    assert [p.item for p in listing.problems] == ["result 1", "2408.90003"]
    assert listing.problems[1].reason == "result has no title"


def test_duplicate_result_keeps_the_first():
    page = _page().replace(
        'arxiv.org/abs/2408.90003">arXiv:2408.90003', 'arxiv.org/abs/2408.90007">arXiv:2408.90007'
    )
    listing = arxiv_search.parse(page, URL)
    assert [p.id for p in listing.papers] == ["2408.90007"]
    assert [(p.item, p.reason) for p in listing.problems] == [
        ("result 2", "duplicate id 2408.90007")
    ]


def test_no_results_page_is_empty():
    page = (
        '<html><body><h1 class="title is-clearfix">Search</h1><p class="is-size-4 '
        'has-text-warning">Sorry, your query for all: zzzz produced no results.</p></body></html>'
    )
    listing = arxiv_search.parse(page, URL)
    assert (listing.papers, listing.total, listing.problems) == ([], 0, [])


def test_wrong_shape_is_a_parse_error():
    with pytest.raises(ParseError, match="no arXiv search results"):
        arxiv_search.parse("<html><body>nothing here</body></html>", URL)


def test_truncated_page_degrades():
    text = _page()
    for cut in range(0, len(text), max(1, len(text) // 40)):
        try:
            listing = arxiv_search.parse(text[:cut], URL)
        except ParseError:
            continue
        assert all(p.title and p.id for p in listing.papers)
