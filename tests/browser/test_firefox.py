"""The popup (its card, desk, Saved, While you were away and For you), and the archive site's
search page served by `paperboy serve`, in Firefox ESR, driven through its built-in WebDriver BiDi
(no geckodriver)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from helpers import wait_for_json

from browser import pages
from browser.conftest import EXTENSION, LONGLIVE, artifact, free_port
from browser.test_tabs_chromium import because

CARD_TITLE = "document.querySelector('.card h2')?.textContent"
STATUS = "document.querySelector('#status:not([hidden]):not([data-kind=loading])')?.dataset.kind"


def test_card_with_trend_badges(firefox):
    firefox.goto(f"{firefox.base}/popup.html?url=" + quote("https://arxiv.org/pdf/2408.90001v1"))
    assert firefox.wait_for(CARD_TITLE) == "Sparse Lattice Transformers for Long-Context Reasoning"
    badges = firefox.evaluate("[...document.querySelectorAll('.badge')].map((b) => b.textContent)")
    assert "HF daily #4 \u00b7 2024-08-05 \u00b7 60\u25b2" in badges
    assert firefox.evaluate("document.querySelectorAll('.spark polyline').length") == 1
    links = firefox.evaluate("[...document.querySelectorAll('.links a')].map((a) => a.href)")
    assert links[:2] == ["https://arxiv.org/abs/2408.90001", "https://arxiv.org/pdf/2408.90001"]
    firefox.wait_for("document.querySelector('.similar-note').textContent === ''")
    firefox.screenshot(artifact("firefox-card.png"))


def test_card_signals_and_local_thumbnail(firefox, paperboy, signals_server):
    # LongLive-2.0 on a server of its own: Hugging Face's signals, and the server's thumbnail
    own = json.dumps({"serverUrl": signals_server.base, "token": signals_server.token})
    firefox.goto(f"{firefox.base}/options.html")
    firefox.evaluate(f"browser.storage.local.set({own})")
    try:
        firefox.goto(f"{firefox.base}/popup.html?url=" + quote(f"https://arxiv.org/abs/{LONGLIVE}"))
        assert firefox.wait_for(CARD_TITLE).startswith("LongLive-2.0")
        line = firefox.evaluate("document.querySelector('.signal-line').textContent")
        assert line == "NVIDIA \u00b7 \u2605 1,221 GitHub stars \u00b7 1 comment"
        label = firefox.evaluate("document.querySelector('.hf-summary h3').textContent")
        assert label == "Hugging Face's summary"
        assert firefox.wait_for("document.querySelector('img.thumb')?.naturalWidth") == 160
        src = firefox.evaluate("document.querySelector('img.thumb').src")
        assert src.startswith("blob:moz-extension://")
        firefox.screenshot(artifact("firefox-longlive.png"))
    finally:
        back = json.dumps({"serverUrl": paperboy.base, "token": paperboy.token})
        firefox.evaluate(f"browser.storage.local.set({back})")


def test_page_in_a_tab_found_by_a_port_free_pattern(firefox, site):
    # in Firefox a tabs.query URL pattern must not carry a port; the page is read from the tab
    page = f"{site}/abs/2408.90003"
    firefox.goto(f"{firefox.base}/popup.html?url=x")
    opened = firefox.evaluate(f"browser.tabs.create({{ url: {json.dumps(page)}, active: false }})")
    firefox.wait_for(
        f"browser.tabs.get({opened['id']})"
        f".then((tab) => tab.status === 'complete' && tab.url === {json.dumps(page)})"
    )
    tabs = firefox.evaluate("browser.tabs.query({ url: 'http://127.0.0.1/*' })")
    tab = next(t for t in tabs if t["url"] == page)
    firefox.goto(f"{firefox.base}/popup.html?tab={tab['id']}")
    assert firefox.wait_for(CARD_TITLE) == "Self-Correcting Agents with Verifier Feedback"
    firefox.evaluate(f"browser.tabs.remove({tab['id']})")


def test_server_down_in_words(firefox, paperboy):
    down = f"http://127.0.0.1:{free_port()}"
    firefox.goto(f"{firefox.base}/options.html")
    firefox.evaluate(f"browser.storage.local.set({{ serverUrl: {json.dumps(down)} }})")
    try:
        firefox.goto(f"{firefox.base}/popup.html?url=" + quote("https://arxiv.org/abs/2408.90003"))
        assert firefox.wait_for(STATUS) == "error-offline"
        text = firefox.evaluate("document.querySelector('#status').textContent")
        assert f"Paperboy is not running at {down}." in text
        assert "Start it with `paperboy serve`" in text
        assert "NetworkError" not in text and "Failed to fetch" not in text
        firefox.screenshot(artifact("firefox-server-down.png"))
    finally:
        firefox.evaluate(f"browser.storage.local.set({{ serverUrl: {json.dumps(paperboy.base)} }})")


def test_settings_live_in_storage_local(firefox, paperboy):
    firefox.goto(f"{firefox.base}/options.html")
    assert firefox.wait_for("document.querySelector('#token').value") == paperboy.token
    assert firefox.evaluate("browser.storage.local.get('token')") == {"token": paperboy.token}
    assert firefox.evaluate("browser.storage.sync.get(null)") == {}


def test_served_search_page_answers_as_the_api(firefox, served_site):
    for q in ("author:Okafor", "retrieval"):
        expected = wait_for_json(f"{served_site}/api/search?{urlencode({'q': q})}")["data"]
        firefox.goto(f"{served_site}/search.html?{urlencode({'q': q})}")
        firefox.wait_for("!!document.querySelector('#search-results li')")
        said = firefox.evaluate("document.querySelector('#search-results p').textContent")
        assert said.startswith(f"{expected['total']} result"), (q, said)
        links = firefox.evaluate(
            "[...document.querySelectorAll('#search-results li > a')].map((a) => a.href)"
        )
        assert links == [f"{served_site}/{h['site_page']}" for h in expected["hits"]], q


def test_all_results_opens_the_served_search_page(firefox, paperboy):
    query = 'author:"Ada Moreau" lattice'
    firefox.goto(f"{firefox.base}/popup.html?url=x&q=" + quote(query))
    firefox.wait_for("!!document.querySelector('#results .row')")
    firefox.evaluate("document.getElementById('all-results').click()")
    opened = firefox.wait_for(
        "browser.tabs.query({ url: 'http://127.0.0.1/*' })"
        ".then((tabs) => tabs.find((t) => (t.url || '').includes('/search.html')))"
    )
    firefox.evaluate(f"browser.tabs.remove({opened['id']})")
    url = urlsplit(opened["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{paperboy.base}/search.html"
    assert parse_qs(url.query) == {"q": [query]}


DESK_READY = "document.querySelector('.card .save:not([disabled])')?.getAttribute('aria-pressed')"
DESK_SAID = "document.querySelector('.card .desk-status')?.textContent"


def desk_entry(paperboy, pid: str) -> dict:
    return paperboy.call("GET", f"/api/papers/{pid}/desk")[1]["data"]


def test_save_tag_read_by_key_and_the_saved_tab(firefox, paperboy):
    pid = "2407.96005"
    path = f"/api/papers/{pid}/desk"
    blank = {"saved": False, "read": False, "remove_tags": desk_entry(paperboy, pid)["tags"]}
    assert paperboy.call("POST", path, blank)[0] == 200
    try:
        firefox.goto(f"{firefox.base}/popup.html?url=" + quote(f"https://arxiv.org/abs/{pid}"))
        assert firefox.wait_for(DESK_READY) == "false"
        firefox.evaluate("document.querySelector('.card .save').click()")
        firefox.wait_for(f"{DESK_SAID} === 'Saved to your library'")
        assert firefox.evaluate(DESK_READY) == "true"
        firefox.evaluate(
            """(() => {
                 document.querySelector('.card .tag-input').value = 'firefox tag';
                 document.querySelector('.card .add-tag').click();
               })()"""
        )
        firefox.wait_for(f"{DESK_SAID} === 'Tagged firefox tag'")
        entry = desk_entry(paperboy, pid)
        assert entry["saved_at"] and entry["tags"] == ["firefox tag"]
        # a real key press, with the focus out of the search box: r marks it read
        firefox.evaluate("document.querySelector('.card').focus()")
        firefox.press("r")
        firefox.wait_for(f"{DESK_SAID} === 'Marked read'")
        assert desk_entry(paperboy, pid)["read_at"]
        firefox.screenshot(artifact("firefox-desk.png"))

        desk = paperboy.call("GET", "/api/desk")[1]["data"]["papers"]
        firefox.goto(f"{firefox.base}/popup.html?url=x")
        firefox.evaluate("document.getElementById('tab-saved').click()")
        rows = "[...document.querySelectorAll('#saved-list .row')].map((row) => row.dataset.id)"
        ids = firefox.wait_for(f"(() => {{ const ids = {rows}; return ids.length && ids; }})()")
        assert ids == [e["id"] for e in desk]
        firefox.evaluate(
            """(() => {
                 const box = document.getElementById('saved-filter');
                 box.value = 'FIREFOX';
                 box.dispatchEvent(new Event('input'));
               })()"""
        )
        assert firefox.evaluate(rows) == [pid]
        firefox.screenshot(artifact("firefox-saved-tab.png"))
        firefox.evaluate("document.querySelector('#saved-list .row').click()")
        firefox.wait_for(f"document.querySelector('.card-meta')?.textContent.includes('{pid}')")
    finally:
        assert paperboy.call("POST", path, {**blank, "remove_tags": ["firefox tag"]})[0] == 200


@pytest.fixture
def own_settings(firefox, own_paperboy, paperboy):
    """A server of its own for the test (the day seen only moves forward), set in the extension,
    and the shared server's settings back after."""
    server = own_paperboy()

    def point(at):
        values = json.dumps({"serverUrl": at.base, "token": at.token})
        firefox.goto(f"{firefox.base}/options.html")
        firefox.evaluate(f"browser.storage.local.set({values})")

    point(server)
    yield server
    point(paperboy)


ROW_IDS = "[...document.querySelectorAll('#{list} .row')].map((row) => row.dataset.id)"


def wait_rows(firefox, list_id: str) -> list[str]:
    rows = ROW_IDS.format(list=list_id)
    return firefox.wait_for(f"(() => {{ const ids = {rows}; return ids.length && ids; }})()")


def test_trending_opens_on_while_you_were_away(firefox, own_settings):
    server = own_settings
    server.ingest(*pages.listing_on("2024-08-06", "2408.951"))
    assert server.call("POST", "/api/catchup/seen", {"day": "2024-08-02"})[0] == 200
    caught = server.call("GET", "/api/catchup?limit=30")[1]["data"]
    assert not caught["caught_up"] and caught["papers"]
    firefox.goto(f"{firefox.base}/popup.html?url=x")
    unseen = "document.getElementById('trending-unseen')"
    assert firefox.wait_for(f"!{unseen}.hidden && {unseen}.textContent") == str(caught["total"])
    firefox.evaluate("document.getElementById('tab-trending').click()")
    assert wait_rows(firefox, "catchup-list") == [p["id"] for p in caught["papers"]]
    heading = firefox.evaluate("document.getElementById('catchup-heading').textContent")
    assert heading == caught["heading"]
    assert firefox.evaluate("document.getElementById('trend-lists').hidden") is True
    firefox.screenshot(artifact("firefox-catchup.png"))
    firefox.evaluate("document.getElementById('mark-seen').click()")
    firefox.wait_for("document.getElementById('catchup').hidden")
    after = server.call("GET", "/api/catchup")[1]["data"]
    assert after["caught_up"]
    firefox.wait_for(
        f"document.getElementById('catchup-note').textContent === {json.dumps(after['heading'])}"
    )
    day = server.call("GET", "/api/trending?period=day&limit=10")[1]["data"]
    assert wait_rows(firefox, "trend-day") == [p["id"] for p in day["papers"]]


def test_for_you_lists_the_picks(firefox, own_settings):
    server = own_settings
    server.ingest(pages.RELATED_URL, pages.related_papers())
    for pid in ("2407.96001", "2407.96002"):
        body = {"saved": True, "add_tags": ["rag"]}
        assert server.call("POST", f"/api/papers/{pid}/desk", body)[0] == 200
    found = server.call("GET", "/api/recommend?limit=10")[1]["data"]
    assert found["papers"]
    firefox.goto(f"{firefox.base}/popup.html?url=x")
    firefox.evaluate("document.getElementById('tab-foryou').click()")
    assert wait_rows(firefox, "foryou-list") == [p["id"] for p in found["papers"]]
    details = firefox.evaluate(
        "[...document.querySelectorAll('#foryou-list .row .detail')].map((d) => d.textContent)"
    )
    assert details == [because(p) for p in found["papers"]]
    tags = firefox.evaluate("[...document.getElementById('foryou-tag').options].map(o => o.value)")
    assert tags == ["", "rag"]
    firefox.screenshot(artifact("firefox-for-you.png"))


def test_desk_page_saves_by_key(firefox, paperboy, served_site):
    """The desk page served by `paperboy serve`, in Firefox: it gets its session, lists the saved
    papers as the API does, and `j` then `s` saves the first paper of the catch-up."""
    firefox.goto(f"{served_site}/desk")
    firefox.wait_for("!!document.querySelector('#desk:not([hidden]) #desk-catchup .desk-item')")
    assert firefox.evaluate("document.getElementById('desk-note').hidden") is True
    pid = firefox.evaluate("document.querySelector('#desk-catchup .desk-item').dataset.id")
    path = f"/api/papers/{pid}/desk"
    assert paperboy.call("POST", path, {"saved": False})[0] == 200
    try:
        firefox.press("j")
        assert firefox.evaluate("document.querySelector('.desk-item.selected').dataset.id") == pid
        firefox.press("s")
        firefox.wait_for("document.querySelector('.desk-status')?.textContent === 'Saved'")
        assert desk_entry(paperboy, pid)["saved_at"]
        saved = [e["id"] for e in paperboy.call("GET", "/api/desk")[1]["data"]["papers"]]
        shown = "[...document.querySelectorAll('#desk-saved .desk-item')].map((r) => r.dataset.id)"
        firefox.wait_for(f"JSON.stringify({shown}) === {json.dumps(json.dumps(saved))}")
        firefox.screenshot(artifact("firefox-desk-page.png"))
    finally:
        assert paperboy.call("POST", path, {"saved": False})[0] == 200


def test_remember_the_papers_i_open_asks_at_the_click(firefox, paperboy):
    """Firefox grants optional permissions without a prompt here (a test profile's pref), so the
    whole option runs: the sites are asked for at the click, held while it is on, given back
    when it is turned off; the count and Clear speak to the server's list."""
    origins = json.dumps(
        json.loads((EXTENSION / "manifest.json").read_text())["optional_host_permissions"]
    )
    held = f"browser.permissions.contains({{ origins: {origins} }})"
    remember = "document.getElementById('remember')"
    firefox.goto(f"{firefox.base}/options.html")
    firefox.wait_for("document.getElementById('viewedCount').textContent")
    assert firefox.evaluate(f"{remember}.checked") is False and firefox.evaluate(held) is False
    assert firefox.evaluate("browser.storage.local.get('rememberViewed')") == {}
    firefox.click("#remember")
    firefox.wait_for("browser.storage.local.get('rememberViewed').then((s) => s.rememberViewed)")
    assert firefox.evaluate(held) is True and firefox.evaluate(f"{remember}.checked") is True
    status, _ = paperboy.call("POST", "/api/viewed", {"url": "https://arxiv.org/abs/2408.90003"})
    assert status == 201
    firefox.goto(f"{firefox.base}/options.html")
    firefox.wait_for(f"{remember}.checked")
    firefox.wait_for("document.getElementById('viewedCount').textContent.includes('1 paper.')")
    firefox.click("#remember")  # off
    firefox.wait_for(
        "browser.storage.local.get('rememberViewed').then((s) => s.rememberViewed === false)"
    )
    assert firefox.evaluate(held) is False
    firefox.click("#clearViewed")
    firefox.wait_for(
        "document.getElementById('viewedCount').textContent === 'Cleared: 1 paper forgotten.'"
    )
    assert paperboy.call("GET", "/api/viewed")[1]["data"]["papers"] == []
