"""A stored paper carrying script, img onerror and javascript: payloads renders as plain text."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from xss_payloads import load

from browser import pages
from browser.conftest import artifact

NOTHING_RAN = "window.__pwned === undefined && window.__xss === undefined"
SHARED_URL = "https://huggingface.co/api/daily_papers?date=2024-07-24"


@pytest.fixture(scope="module")
def hostile(paperboy):
    """The hostile paper, stored through the API as any page would be."""
    paperboy.ingest(pages.HOSTILE_URL, pages.hostile_papers())
    return pages.HOSTILE_ID


def no_markup_from_data(page) -> None:
    """No element, handler or link was made from the stored text, and no dialog opened."""
    assert page.evaluate(NOTHING_RAN)
    assert page.locator("main img, main script, main iframe, main [onerror]").count() == 0
    hrefs = [a.get_attribute("href") for a in page.locator("a").all()]
    assert not [h for h in hrefs if not h.startswith(("https://", "http://"))], hrefs
    assert page.errors == []


def test_hostile_card_is_plain_text(chrome, hostile):
    dialogs = []
    page = chrome.popup("?url=" + quote(f"https://huggingface.co/papers/{hostile}"))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.wait_for_selector(".card h2")
    card = page.locator(".card")
    assert card.locator("h2").text_content() == pages.HOSTILE_TITLE
    card.locator(".more-authors").click()
    assert card.locator("[data-field=authors]").text_content() == ", ".join(pages.HOSTILE_AUTHORS)
    card.locator(".toggle-abstract").click()
    assert card.locator("[data-field=abstract]").text_content() == pages.HOSTILE_ABSTRACT
    # the javascript: code and project links are never rendered
    assert [a.text_content() for a in card.locator(".links a").all()] == ["arXiv", "PDF", "HF"]
    card.locator(".similar-list .row, .similar-note:not(:empty)").first.wait_for()
    page.locator("body").screenshot(path=artifact("chromium-xss-card.png"))
    no_markup_from_data(page)
    assert dialogs == []


def test_hostile_search_hit_is_plain_text(chrome, hostile):
    page = chrome.popup("?url=x")
    page.locator("#q").press_sequentially("Mallory hostile markup", delay=10)
    row = page.locator(f"#results .row[data-id='{hostile}']")
    row.wait_for()
    assert row.locator(".title").text_content() == pages.HOSTILE_TITLE
    assert "<script>window.__pwned = 4</script>" in row.locator(".detail").text_content()
    no_markup_from_data(page)
    page.locator("#q").press("Enter")
    page.wait_for_selector(".card h2")
    no_markup_from_data(page)


@pytest.fixture(scope="module")
def shared(paperboy):
    """Every string of tests/xss_payloads.txt as the title, abstract and author of a paper."""
    items = [
        pages._item(f"2407.975{n:02d}", text, f"{text} sharedpayload", [text[:300], "Ann Plain"], 1)
        for n, text in enumerate(load())
    ]
    paperboy.ingest(SHARED_URL, json.dumps(items))
    return [item["paper"]["id"] for item in items]


def test_every_shared_payload_card_is_plain_text(chrome, paperboy, shared):
    page = chrome.popup("?url=x")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for pid in shared:
        stored = paperboy.call("GET", f"/api/papers/{pid}")[1]["data"]
        page.goto(page.url.split("?")[0] + "?url=" + quote(f"https://arxiv.org/abs/{pid}"))
        page.wait_for_selector(".card h2")
        assert page.locator(".card h2").text_content() == stored["title"], pid
        no_markup_from_data(page)
    assert dialogs == []
