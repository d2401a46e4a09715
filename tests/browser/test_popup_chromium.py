"""The popup in Chromium: the card, adding a page, importing a listing, search and trending."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from playwright.sync_api import expect

from browser import pages
from browser.conftest import artifact


def card_of(page, timeout=10_000):
    page.wait_for_selector(".card h2", timeout=timeout)
    return page.locator(".card")


def test_known_paper_card_with_trend_badges(chrome):
    page = chrome.popup("?url=" + quote("https://arxiv.org/abs/2408.90001v2"))
    card = card_of(page)
    assert (
        card.locator("h2").text_content()
        == "Sparse Lattice Transformers for Long-Context Reasoning"
    )
    assert (
        card.locator("[data-field=authors]").text_content() == "Ada Moreau, Kenji Ito, Priya Raman"
    )
    assert "2024-08-01" in card.locator(".card-meta").text_content()
    links = {a.text_content(): a.get_attribute("href") for a in card.locator(".links a").all()}
    assert links["arXiv"] == "https://arxiv.org/abs/2408.90001"
    assert links["PDF"] == "https://arxiv.org/pdf/2408.90001"
    assert links["HF"] == "https://huggingface.co/papers/2408.90001"
    badges = card.locator(".badge").all_text_contents()
    assert "HF daily #4 \u00b7 2024-08-05 \u00b7 60\u25b2" in badges
    assert any(b.startswith("HF daily #1 \u00b7 2024-08-02") for b in badges)
    # the sparkline: upvotes over the days observed
    assert card.locator(".spark svg polyline").count() == 1
    assert card.locator(".spark").text_content().endswith("57 \u2192 60\u25b2")
    # the abstract opens and closes
    toggle = card.locator(".toggle-abstract")
    assert card.locator(".abstract").get_attribute("class") == "abstract collapsed"
    toggle.click()
    assert toggle.text_content() == "Show less"
    assert "collapsed" not in card.locator(".abstract").get_attribute("class")
    page.locator("body").screenshot(path=artifact("chromium-card.png"))
    assert page.errors == []


def test_copy_bibtex_shows_the_text_when_the_clipboard_refuses(chrome, paperboy):
    # the real clipboard is tested in test_desk_chromium.py; here the browser refuses it
    page = chrome.popup("?url=" + quote("https://huggingface.co/papers/2408.90003"))
    card = card_of(page)
    page.evaluate(
        """() => {
             navigator.clipboard.writeText = () => Promise.reject(new DOMException("no"));
           }"""
    )
    card.locator(".copy-bibtex").click()
    expect(card.locator(".copied")).to_have_text("Press Ctrl+C to copy the BibTeX")
    expected = paperboy.call("GET", "/api/papers/2408.90003")[1]["data"]["bibtex"]
    assert expected.startswith("@misc{chen2024")
    area = card.locator(".copy-text")
    expect(area).to_be_visible()
    expect(area).to_have_value(expected)
    assert page.evaluate("document.activeElement.classList.contains('copy-text')")


def test_authors_collapse_after_three_and_similar_papers_open(chrome):
    page = chrome.popup("?url=" + quote("arXiv:2407.96003"))
    card = card_of(page)
    assert (
        card.locator("[data-field=authors]").text_content() == "Lena Vogt, Omar Haddad, Yuki Sato"
    )
    more = card.locator(".more-authors")
    assert more.text_content() == "+2 more"
    more.click()
    assert card.locator("[data-field=authors]").text_content().endswith("Ines Duarte, Tomas Novak")
    rows = card.locator(".similar-list .row")
    rows.first.wait_for()
    assert rows.count() == 5
    assert card.locator(".similar-list .term").count() >= 5
    first_id = rows.first.get_attribute("data-id")
    assert first_id.startswith("2407.960") and first_id != "2407.96003"
    page.locator("body").screenshot(path=artifact("chromium-similar.png"))
    rows.first.click()
    expect(page.locator(".card-meta")).to_contain_text(first_id)
    page.locator(".card .back").click()
    expect(page.locator(".card-meta")).to_contain_text("2407.96003")


def test_unknown_paper_then_add_this_page(chrome, site, paperboy):
    _, tab = chrome.open(f"{site}/abs/{pages.NEW_ID}")
    url = f"https://arxiv.org/abs/{pages.NEW_ID}"
    page = chrome.popup(f"?url={quote(url)}&tab={tab}")
    page.wait_for_selector("#status[data-kind=unknown]")
    assert page.locator("#status .headline").text_content() == "Not in your archive"
    assert pages.NEW_ID in page.locator("#status .hint").text_content()
    page.locator("body").screenshot(path=artifact("chromium-not-in-archive.png"))
    page.get_by_role("button", name="Add this page").click()
    card = card_of(page)
    assert card.locator("h2").text_content() == pages.NEW_TITLE
    assert paperboy.call("GET", f"/api/papers/{pages.NEW_ID}")[0] == 200
    page.locator("body").screenshot(path=artifact("chromium-added.png"))


def test_page_whose_paper_is_known_shows_its_card(chrome, site):
    _, tab = chrome.open(f"{site}/abs/2408.90003")
    page = chrome.popup(f"?tab={tab}")
    assert (
        card_of(page).locator("h2").text_content()
        == "Self-Correcting Agents with Verifier Feedback"
    )


def test_listing_import(chrome, site, paperboy):
    _, tab = chrome.open(f"{site}/papers/date/{pages.LISTING_DATE}")
    page = chrome.popup(f"?tab={tab}")
    page.wait_for_selector("#status[data-kind=listing]")
    assert page.locator("#status .headline").text_content() == (
        f"Hugging Face papers page \u00b7 {pages.LISTING_DATE}"
    )
    button = page.get_by_role("button", name="Import this listing (5 papers)")
    page.locator("body").screenshot(path=artifact("chromium-listing.png"))
    button.click()
    page.wait_for_selector("#status[data-kind=imported]")
    assert page.locator("#status .headline").text_content() == "Imported 5 papers"
    assert page.locator("#status .hint").text_content().startswith("5 new, 5 new list entries")
    assert paperboy.call("GET", "/api/papers/2407.95001")[0] == 200


def test_page_without_a_paper(chrome, site):
    _, tab = chrome.open(f"{site}/notes")
    page = chrome.popup(f"?tab={tab}")
    page.wait_for_selector("#status[data-kind=none]")
    assert page.locator("#status .headline").text_content() == "No paper on this page."


def test_search_as_you_type_with_the_keyboard(chrome, paperboy):
    page = chrome.popup("?url=" + quote("https://example.org/"))
    box = page.locator("#q")
    box.press_sequentially("reranking passages", delay=20)
    rows = page.locator("#results .row")
    rows.first.wait_for()
    assert page.locator("#results mark").count() > 0
    marked = [m.lower() for m in page.locator("#results .row .title mark").all_text_contents()]
    assert "reranking" in marked and "passages" in marked
    assert rows.first.get_attribute("aria-selected") == "true"
    page.locator("body").screenshot(path=artifact("chromium-search.png"))
    box.press("ArrowDown")
    assert rows.nth(1).get_attribute("aria-selected") == "true"
    assert rows.first.get_attribute("aria-selected") == "false"
    chosen = rows.nth(1).get_attribute("data-id")
    box.press("Enter")
    card = card_of(page)
    assert chosen in card.locator(".card-meta").text_content()
    assert page.locator("#search").is_hidden()
    # "All results" opens the served site's search page (which asks the API) with the query
    query = 'author:"Ada Moreau" lattice'
    box.fill(query)
    rows.first.wait_for()
    with chrome.context.expect_page() as opened:
        page.get_by_role("button", name="All results").click()
    url = urlsplit(opened.value.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{paperboy.base}/search.html"
    assert parse_qs(url.query) == {"q": [query]}


def test_search_from_the_context_menu_query(chrome):
    page = chrome.popup("?url=x&q=" + quote("protein backbone"))
    page.locator("#results .row").first.wait_for()
    assert page.locator("#results .row").first.get_attribute("data-id") == "2408.90002"


def test_trending_tab(chrome, paperboy):
    # caught up, the tab opens on the usual lists (test_tabs_chromium.py: while you were away)
    assert paperboy.call("POST", "/api/catchup/seen", {})[0] == 200
    page = chrome.popup("?url=" + quote("https://example.org/"))
    page.get_by_role("tab", name="Trending").click()
    page.wait_for_selector("#trend-day .row")
    day = page.locator("#trend-day .row")
    expect(page.locator("#day-date")).to_have_text("2024-08-05")  # may come after the rows
    assert "2408.90001" in [row.get_attribute("data-id") for row in day.all()]
    assert "best HF #1" in day.first.locator(".detail").text_content()
    # each list's heading is the API's, which says its order; the rows keep that order
    for period in ("now", "day", "week"):
        answer = paperboy.call("GET", f"/api/trending?period={period}&limit=10")[1]["data"]
        expect(page.locator(f"#{period}-heading")).to_have_text(answer["heading"])
        rows = page.locator(f"#trend-{period} .row").all()
        assert [r.get_attribute("data-id") for r in rows] == [p["id"] for p in answer["papers"]]
    expect(page.locator("#day-heading")).to_have_text(re.compile(", in Hugging Face's order$"))
    expect(page.locator("#week-heading")).to_have_text("Most upvoted papers of week 32 of 2024")
    expect(page.locator("#week-dates")).to_have_text("2024-08-05 to 2024-08-11")
    # trending now names its score, shows it with upvotes and days, and links to how it is computed
    assert page.locator("#now-heading").text_content().startswith("Trending now: by trending score")
    now = page.locator("#trend-now .row").first.locator(".detail").text_content()
    assert now.startswith("score ") and "\u25b2" in now
    with chrome.context.expect_page() as opened:
        page.get_by_role("button", name="how it is computed").click()
    assert opened.value.url == f"{paperboy.base}/trending.html"
    week = paperboy.call("GET", "/api/trending?period=week&limit=10")[1]["data"]["papers"]
    votes = [p["period_upvotes"] for p in week]
    assert len(votes) >= 2 and votes == sorted(votes, reverse=True)
    page.locator("body").screenshot(path=artifact("chromium-trending.png"))
    chosen = day.first.get_attribute("data-id")
    day.first.click()
    assert chosen in card_of(page).locator(".card-meta").text_content()
    assert page.get_by_role("tab", name="This page").get_attribute("aria-selected") == "true"
