"""The real toolbar popup, the badge, the context menu and the options page, in Chromium."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from browser.conftest import artifact, free_port


def wait_for(fn, seconds: float = 10, what: str = "a condition"):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_toolbar_popup_on_a_paper_page_and_the_badge(chrome, site):
    page, tab = chrome.open(f"{site}/abs/2408.90003")
    page.bring_to_front()
    assert chrome.worker.evaluate("chrome.action.openPopup().then(() => 'open')") == "open"
    cdp = chrome.playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{chrome.devtools_port()}")
    try:
        popup_url = f"{chrome.base}/popup.html"
        popup = wait_for(
            lambda: next((p for c in cdp.contexts for p in c.pages if p.url == popup_url), None),
            what="the toolbar popup",
        )
        popup.wait_for_selector(".card h2")
        assert popup.locator(".card h2").text_content() == (
            "Self-Correcting Agents with Verifier Feedback"
        )
        popup.locator("body").screenshot(path=artifact("chromium-toolbar-popup.png"))
    finally:
        cdp.close()
    # the popup told the worker; the tab's badge shows the paper's best trend rank
    badge = wait_for(
        lambda: chrome.worker.evaluate("(id) => chrome.action.getBadgeText({ tabId: id })", tab),
        what="the badge",
    )
    assert badge == "#2"


def test_badge_is_empty_on_a_page_without_a_paper(chrome, site):
    _, tab = chrome.open(f"{site}/notes")
    # the worker looks the page up when it completes; the server's answer sets the tooltip
    title = wait_for(
        lambda: chrome.worker.evaluate(
            "(id) => chrome.action.getTitle({ tabId: id }).then((t) => t === 'Paperboy' ? '' : t)",
            tab,
        ),
        what="the tooltip",
    )
    assert title == "Paperboy: no paper on this page"
    assert chrome.worker.evaluate("(id) => chrome.action.getBadgeText({ tabId: id })", tab) == ""


def test_context_menu_entry_exists(chrome):
    # update() rejects for an id that was never created
    result = chrome.worker.evaluate(
        "chrome.contextMenus.update('paperboy-search', {}).then(() => 'ok', (e) => e.message)"
    )
    assert result == "ok"


def test_options_page(chrome, paperboy):
    page = chrome.context.new_page()
    page.goto(f"{chrome.base}/options.html")
    server_url, token = page.locator("#serverUrl"), page.locator("#token")
    expect(server_url).to_have_value(paperboy.base)
    expect(token).to_have_value(paperboy.token)
    result = page.locator("#result")
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_have_text(
        "Connected to Paperboy 0.1.0: "
        f"{paperboy.call('GET', '/api/health')[1]['data']['papers']} papers, "
        "newest list day 2024-08-05. Token accepted."
    )
    assert result.get_attribute("data-state") == "ok"
    page.locator("body").screenshot(path=artifact("chromium-options.png"))

    token.fill("wrong")
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_contain_text("The API token is wrong.")
    assert result.get_attribute("data-state") == "error"

    down = f"http://127.0.0.1:{free_port()}"
    server_url.fill(down)
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_contain_text(f"Paperboy is not running at {down}.")
    expect(result).to_contain_text("Start it with `paperboy serve`")

    server_url.fill("ftp://example.org")
    page.get_by_role("button", name="Save").click()
    expect(result).to_contain_text("is not a local Paperboy server")
    assert chrome.storage()["serverUrl"] == paperboy.base  # nothing saved

    server_url.fill("http://localhost:9999/")
    token.fill(" new-token ")
    page.get_by_role("button", name="Save").click()
    expect(result).to_have_text("Saved.")
    assert chrome.storage() == {"serverUrl": "http://localhost:9999", "token": "new-token"}


def test_the_token_is_kept_in_storage_local_never_synced(chrome, paperboy):
    page = chrome.context.new_page()
    page.goto(f"{chrome.base}/options.html")
    page.locator("#token").fill("a-local-token")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#result")).to_have_text("Saved.")
    local = chrome.worker.evaluate("chrome.storage.local.get(['serverUrl', 'token'])")
    assert local == {"serverUrl": paperboy.base, "token": "a-local-token"}
    assert chrome.worker.evaluate("chrome.storage.sync.get(null)") == {}  # not in the account


def test_a_token_an_older_version_synced_moves_to_local_once(chrome, paperboy):
    chrome.worker.evaluate(
        """(base) => chrome.storage.local.clear().then(() =>
             chrome.storage.sync.set({ serverUrl: base, token: 'synced-token' }))""",
        paperboy.base,
    )
    page = chrome.context.new_page()
    page.goto(f"{chrome.base}/options.html")
    expect(page.locator("#token")).to_have_value("synced-token")
    expect(page.locator("#serverUrl")).to_have_value(paperboy.base)
    assert chrome.storage() == {"serverUrl": paperboy.base, "token": "synced-token"}
    assert chrome.worker.evaluate("chrome.storage.sync.get(null)") == {}
