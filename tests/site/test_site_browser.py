"""In headless Chromium: axe-core finds no serious or critical violation on any page kind, in
light and dark mode; hostile text never executes; search works over http and from file://."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import ROOT, need
from sitefix import demo_site, page_kinds, sharded_site, sites

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
    assert failed == []
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
        "document.querySelector('#search-results li').textContent.includes('Proof')"
    )
    page.context.close()
