"""Every page is parsed within a time and memory budget; JSON's cost is known before it is read."""

from __future__ import annotations

import json
import multiprocessing
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from server import sources
from server.sources import budget
from server.sources.budget import BudgetExceeded

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
META = Path(__file__).resolve().parent.parent / "fixtures" / "meta" / "acl.html"
PAGES = sorted(p for p in DEMO.iterdir() if p.is_file()) + [META]


def test_the_pages_cover_every_parser():
    kinds = {sources.parse(p.read_text(encoding="utf-8")).kind for p in PAGES}
    assert kinds == {m.KIND for m in sources.PARSERS}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_parser_stops_at_the_deadline_and_names_the_page(path):
    with pytest.raises(BudgetExceeded) as caught:
        sources.parse(path.read_text(encoding="utf-8"), page="demo page X", seconds=0)
    assert str(caught.value) == (
        "demo page X: parsing stopped after 0 s, the time budget for one page"
    )


@pytest.mark.parametrize(
    "page",
    [
        '<html><head><meta name="citation_title" content="T"></head><body>' + "<br>" * 400_000,
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv</title>'
        + "<entry/>" * 400_000
        + "</feed>",
        json.dumps([{"paper": {"id": "2412.00001", "title": "t"}}] + [[]] * 400_000),
    ],
    ids=["html", "xml", "json"],
)
def test_a_page_over_the_memory_budget_stops_with_an_error_naming_it(page):
    # in a fresh process, as pages are parsed in the server's workers: the allowance is counted
    # in resident memory, which a long test run's freed heap would absorb without growing
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        message = pool.submit(_over_budget, page).result(timeout=120)
    assert message.startswith("https://x.test/page: parsing needs more than 8 MB")
    assert message.endswith("the memory budget for one page")


def _over_budget(page: str) -> str:
    """The BudgetExceeded message of parsing the page with 8 MB ('' when none was raised)."""
    try:
        sources.parse(page, "https://x.test/page", memory_mb=8)
    except BudgetExceeded as exc:
        return str(exc)
    return ""


def test_the_largest_real_page_parses_within_the_default_budget(corpus):
    path = corpus / "bulk" / "arxiv-oai-pmh-cs-2016_shishir167" / "53.xml"
    listing = sources.parse(path.read_text(encoding="utf-8"), path.as_uri())
    assert len(listing.papers) == 1000


SHAPES = {
    "empty lists": "[" + "[], " * 50_000 + "[]]",
    "nested lists": "[" + "[[]], " * 50_000 + "[]]",
    "small objects": "[" + '{"": 0}, ' * 50_000 + "{}]",
    "floats": "[" + "0.5, " * 50_000 + "0]",
    "short strings": "[" + '"ab", ' * 50_000 + '""]',
    "escaped strings": "[" + '"\\ud83d\\ude00", ' * 50_000 + '""]',
    "many keys": "{" + ", ".join(f'"k{i}": {i}' for i in range(50_000)) + "}",
    "big ints": "[" + ", ".join(["9" * 4000] * 50) + "]",
    "one long string": json.dumps("x, [{" * 50_000),
}


@pytest.mark.parametrize("text", SHAPES.values(), ids=SHAPES.keys())
def test_json_cost_is_an_upper_bound_on_what_the_json_parser_keeps(text):
    tracemalloc.start()
    try:
        value = json.loads(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert value is not None
    tight = budget.json_cost(text, budget.json_structure(text))
    assert peak <= tight <= budget.json_cost(text)


def test_checks_do_nothing_outside_a_budget():
    budget.check(cost=1 << 40)  # no page is being parsed: nothing to stop
