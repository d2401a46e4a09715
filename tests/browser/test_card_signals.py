"""Hugging Face's signals on the popup card, in real Chromium: LongLive-2.0 (2605.18739, the
bulk corpus's 2026-05-19) shows its organisation (NVIDIA), its GitHub stars, its comments, the
AI summary labelled as Hugging Face's, its keywords, the code and project links, and the server's
own copy of its thumbnail (the image here is one the test makes: the corpus holds no images);
stars with two readings show their growth; a paper without them shows only what it has. Each test
runs on a `paperboy serve` of its own, so that the 2026 day does not become the shared server's
newest list."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

from browser.conftest import BULK, CORPUS, DAY, GROWING, LONGLIVE, artifact, publish


def open_card(chrome, server, paper_id):
    chrome.settings(serverUrl=server.base, token=server.token)
    page = chrome.popup("?url=" + quote(f"https://arxiv.org/abs/{paper_id}"))
    page.wait_for_selector(".card h2")
    return page, page.locator(".card")


def test_longlive_card_shows_its_signals(chrome, signals_server):
    page, card = open_card(chrome, signals_server, LONGLIVE)
    stored = signals_server.call("GET", f"/api/papers/{LONGLIVE}")[1]["data"]
    assert card.locator("h2").text_content().startswith("LongLive-2.0")
    line = card.locator(".signal-line")
    assert line.text_content() == "NVIDIA \u00b7 \u2605 1,221 GitHub stars \u00b7 1 comment"
    assert card.locator(".hf-summary h3").text_content() == "Hugging Face's summary"
    assert card.locator(".hf-summary p").text_content() == stored["hf_summary"]
    assert stored["hf_summary"].startswith("LongLive-2.0 presents an NVFP4-based")
    assert card.locator(".keywords .term").all_text_contents() == stored["hf_keywords"][:6]
    links = {a.text_content(): a.get_attribute("href") for a in card.locator(".links a").all()}
    assert links["Code"] == "https://github.com/NVlabs/LongLive"
    assert links["Project"] == "https://nvlabs.github.io/LongLive/LongLive2/"
    thumb = card.locator("img.thumb")
    thumb.wait_for()
    assert thumb.get_attribute("src").startswith("blob:chrome-extension://")
    page.wait_for_function("document.querySelector('img.thumb').naturalWidth === 160")
    card.locator(".similar-list .row, .similar-note:not(:empty)").first.wait_for()
    shot = artifact("chromium-longlive.png")
    page.locator("body").screenshot(path=shot)
    publish(shot, "extension/screenshots/popup-longlive.png")
    assert page.errors == []


def test_stars_show_their_growth_and_a_plain_paper_only_what_it_has(chrome, signals_server):
    page, card = open_card(chrome, signals_server, GROWING)
    expected = "\u2605 160 GitHub stars (+60 since 2024-07-22) \u00b7 1 comment"
    assert card.locator(".signal-line").text_content() == expected
    assert card.locator(".hf-summary").is_hidden() and card.locator(".keywords").is_hidden()
    assert card.locator("img").count() == 0  # no thumbnail downloaded: no image at all
    page.goto(page.url.split("?")[0] + "?url=" + quote("https://arxiv.org/abs/2408.90003"))
    page.wait_for_selector(".card h2")
    # the demo's papers carry no Hugging Face signals but their comments
    assert page.locator(".card .signal-line").text_content() == "3 comments"
    assert page.locator(".card .hf-summary").is_hidden() and page.locator(".card img").count() == 0
    assert page.errors == []


def test_trending_tab_lists_the_week_s_most_starred(chrome, signals_server):
    """The popup's Trending tab has the week's most starred papers, under the API's heading, in
    its order, each with its stars (and the stars gained, when there are)."""
    # the day as the bulk corpus saved it: its stars are readings of 2026-05-19 (the day's page
    # ingested through the API is a reading of today, past that week)
    signals_server.run("import", "--quiet", str(CORPUS / BULK / f"{DAY}.json"))
    assert signals_server.call("POST", "/api/catchup/seen", {})[0] == 200
    chrome.settings(serverUrl=signals_server.base, token=signals_server.token)
    page = chrome.popup("?url=" + quote("https://example.org/"))
    page.get_by_role("tab", name="Trending").click()
    answer = signals_server.call("GET", "/api/trending?period=starred&limit=10")[1]["data"]
    assert answer["heading"] == "Most starred papers of week 21 of 2026" and answer["papers"]
    expect(page.locator("#starred-heading")).to_have_text(answer["heading"])
    rows = page.locator("#trend-starred .row")
    expect(rows).to_have_count(len(answer["papers"]))
    assert [r.get_attribute("data-id") for r in rows.all()] == [p["id"] for p in answer["papers"]]
    first = answer["papers"][0]
    assert f"\u2605{first['stars']}" in rows.first.locator(".detail").text_content()
