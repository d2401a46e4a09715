"""The popup's Trending tab opening on "While you were away", and its For you tab, in Chromium,
each against its own `paperboy serve` (the day the lists were seen only moves forward), checked
against the server's own answers."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from browser import pages
from browser.conftest import artifact, free_port, publish


def api(server, path: str, method: str = "GET", body: object = None) -> dict:
    status, envelope = server.call(method, path, body)
    assert status == 200, envelope
    return envelope["data"]


@pytest.fixture
def away(own_paperboy):
    """A store of several listing days (2024-07-22, 08-02, 08-05, 08-06), seen up to 2024-08-02,
    with one paper saved."""
    server = own_paperboy()
    server.ingest(pages.RELATED_URL, pages.related_papers())
    server.ingest(*pages.listing_on("2024-08-06", "2408.951"))
    days = [d["date"] for d in api(server, "/api/dates")["dates"]]
    assert {"2024-07-22", "2024-08-02", "2024-08-05", "2024-08-06"} <= set(days)
    assert api(server, "/api/catchup/seen", "POST", {"day": "2024-08-02"})["seen"] == "2024-08-02"
    api(server, "/api/papers/2408.90001/desk", "POST", {"saved": True})
    return server


def popup_on(chrome, server, query: str = "?url=" + quote("https://example.org/")):
    chrome.settings(serverUrl=server.base, token=server.token)
    return chrome.popup(query)


def rows(page, list_id: str) -> list[str]:
    return [row.get_attribute("data-id") for row in page.locator(f"#{list_id} .row").all()]


def test_trending_opens_on_while_you_were_away(chrome, away):
    before = api(away, "/api/catchup?limit=30")
    assert not before["caught_up"] and before["from"] == "2024-08-03"
    assert before["to"] == "2024-08-06" and before["total"] >= 6
    page = popup_on(chrome, away)
    # the tab's label says how many papers trended unseen, before the tab is opened
    unseen = page.locator("#trending-unseen")
    expect(unseen).to_have_text(str(before["total"]), timeout=10_000)
    page.get_by_role("tab", name="Trending").click()
    catchup = page.locator("#catchup")
    expect(catchup).to_be_visible()
    expect(page.locator("#trend-lists")).to_be_hidden()
    expect(page.locator("#catchup-heading")).to_have_text(before["heading"])
    assert before["heading"].startswith("While you were away: ")
    expect(catchup.locator(".row")).to_have_count(len(before["papers"]))
    assert rows(page, "catchup-list") == [p["id"] for p in before["papers"]]  # the API's order
    for paper in before["papers"]:
        row = catchup.locator(f".row[data-id='{paper['id']}']")
        assert row.locator(".title").text_content() == paper["title"]
        assert row.locator(".badge").all_text_contents() == paper["trended"]
        summary = row.locator(".summary").text_content()
        assert summary.startswith(f"{paper['best_upvotes']}\u25b2 at most"), summary
        assert row.locator("[data-field=note]").text_content() == (
            "\u2605 saved" if paper["saved"] else ""
        )
    assert [p["saved"] for p in before["papers"] if p["id"] == "2408.90001"] == [True]
    page.locator("body").screenshot(path=artifact("chromium-catchup.png"))
    # looking is not marking: the server still has it all unseen
    assert api(away, "/api/catchup?limit=30") == before
    # a row opens its card; the tab opens on the catch-up again
    catchup.locator(".row").first.click()
    expect(page.locator(".card-meta")).to_contain_text(before["papers"][0]["id"])
    page.get_by_role("tab", name="Trending").click()
    expect(catchup).to_be_visible()
    # Mark as seen: the usual lists, under the caught-up line the server now says
    page.get_by_role("button", name="Mark as seen").click()
    expect(catchup).to_be_hidden()
    expect(page.locator("#trend-lists")).to_be_visible()
    after = api(away, "/api/catchup?limit=30")
    assert after["caught_up"] and after["since"] == "2024-08-06" and after["papers"] == []
    expect(page.locator("#catchup-note")).to_have_text(after["heading"])
    assert after["heading"] == "You are caught up: nothing new on the lists since 2024-08-06"
    expect(unseen).to_be_hidden()
    # the next popup opens on the usual lists and the caught-up line
    page.close()
    page = popup_on(chrome, away)
    page.get_by_role("tab", name="Trending").click()
    expect(page.locator("#catchup-note")).to_have_text(after["heading"])
    expect(page.locator("#trend-day .row").first).to_be_visible()
    day = api(away, "/api/trending?period=day&limit=10")
    assert rows(page, "trend-day") == [p["id"] for p in day["papers"]]
    assert day["date"] == "2024-08-06"
    expect(page.locator("#catchup")).to_be_hidden()
    expect(page.locator("#trending-unseen")).to_be_hidden()
    page.locator("body").screenshot(path=artifact("chromium-caught-up.png"))
    assert page.errors == []


def test_catchup_problems_are_said_and_the_lists_stay(chrome, paperboy):
    chrome.settings(token="wrong")
    page = chrome.popup("?url=x")
    page.get_by_role("tab", name="Trending").click()
    note = page.locator("#catchup-note")
    expect(note).to_have_text(
        re.compile("^While you were away is unavailable: The API token is wrong. ")
    )
    expect(note.get_by_role("button", name="Open Options")).to_be_visible()
    expect(page.locator("#trend-day .row").first).to_be_visible()  # the lists need no token
    expect(page.locator("#trending-unseen")).to_be_hidden()
    page.get_by_role("tab", name="For you").click()
    expect(page.locator("#foryou-note")).to_have_text(
        re.compile("^Papers for you are unavailable: The API token is wrong. ")
    )
    down = f"http://127.0.0.1:{free_port()}"
    chrome.settings(serverUrl=down, token=paperboy.token)
    page = chrome.popup("?url=x")
    page.get_by_role("tab", name="Trending").click()
    expect(page.locator("#catchup-note")).to_contain_text(
        f"While you were away is unavailable: Paperboy is not running at {down}."
    )
    page.get_by_role("tab", name="For you").click()
    expect(page.locator("#foryou-note")).to_contain_text(f"Paperboy is not running at {down}.")


def because(pick: dict) -> str:
    """The reasons a row shows, as the API gives them."""
    reasons = pick["because"]
    parts = [", ".join(reasons["words"])] if reasons["words"] else []
    if reasons["saved"]:
        parts.append(f"close to {reasons['saved_title'] or reasons['saved']}")
    return "because: " + "; ".join(parts) if parts else ""


def test_for_you_lists_the_picks_with_their_reasons(chrome, own_paperboy):
    server = own_paperboy()
    server.ingest(pages.RELATED_URL, pages.related_papers())
    # nothing saved: the API's note
    empty = api(server, "/api/recommend?limit=10")
    assert empty["papers"] == [] and empty["note"].startswith("save a few papers first")
    page = popup_on(chrome, server)
    page.get_by_role("tab", name="For you").click()
    expect(page.locator("#foryou-note")).to_have_text(f"No picks yet: {empty['note']}")
    assert page.locator("#foryou-list .row").count() == 0
    # saved papers, on two tags
    for pid, tag in (("2407.96001", "rag"), ("2407.96002", "rag"), ("2408.90001", "lattice")):
        api(server, f"/api/papers/{pid}/desk", "POST", {"saved": True, "add_tags": [tag]})
    page.get_by_role("tab", name="This page").click()
    page.get_by_role("tab", name="For you").click()
    found = api(server, "/api/recommend?limit=10")
    assert found["papers"] and found["saved"] == 3
    expect(page.locator("#foryou-list .row")).to_have_count(len(found["papers"]))
    assert rows(page, "foryou-list") == [p["id"] for p in found["papers"]]
    details = page.locator("#foryou-list .row .detail").all_text_contents()
    assert details == [because(p) for p in found["papers"]]
    assert any("close to " in d for d in details)
    expect(page.locator("#foryou-note")).to_contain_text("learning from your 3 saved papers")
    # the tag selector: its options are the desk's tags; a tag changes the picks to its answer
    tags = [tag for tag, _ in api(server, "/api/desk")["tags"]]
    select = page.locator("#foryou-tag")
    values = [o.get_attribute("value") for o in select.locator("option").all()]
    assert values == ["", *tags] and set(tags) == {"rag", "lattice"}
    page.locator("body").screenshot(path=artifact("chromium-for-you.png"))
    publish(artifact("chromium-for-you.png"), "extension/screenshots/popup-for-you.png")
    for tag in ("lattice", "rag"):
        picked = api(server, f"/api/recommend?limit=10&tag={tag}")
        select.select_option(tag)
        expect(page.locator("#foryou-note")).to_contain_text(f"papers tagged {tag}")
        assert rows(page, "foryou-list") == [p["id"] for p in picked["papers"]], tag
        details = page.locator("#foryou-list .row .detail").all_text_contents()
        assert details == [because(p) for p in picked["papers"]], tag
    lattice = api(server, "/api/recommend?limit=10&tag=lattice")["papers"]
    rag = api(server, "/api/recommend?limit=10&tag=rag")["papers"]
    assert [p["id"] for p in lattice] != [p["id"] for p in rag]  # the tag made a difference
    # the chosen tag stays when the tab is opened again; a row opens the card
    page.get_by_role("tab", name="Saved").click()
    page.get_by_role("tab", name="For you").click()
    expect(select).to_have_value("rag")
    expect(page.locator("#foryou-note")).to_contain_text("papers tagged rag")
    first = rows(page, "foryou-list")[0]
    page.locator("#foryou-list .row").first.click()
    expect(page.locator(".card-meta")).to_contain_text(first)
    assert page.errors == []
