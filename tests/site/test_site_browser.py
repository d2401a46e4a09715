"""In headless Chromium: axe-core finds no serious or critical violation on any page kind, in
light and dark mode; hostile text never executes; search works over http and from file://;
served by `paperboy serve`, the search page answers as /api/search does."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from conftest import ROOT, need
from helpers import serving, wait_for_json
from sitefix import BULK_DAYS, bulk_site, demo_site, page_kinds, sharded_site, sites

CHROMIUM = Path("/usr/lib/chromium/chromium")
AXE = ROOT / "tests" / "site" / ".cache" / "node_modules" / "axe-core" / "axe.min.js"
HOOK = (
    "window.__xss = undefined; window.alert = window.confirm = window.prompt = "
    "() => { window.__xss = 'dialog'; };"
)


@pytest.fixture(scope="module")
def browse():
    """Runs check(browser) with a fresh headless Chromium, in a thread of its own: Playwright's
    sync API refuses a thread where an asyncio loop already runs (another suite's may)."""
    need(CHROMIUM.is_file(), f"chromium is absent at {CHROMIUM}")
    need(AXE.is_file(), f"axe-core is absent: npm install --prefix {AXE.parents[2]} axe-core")
    sync_api = pytest.importorskip("playwright.sync_api")

    def run(check) -> None:
        failures: list[BaseException] = []

        def target():
            try:
                with sync_api.sync_playwright() as pw:
                    browser = pw.chromium.launch(
                        executable_path=str(CHROMIUM),
                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                    )
                    try:
                        check(browser)
                    finally:
                        browser.close()
            except BaseException as exc:  # re-raised in the test's own thread
                failures.append(exc)

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if failures:
            raise failures[0]

    return run


@pytest.fixture(scope="module")
def served():
    """The demo site over HTTP on 127.0.0.1, under a subpath (/pb/)."""
    yield from _serve(demo_site())


@pytest.fixture(scope="module")
def served_shards():
    """The demo site built with Pagefind in shards, over HTTP under /pb/."""
    yield from _serve(sharded_site()[0])


@pytest.fixture(scope="module")
def api_served():
    """The demo site and the API from one real `paperboy serve` (the site at /)."""
    site = demo_site()
    with serving(site.parent / "data", site_dir=str(site)) as base:
        yield base + "/"


def _serve(site: Path):
    handler = functools.partial(_Quiet, directory=str(site.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    (site.parent / "pb").symlink_to(site, target_is_directory=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/pb/"
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _page(browser, scheme: str = "light"):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1000, "height": 800})
    context.add_init_script(HOOK)
    return context.new_page()


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_violations(browse):
    browse(_axe_every_kind)


def _axe_every_kind(browser):
    for scheme in ("light", "dark"):
        page = _page(browser, scheme)
        for site in sites():
            for kind, path in page_kinds(site).items():
                page.goto(path.as_uri())
                assert _axe(page) == [], (scheme, kind, path)
        page.context.close()


def test_hostile_pages_run_no_script(browse, served):
    browse(functools.partial(_no_script_runs, served=served))


def _no_script_runs(browser, served):
    page = _page(browser)
    site = demo_site()
    paths = [*sorted((site / "day").glob("*.html")), *sorted(site.glob("paper/2408.99*.html"))]
    paths += [site / "index.html", *sorted(site.glob("topic/*.html"))]
    for path in paths:
        page.goto(path.as_uri())
        assert page.evaluate("window.__xss") is None, path
    for q in ("script", "img onerror", "javascript", "<img src=x onerror=window.__xss=1>"):
        for base in (served, site.as_uri() + "/"):
            page.goto(base + "search.html?q=" + q)
            page.wait_for_selector("#search-results p")
            assert page.evaluate("window.__xss") is None, (base, q)
    page.context.close()


def _results(page) -> list[str]:
    page.wait_for_selector("#search-results li", timeout=15000)
    return page.eval_on_selector_all("#search-results li", "els => els.map(e => e.innerHTML)")


def test_search_with_pagefind_over_http_under_a_subpath(browse, served):
    browse(functools.partial(_pagefind_search, served=served))


def _pagefind_search(browser, served):
    page = _page(browser)
    failed = []  # every file the search asks for exists (once: pagefind/shards.json was a 404)
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(served + "search.html?q=retrieval")
    items = _results(page)
    assert "full text" in page.inner_text("#search-results p")
    assert failed == [served + "api/health"]  # the probe for `paperboy serve`, and nothing else
    assert "needs JavaScript" not in page.inner_text("main")  # said only without it
    assert any("<mark>" in i for i in items)
    with page.expect_navigation() as went:
        page.click("#search-results li a")
    assert went.value.ok, page.url  # the result's page exists (no doubled /pb/pb/)
    assert page.url.startswith(served) and page.url.endswith(".html")
    page.context.close()


def test_search_merges_every_pagefind_shard(browse, served_shards):
    browse(functools.partial(_sharded_search, served=served_shards))


def _sharded_search(browser, served):
    """The last paper page is only in the last shard (its title is on a day page too, which is
    in the first): the search must find the paper page itself."""
    site = sharded_site()[0]
    last = sorted((site / "paper").glob("*.html"))[-1]
    title = (site / "paper" / f"{last.stem}.md").read_text().splitlines()[0].lstrip("# ")
    page = _page(browser)
    page.goto(served + "search.html?q=" + quote(title))
    _results(page)
    assert "full text" in page.inner_text("#search-results p")
    links = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
    assert served + f"paper/{last.name}" in links, (title, links)
    page.context.close()


def test_search_falls_back_to_the_json_index_from_file(browse):
    browse(_fallback_search)


def _fallback_search(browser):
    page = _page(browser)
    page.goto((demo_site() / "search.html").as_uri() + "?q=lattice")
    items = _results(page)
    assert "titles and authors" in page.inner_text("#search-results p")
    assert "<mark>Lattice</mark>" in items[0]
    page.fill("#q", "proof repair")
    page.press("#q", "Enter")
    page.wait_for_function(
        "document.querySelector('#search-results li')?.textContent.includes('Proof')"
    )
    page.context.close()


def _api(base: str, q: str, **params) -> dict:
    """What /api/search answers for a query (every hit: per_page 100)."""
    query = urlencode({"q": q, "per_page": 100, **params})
    return wait_for_json(f"{base}api/search?{query}")["data"]


def _total(page) -> int:
    """The number of results the search page says it found."""
    said = page.inner_text("#search-results p")
    found = re.search(r"([0-9][0-9,]*) results?\b", said)
    assert found, said
    return int(found[1].replace(",", ""))


def _every_page(page) -> list[tuple[str, str]]:
    """(link, title text) of every result, following the pager's Next to the last page."""
    found: list[tuple[str, str]] = []
    while True:
        page.wait_for_selector("#search-results li > a", timeout=15000)
        pairs = page.eval_on_selector_all(
            "#search-results li > a", "els => els.map(e => [e.href, e.textContent])"
        )
        found += [tuple(pair) for pair in pairs]
        following = page.query_selector("#search-pages a[rel=next]")
        if following is None:
            return found
        assert len(found) < 2000, "the pager never ends"
        with page.expect_navigation():
            following.click()


def test_served_search_pages_through_what_the_api_finds(browse, api_served):
    browse(functools.partial(_same_as_api, base=api_served))


def _same_as_api(browser, base):
    """Every hostile paper has "title" in its title: more than two pages, each title a payload
    that must show as the very text the API gives (never parsed as markup)."""
    page = _page(browser)
    expected = _api(base, "title")
    assert 40 < expected["total"] == len(expected["hits"])
    page.goto(base + "search.html?q=title")
    page.wait_for_selector("#search-results li")
    assert _total(page) == expected["total"]
    shown = _every_page(page)
    assert shown == [(base + h["site_page"], h["title"]) for h in expected["hits"]]
    assert page.evaluate("window.__xss") is None
    assert page.query_selector("#search-results mark") is not None  # the API's highlights
    with page.expect_navigation() as went:
        page.click("#search-results li > a")
    assert went.value.ok, page.url
    page.context.close()


def test_served_search_speaks_the_query_language(browse, api_served):
    browse(functools.partial(_query_language, base=api_served))


def _query_language(browser, base):
    page = _page(browser)
    for q in ('author:"Author 7"', "title:weather", "cat:cs.IR"):
        expected = _api(base, q)
        assert expected["total"] >= 1, q
        page.goto(base + "search.html?" + urlencode({"q": q}))
        page.wait_for_selector("#search-results li")
        assert _total(page) == expected["total"], q
        links = page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.href)")
        assert links == [base + h["site_page"] for h in expected["hits"]], q
    assert "paperboy serve" not in page.inner_text("main")  # the notice is the fallback's
    page.context.close()


def test_served_search_sorts_filters_and_suggests(browse, api_served):
    browse(functools.partial(_sorts_and_dates, base=api_served))


def _sorts_and_dates(browser, base):
    page = _page(browser)
    every = "date:[1990-01-01 to 2100-01-01]"
    page.goto(base + "search.html?" + urlencode({"q": every, "sort": "upvotes"}))
    page.wait_for_selector("#search-results li")
    expected = _api(base, every, sort="upvotes")
    links = page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.href)")
    assert links == [base + h["site_page"] for h in expected["hits"][: len(links)]]
    assert page.input_value("#sort") == "upvotes"
    # the form's sort and dates go to the API as they are
    page.select_option("#sort", "date")
    page.fill("#from", "2024-08-01")
    page.fill("#to", "2024-08-04")
    with page.expect_navigation():
        page.click("#search-form button[type=submit]")
    page.wait_for_selector("#search-results li")
    dated = _api(base, every, sort="date", **{"from": "2024-08-01", "to": "2024-08-04"})
    assert 0 < dated["total"] < expected["total"]
    assert _total(page) == dated["total"]
    assert [link for link, _ in _every_page(page)] == [base + h["site_page"] for h in dated["hits"]]
    # did you mean: the API's suggestion, as a link to its search
    page.goto(base + "search.html?q=abstrct")
    page.wait_for_selector("#search-results a.suggestion")
    assert page.inner_text("#search-results a.suggestion") == "abstract"
    with page.expect_navigation():
        page.click("#search-results a.suggestion")
    page.wait_for_selector("#search-results li")
    assert _total(page) == _api(base, "abstract")["total"]
    # a query the API refuses says why, in words
    page.goto(base + "search.html?" + urlencode({"q": "*"}))
    page.wait_for_function("document.querySelector('#search-results p')?.textContent.includes('*')")
    page.context.close()


def test_file_fallback_pages_through_every_result_and_says_what_needs_the_server(browse):
    browse(_file_fallback_pages)


def _file_fallback_pages(browser):
    page = _page(browser)
    page.goto((demo_site() / "search.html").as_uri() + "?q=title")
    page.wait_for_selector("#search-results li")
    notice = page.inner_text("#search-mode")
    assert "paperboy serve" in notice and "author:" in notice, notice
    total = _total(page)
    shown = _every_page(page)
    assert total > 30 and len(shown) == total == len(set(shown))
    assert page.evaluate("window.__xss") is None
    page.context.close()


def test_pagefind_fallback_pages_through_papers_apart_from_other_pages(browse, served):
    browse(functools.partial(_pagefind_pages, served=served))


def _pagefind_pages(browser, served):
    """The hostile papers' titles hold "title": the papers come first, on their own, every one
    reachable. Pages other than papers are indexed by their heading alone (issue 21): the
    Retrieval topic page is found by "retrieval", in a group of its own after the papers."""
    page = _page(browser)
    page.goto(served + "search.html?q=title")
    page.wait_for_selector("#search-results li")
    assert "paperboy serve" in page.inner_text("#search-mode")
    total = _total(page)
    shown = _every_page(page)
    assert total > 30 and len(shown) == total == len(set(shown))
    assert all(link.startswith(served + "paper/") for link, _ in shown), shown[:3]
    page.goto(served + "search.html?q=retrieval")
    with page.expect_navigation():
        page.click("#search-results a.group")
    page.wait_for_selector("#search-results li")
    others = [link for link, _ in _every_page(page)]
    assert others and not any(link.startswith(served + "paper/") for link in others), others
    assert served + "topic/retrieval-b-b.html" in others, others
    page.context.close()


DAY_HEIGHT = 2500  # issue 20: a day page at 1280 px wide, down from 8,600


def test_day_pages_are_compact_and_every_abstract_one_click_away(browse):
    browse(_compact_days)


def _compact_days(browser):
    """Every day of the bulk days with up to 30 papers (nine days in ten of the corpus have
    fewer) stands under DAY_HEIGHT at 1280 px wide; on each, a click on an entry's summary line
    opens its abstract."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    heights = {}
    for day in BULK_DAYS:
        page.goto((bulk_site() / "day" / f"{day}.html").as_uri())
        entries = page.locator("div.entry")
        heights[day] = (entries.count(), page.evaluate("document.documentElement.scrollHeight"))
        for n in range(entries.count()):
            abstract = entries.nth(n).locator("details > p").first
            assert not abstract.is_visible(), (day, n)
            entries.nth(n).locator("details > summary").click()
            assert abstract.is_visible() and abstract.inner_text().strip(), (day, n)
    print("day page heights at 1280 px (papers, px):", heights)
    assert all(px < DAY_HEIGHT for n, px in heights.values() if n <= 30), heights
    assert heights["2026-05-19"][1] < 1.15 * DAY_HEIGHT, heights  # 36 papers
    page.close()


def test_issue20_pages_pass_axe_and_show_math(browse):
    browse(_issue20_axe)


def _issue20_axe(browser):
    """axe on pages with <details> (closed and open) and MathML, and the MathML has a size."""
    page = _page(browser)
    site = bulk_site()
    for path in (site / "day" / "2026-05-19.html", site / "paper" / "2407.21783.html"):
        page.goto(path.as_uri())
        assert _axe(page) == [], path
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert _axe(page) == [], (path, "open")
    page.goto((demo_site() / "paper" / "2408.99022.html").as_uri())
    box = page.locator("h1 math").first.bounding_box()
    assert box and box["width"] > 10 and box["height"] > 5
    assert _axe(page) == []
    page.context.close()


def test_longlive_screenshots(browse):
    """The top of LongLive-2.0's day page (its entry opened) and of its paper page, at 1280 px
    wide (published to site/screenshots/ with PAPERBOY_UPDATE_SCREENSHOTS=1, where docs/site.md
    shows them)."""
    browse(_longlive_shots)


def _longlive_shots(browser):
    from browser.conftest import artifact, publish

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    site = bulk_site()
    page.goto((site / "day" / "2026-05-19.html").as_uri())
    page.locator("div.entry").first.locator("details > summary").click()
    page.screenshot(path=str(artifact("longlive-day.png")))
    page.goto((site / "paper" / "2605.18739.html").as_uri())
    page.screenshot(path=str(artifact("longlive-paper.png")))
    for name in ("longlive-day.png", "longlive-paper.png"):
        assert artifact(name).stat().st_size > 10_000, name
        publish(artifact(name), f"site/screenshots/{name}")
    page.close()
