"""A stored paper carrying script, img onerror and javascript: payloads renders as plain text,
and so do the tags and the note of your desk, and the entries of While you were away and For
you."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from xss_payloads import load

from browser import pages
from browser.conftest import artifact
from browser.test_tabs_chromium import because

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


def hf_signals(text: str) -> dict:
    """Hugging Face's signals of a paper, each one the payload: organisation, AI summary and
    keywords, and code and project links (kept only when they are web links)."""
    return {
        "organization": {"name": "org", "fullname": text[:200]},
        "ai_summary": text,
        "ai_keywords": [text[:100], "plain keyword"],
        "githubRepo": text,
        "projectPage": text,
    }


@pytest.fixture(scope="module")
def shared(paperboy):
    """Every string of tests/xss_payloads.txt as the title, abstract and author of a paper, and as
    its organisation, Hugging Face summary and keywords, code and project links."""
    items = [
        pages._item(
            f"2407.975{n:02d}",
            text,
            f"{text} sharedpayload",
            [text[:300], "Ann Plain"],
            1,
            **hf_signals(text),
        )
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
        if stored["hf_summary"]:
            summary = page.locator(".card .hf-summary")
            assert summary.locator("p").text_content() == stored["hf_summary"], pid
            assert summary.locator("h3").text_content() == "Hugging Face's summary"
        if stored["org_name"]:
            assert page.locator(".card .signal-line .org").text_content() == stored["org_name"]
        keywords = page.locator(".card .keywords .term").all_text_contents()
        assert keywords == stored["hf_keywords"][:6], pid
        no_markup_from_data(page)
    assert dialogs == []


@pytest.fixture(scope="module")
def hostile_desk(paperboy, hostile):
    """The hostile paper saved, with every payload the desk takes as a tag (up to its 50), and all
    the payloads as its note: the desk state as the server answers it."""
    path = f"/api/papers/{hostile}/desk"
    for text in load():
        if len(paperboy.call("GET", path)[1]["data"]["tags"]) == 50:
            break
        paperboy.call("POST", path, {"add_tags": [text[:50]]})  # a 400 for an empty one
    status, body = paperboy.call("POST", path, {"saved": True, "note": "\n".join(load())[:10_000]})
    assert status == 200, body
    assert len(body["data"]["tags"]) == 50 and len(body["data"]["note"]) > 1000
    yield body["data"]
    change = {"saved": False, "note": "", "remove_tags": body["data"]["tags"]}
    assert paperboy.call("POST", path, change)[0] == 200


def test_hostile_tags_and_note_are_plain_text(chrome, hostile, hostile_desk):
    dialogs = []
    page = chrome.popup("?url=" + quote(f"https://huggingface.co/papers/{hostile}"))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    card = page.locator(".card")
    expect(card.locator(".save")).to_have_attribute("aria-pressed", "true", timeout=10_000)
    tags = hostile_desk["tags"]
    assert card.locator(".tag .tag-name").all_text_contents() == tags
    assert card.locator(".note-text").input_value() == hostile_desk["note"]
    offered = [o.get_attribute("value") for o in page.locator("#tag-options option").all()]
    assert set(tags) <= set(offered)
    page.locator("body").screenshot(path=artifact("chromium-xss-desk.png"))
    no_markup_from_data(page)
    # the Saved tab: the hostile title, its tags as text, a chip per tag
    page.get_by_role("tab", name="Saved").click()
    row = page.locator(f"#saved-list .row[data-id='{hostile}']")
    expect(row).to_have_count(1)
    assert row.locator(".title").text_content() == pages.HOSTILE_TITLE
    assert row.locator(".term").all_text_contents() == tags
    chips = [c.get_attribute("data-tag") for c in page.locator("#saved-tags .chip").all()]
    assert set(tags) <= set(chips)
    # pressing a payload's chip, and typing a payload in the filter, still find the paper
    chip = page.locator("#saved-tags .chip").nth(chips.index(tags[0]))
    chip.click()
    expect(chip).to_have_attribute("aria-pressed", "true")
    page.locator("#saved-filter").fill(tags[1])
    expect(page.locator("#saved-list .row")).to_have_count(1)
    assert page.locator("#saved-list .row").get_attribute("data-id") == hostile
    no_markup_from_data(page)
    assert dialogs == []


@pytest.fixture(scope="module")
def hostile_news(own_paperboy):
    """A server of its own, caught up to 2024-08-05, then the hostile paper and every shared
    payload on later lists (so While you were away holds them), the hostile paper saved (so For
    you picks payloads close to it)."""
    server = own_paperboy()
    assert server.call("POST", "/api/catchup/seen", {})[0] == 200
    server.ingest(pages.HOSTILE_URL.replace("2024-07-23", "2024-08-07"), pages.hostile_papers())
    items = [
        pages._item(f"2408.975{n:02d}", text, f"{text} sharedpayload", [text[:300], "Ann Plain"], 1)
        for n, text in enumerate(load())
    ]
    server.ingest(SHARED_URL.replace("2024-07-24", "2024-08-08"), json.dumps(items))
    path = f"/api/papers/{pages.HOSTILE_ID}/desk"
    assert server.call("POST", path, {"saved": True})[0] == 200
    return server


def test_hostile_catchup_and_for_you_are_plain_text(chrome, hostile_news):
    server = hostile_news
    chrome.settings(serverUrl=server.base, token=server.token)
    dialogs = []
    page = chrome.popup("?url=x")
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("tab", name="Trending").click()
    caught = server.call("GET", "/api/catchup?limit=30")[1]["data"]
    assert not caught["caught_up"] and len(caught["papers"]) == 30
    assert pages.HOSTILE_TITLE in [p["title"] for p in caught["papers"]]
    rows = page.locator("#catchup-list .row")
    expect(rows).to_have_count(30)
    assert rows.locator(".title").all_text_contents() == [p["title"] for p in caught["papers"]]
    expect(page.locator("#catchup-shown")).to_have_text(f"the 30 most upvoted of {caught['total']}")
    no_markup_from_data(page)
    page.get_by_role("tab", name="For you").click()
    found = server.call("GET", "/api/recommend?limit=10")[1]["data"]
    assert found["papers"]
    rows = page.locator("#foryou-list .row")
    expect(rows).to_have_count(len(found["papers"]))
    assert rows.locator(".title").all_text_contents() == [p["title"] for p in found["papers"]]
    details = rows.locator(".detail").all_text_contents()
    assert details == [because(p) for p in found["papers"]]
    assert any(d.endswith(f"close to {pages.HOSTILE_TITLE}") for d in details), details
    page.locator("body").screenshot(path=artifact("chromium-xss-for-you.png"))
    no_markup_from_data(page)
    assert dialogs == []
