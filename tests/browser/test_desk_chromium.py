"""Your reading desk in the popup, in Chromium: save, tags with completion, read, a note, Markdown
and BibTeX on the real clipboard, one-key shortcuts, the Saved tab, the saved badge, and every
refusal in words. Each test checks the server's own desk (the API or `paperboy library`)."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from browser.conftest import artifact, free_port, publish

KEYS = {"s", "r", "t", "n", "m", "b"}


def entry_of(paperboy, pid: str) -> dict:
    status, body = paperboy.call("GET", f"/api/papers/{pid}/desk")
    assert status == 200, body
    return body["data"]


def desk_card(chrome, pid: str):
    """The popup on a paper, once its desk has loaded (the Save button is enabled)."""
    page = chrome.popup("?url=" + quote(f"https://arxiv.org/abs/{pid}"))
    page.bring_to_front()
    expect(page.locator(".card .save")).to_be_enabled(timeout=10_000)
    return page, page.locator(".card .desk")


def said(desk, text: str) -> None:
    expect(desk.locator(".desk-status")).to_have_text(text)


def test_save_with_tags_reaches_the_server_desk(chrome, paperboy, fresh):
    pid = fresh("2408.90005")
    page, desk = desk_card(chrome, pid)
    save = desk.locator(".save")
    assert save.get_attribute("aria-pressed") == "false"
    save.click()
    said(desk, "Saved to your library")
    expect(save).to_have_attribute("aria-pressed", "true")
    assert entry_of(paperboy, pid)["saved_at"]
    desk.locator(".tag-input").fill("rl")
    desk.locator(".tag-input").press("Enter")
    said(desk, "Tagged rl")
    desk.locator(".tag-input").fill("  reading   group ")
    desk.locator(".add-tag").click()
    said(desk, "Tagged reading group")
    expect(desk.locator(".tag-input")).to_have_value("")
    assert entry_of(paperboy, pid)["tags"] == ["rl", "reading group"]
    assert desk.locator(".tag .tag-name").all_text_contents() == ["rl", "reading group"]
    # the server's library has it, with its tags, as the command line sees it
    library = json.loads(paperboy.run("library", "--tag", "reading group", "--format", "json"))
    assert [p["id"] for p in library] == [pid]
    assert library[0]["tags"] == ["rl", "reading group"]
    page.locator("body").screenshot(path=artifact("chromium-desk-saved.png"))
    # a tag comes off with its ×; unsaving keeps the tags
    desk.get_by_role("button", name="Remove tag rl").click()
    said(desk, "Tag removed: rl")
    save.click()
    said(desk, "Removed from your library")
    after = entry_of(paperboy, pid)
    assert after["saved_at"] is None and after["tags"] == ["reading group"]
    assert page.errors == []


def test_a_tag_saves_an_unsaved_paper_too(chrome, paperboy, fresh):
    pid = fresh("2408.90006")
    _, desk = desk_card(chrome, pid)
    desk.locator(".tag-input").fill("later")
    desk.locator(".tag-input").press("Enter")
    said(desk, "Saved and tagged later")
    after = entry_of(paperboy, pid)
    assert after["saved_at"] and after["tags"] == ["later"]


def test_tag_completion_offers_the_tags_in_use(chrome, paperboy, fresh):
    other = fresh("2408.90007")
    change = {"add_tags": ["graph neural nets", "to-review"]}
    assert paperboy.call("POST", f"/api/papers/{other}/desk", change)[0] == 200
    pid = fresh("2408.90008")
    page, desk = desk_card(chrome, pid)
    box = desk.locator(".tag-input")
    assert box.get_attribute("list") == "tag-options"
    in_use = [tag for tag, _ in paperboy.call("GET", "/api/desk")[1]["data"]["tags"]]
    assert {"graph neural nets", "to-review"} <= set(in_use)
    options = page.locator("#tag-options option")
    expect(options).to_have_count(len(in_use))
    assert [o.get_attribute("value") for o in options.all()] == in_use
    # a new tag joins the list at once
    box.fill("brand-new-tag")
    box.press("Enter")
    said(desk, "Saved and tagged brand-new-tag")
    values = [o.get_attribute("value") for o in options.all()]
    assert "brand-new-tag" in values and values[: len(in_use)] == in_use


def test_mark_read_and_a_note(chrome, paperboy, fresh):
    pid = fresh("2408.90004")
    page, desk = desk_card(chrome, pid)
    read = desk.locator(".read")
    read.click()
    said(desk, "Marked read")
    expect(read).to_have_attribute("aria-pressed", "true")
    assert entry_of(paperboy, pid)["read_at"]
    read.click()
    said(desk, "Marked unread")
    assert entry_of(paperboy, pid)["read_at"] is None
    note = "Check eq. 3.\nCompare with the 2023 baseline."
    desk.locator(".note-text").fill(note)
    expect(desk.locator(".note-state")).to_have_text("not saved yet")
    assert entry_of(paperboy, pid)["note"] == ""  # saved only when asked
    desk.locator(".save-note").click()
    said(desk, "Note saved")
    assert entry_of(paperboy, pid)["note"] == note
    # Ctrl+Enter saves from the box; the note is there when the popup opens again
    desk.locator(".note-text").fill("Second thoughts.")
    desk.locator(".note-text").press("Control+Enter")
    said(desk, "Note saved")
    assert entry_of(paperboy, pid)["note"] == "Second thoughts."
    page.close()
    _, desk = desk_card(chrome, pid)
    expect(desk.locator(".note-text")).to_have_value("Second thoughts.")
    # a draft survives another change, and is not saved by it
    desk.locator(".note-text").fill("A draft")
    desk.locator(".read").click()
    said(desk, "Marked read")
    expect(desk.locator(".note-text")).to_have_value("A draft")
    assert entry_of(paperboy, pid)["note"] == "Second thoughts."


@pytest.fixture
def clipboard(chrome):
    """The real clipboard, readable by the test (the extension only writes it)."""
    chrome.context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield lambda page: page.evaluate("navigator.clipboard.readText()")
    chrome.context.clear_permissions()


def test_copy_markdown_link_and_bibtex(chrome, paperboy, clipboard):
    page, _ = desk_card(chrome, "2408.90003")
    detail = paperboy.call("GET", "/api/papers/2408.90003")[1]["data"]
    card = page.locator(".card")
    card.locator(".copy-markdown").click()
    expect(card.locator(".copied")).to_have_text("Markdown link copied \u2713")
    assert clipboard(page) == f"[{detail['title']}](https://arxiv.org/abs/2408.90003)"
    card.locator(".copy-bibtex").click()
    expect(card.locator(".copied")).to_have_text("BibTeX copied \u2713")
    assert detail["bibtex"].startswith("@misc{chen2024")
    assert clipboard(page) == detail["bibtex"]


def test_markdown_link_escapes_brackets_in_the_title(chrome):
    page, _ = desk_card(chrome, "2408.90003")
    made = page.evaluate(
        """import('./card.js').then(({ markdownLink }) => markdownLink({
             id: '2408.90003', title: 'A [bracketed]\\n title \\\\ here',
             links: { arxiv: 'https://arxiv.org/abs/2408.90003' } }))"""
    )
    assert made == "[A \\[bracketed\\] title \\\\ here](https://arxiv.org/abs/2408.90003)"


def test_shortcuts_are_shown_and_work(chrome, paperboy, fresh, clipboard):
    pid = fresh("2408.90002")
    page, desk = desk_card(chrome, pid)
    card = page.locator(".card")
    # every shortcut is on screen: in its button, or in the label of its box
    shown = page.evaluate(
        """[...document.querySelectorAll('.card [aria-keyshortcuts]')].map((node) => {
             const kbd = node.querySelector('kbd') ?? node.labels?.[0]?.querySelector('kbd');
             return [node.getAttribute('aria-keyshortcuts'), kbd?.textContent ?? null,
                     Boolean(kbd?.checkVisibility())];
           })"""
    )
    assert {key for key, _, _ in shown} == KEYS
    assert all(key == kbd and visible for key, kbd, visible in shown), shown
    # the popup opens in the search box: there a key is typing, not a shortcut
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.press("s")
    expect(page.locator("#q")).to_have_value("s")
    assert entry_of(paperboy, pid)["saved_at"] is None
    page.locator("#q").fill("")
    card.locator("h2").click()  # out of the box: the keys are shortcuts
    page.keyboard.press("s")
    said(desk, "Saved to your library")
    assert entry_of(paperboy, pid)["saved_at"]
    page.keyboard.press("r")
    said(desk, "Marked read")
    assert entry_of(paperboy, pid)["read_at"]
    page.keyboard.press("t")
    expect(desk.locator(".tag-input")).to_be_focused()
    page.keyboard.type("keys")  # typed into the box, so no shortcut fires
    page.keyboard.press("Enter")
    said(desk, "Tagged keys")
    assert entry_of(paperboy, pid)["tags"] == ["keys"]
    assert entry_of(paperboy, pid)["read_at"]  # the "r" of "keys" did not mark it unread
    page.keyboard.press("Escape")
    expect(card).to_be_focused()
    page.keyboard.press("n")
    expect(desk.locator(".note-text")).to_be_focused()
    page.keyboard.type("noted by keys")
    page.keyboard.press("Control+Enter")
    said(desk, "Note saved")
    assert entry_of(paperboy, pid)["note"] == "noted by keys"
    page.keyboard.press("Escape")
    detail = paperboy.call("GET", f"/api/papers/{pid}")[1]["data"]
    page.keyboard.press("m")
    expect(card.locator(".copied")).to_have_text("Markdown link copied \u2713")
    assert clipboard(page) == f"[{detail['title']}](https://arxiv.org/abs/{pid})"
    page.keyboard.press("b")
    expect(card.locator(".copied")).to_have_text("BibTeX copied \u2713")
    assert clipboard(page) == detail["bibtex"]
    page.keyboard.press("s")
    said(desk, "Removed from your library")
    assert entry_of(paperboy, pid)["saved_at"] is None
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.locator("body").screenshot(path=artifact("chromium-desk-keys.png"))
    assert page.errors == []


def visible_ids(page) -> list[str]:
    return [row.get_attribute("data-id") for row in page.locator("#saved-list .row").all()]


def test_saved_tab_lists_and_filters(chrome, paperboy, fresh):
    tags = {"2407.96001": ["dense", "to-read"], "2407.96002": ["to-read"], "2407.96003": []}
    for pid, its in tags.items():
        fresh(pid)
        body = {"saved": True, "add_tags": its}
        assert paperboy.call("POST", f"/api/papers/{pid}/desk", body)[0] == 200
    desk = paperboy.call("GET", "/api/desk")[1]["data"]["papers"]
    page = chrome.popup("?url=" + quote("https://example.org/"))
    page.get_by_role("tab", name="Saved").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#saved-list .row")).to_have_count(len(desk))
    assert visible_ids(page) == [e["id"] for e in desk]  # newest saved first, as the API
    expect(page.locator("#saved-note")).to_have_text(f"{len(desk)} saved")
    row = page.locator("#saved-list .row[data-id='2407.96001']")
    assert row.locator(".term").all_text_contents() == ["dense", "to-read"]
    assert "unread" in row.locator("[data-field=note]").text_content()
    page.locator("body").screenshot(path=artifact("chromium-saved-tab.png"))
    publish(artifact("chromium-saved-tab.png"), "extension/screenshots/popup-saved.png")

    def expected(words: str = "", tag: str = "") -> list[str]:
        def text(e):
            return " ".join([(e["paper"] or {}).get("title", ""), e["id"], *e["tags"]]).lower()

        return [
            e["id"]
            for e in desk
            if (not tag or tag in e["tags"]) and all(w in text(e) for w in words.lower().split())
        ]

    # the filter: title words, an id, a tag, each word anywhere
    for words in ("passage", "RETRIEVAL augmented", "2407.96002", "dense"):
        page.locator("#saved-filter").fill(words)
        want = expected(words)
        assert want, words
        expect(page.locator("#saved-list .row")).to_have_count(len(want))
        assert visible_ids(page) == want, words
    page.locator("#saved-filter").fill("")
    # a tag chip shows only that tag's papers; All shows them all again
    chip = page.locator("#saved-tags .chip[data-tag='to-read']")
    assert chip.text_content() == f"to-read ({len(expected(tag='to-read'))})"
    chip.click()
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#saved-list .row")).to_have_count(len(expected(tag="to-read")))
    assert visible_ids(page) == expected(tag="to-read")
    page.locator("#saved-filter").fill("dense")
    assert visible_ids(page) == ["2407.96001"]
    page.locator("#saved-tags .chip[data-tag='']").click()
    page.locator("#saved-filter").fill("")
    expect(page.locator("#saved-list .row")).to_have_count(len(desk))
    # a row opens the paper's card
    page.locator("#saved-list .row[data-id='2407.96002']").click()
    expect(page.locator(".card-meta")).to_contain_text("2407.96002")
    assert page.get_by_role("tab", name="This page").get_attribute("aria-selected") == "true"
    expect(page.locator(".card .save")).to_have_attribute("aria-pressed", "true")
    assert page.errors == []


def test_saved_tab_follows_the_card(chrome, paperboy, fresh):
    pid = fresh("2407.96004")
    page, desk = desk_card(chrome, pid)
    desk.locator(".save").click()
    said(desk, "Saved to your library")
    page.get_by_role("tab", name="Saved").click()
    expect(page.locator(f"#saved-list .row[data-id='{pid}']")).to_have_count(1)
    page.get_by_role("tab", name="This page").click()
    desk.locator(".save").click()
    said(desk, "Removed from your library")
    page.get_by_role("tab", name="Saved").click()
    expect(page.locator("#saved-note")).not_to_have_text("Loading\u2026")
    expect(page.locator(f"#saved-list .row[data-id='{pid}']")).to_have_count(0)


def badge(chrome, tab: int) -> tuple[str, list[int]]:
    text = chrome.worker.evaluate("(id) => chrome.action.getBadgeText({ tabId: id })", tab)
    color = chrome.worker.evaluate(
        "(id) => chrome.action.getBadgeBackgroundColor({ tabId: id })", tab
    )
    return text, color


def test_badge_shows_a_saved_paper(chrome, site, paperboy, fresh):
    pid = fresh("2408.90003")
    _, tab = chrome.open(f"{site}/abs/{pid}")
    page = chrome.popup(f"?tab={tab}")
    desk = page.locator(".card .desk")
    expect(desk.locator(".save")).to_be_enabled(timeout=10_000)
    wait_badge(chrome, tab, "#2")
    assert badge(chrome, tab)[1] == [180, 72, 15, 255]  # #b4480f, the known paper's
    desk.locator(".save").click()
    said(desk, "Saved to your library")
    wait_badge(chrome, tab, "\u2605")
    assert badge(chrome, tab)[1] == [26, 127, 55, 255]  # #1a7f37, the saved paper's
    # a tab opened later on the saved paper gets the star by itself
    _, later = chrome.open(f"{site}/abs/{pid}")
    page.evaluate(
        "(m) => chrome.runtime.sendMessage(m)",
        {"type": "paper-shown", "tabId": later, "url": f"{site}/abs/{pid}", "id": pid},
    )
    wait_badge(chrome, later, "\u2605")
    desk.locator(".save").click()
    said(desk, "Removed from your library")
    wait_badge(chrome, tab, "#2")
    wait_badge(chrome, later, "#2")  # every tab showing the paper follows


def wait_badge(chrome, tab: int, text: str, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if badge(chrome, tab)[0] == text:
            return
        time.sleep(0.1)
    raise AssertionError(f"badge of tab {tab} is {badge(chrome, tab)[0]!r}, not {text!r}")


def test_refusals_are_said_and_change_nothing(chrome, paperboy, fresh):
    pid = fresh("2408.90001")
    assert paperboy.call("POST", f"/api/papers/{pid}/desk", {"add_tags": ["kept"]})[0] == 200
    page, desk = desk_card(chrome, pid)
    desk.locator(".tag-input").fill("x" * 51)
    desk.locator(".tag-input").press("Enter")
    status = desk.locator(".desk-status")
    expect(status).to_have_attribute("data-kind", "error")
    expect(status).to_have_text(re.compile(r"^Not changed: tag 'x{20}'\.\.\.: longer than 50"))
    expect(desk.locator(".tag-input")).to_have_value("x" * 51)  # kept, to fix
    desk.locator(".note-text").fill("y" * 10_001)
    desk.locator(".save-note").click()
    expect(status).to_have_text("Not changed: note: 10,001 characters, more than 10,000")
    after = entry_of(paperboy, pid)
    assert after["tags"] == ["kept"] and after["saved_at"] is None and after["note"] == ""
    page.locator("body").screenshot(path=artifact("chromium-desk-refused.png"))


def test_token_and_server_problems_are_said(chrome, paperboy):
    chrome.settings(token="wrong")
    page = chrome.popup("?url=" + quote("https://arxiv.org/abs/2408.90003"))
    desk = page.locator(".card .desk")
    status = desk.locator(".desk-status")
    expect(status).to_have_text(re.compile("^Your desk is unavailable: The API token is wrong. "))
    expect(desk.get_by_role("button", name="Open Options")).to_be_visible()
    expect(desk.locator(".save")).to_be_disabled()  # nothing to act on: no key does anything
    page.locator("body").screenshot(path=artifact("chromium-desk-token.png"))
    page.get_by_role("tab", name="Saved").click()
    expect(page.locator("#saved-note")).to_have_text(
        re.compile("^Your saved papers are unavailable: The API token is wrong. ")
    )
    chrome.settings(token="")
    page.get_by_role("tab", name="This page").click()
    page.get_by_role("tab", name="Saved").click()
    expect(page.locator("#saved-note")).to_contain_text("This needs your API token.")
    down = f"http://127.0.0.1:{free_port()}"
    chrome.settings(serverUrl=down, token=paperboy.token)
    page.get_by_role("tab", name="This page").click()
    page.get_by_role("tab", name="Saved").click()
    expect(page.locator("#saved-note")).to_contain_text(f"Paperboy is not running at {down}.")
    assert page.locator("#saved-list .row").count() == 0
