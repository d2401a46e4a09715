"""The desk page and the paper pages' desk bar of the archive site served by `paperboy serve`, in
Chromium: what the popup saves shows there, the keys act on the server's desk, catch-up and For
you match the API, a static copy shows its note, nothing is loaded from elsewhere, and a page of
another origin cannot get the desk session or write with it."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from urllib.parse import urlsplit

from playwright.sync_api import expect

from browser.conftest import artifact, publish
from browser.test_desk_chromium import desk_card, entry_of, said
from browser.test_tabs_chromium import api

SELECTED = "document.querySelector('.desk-item.selected')?.dataset.id ?? null"


def open_page(chrome, url: str):
    """A new tab on `url`, recording every request it makes and every script error."""
    page = chrome.context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(url)
    return page


def desk_page(chrome, base: str):
    page = open_page(chrome, f"{base}/desk")
    expect(page.locator("#desk")).to_be_visible(timeout=10_000)
    expect(page.locator("#desk-note")).to_be_hidden()
    expect(page.locator("#desk-saved .desk-section-note")).not_to_be_empty()
    return page


def saved_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "#desk-saved .desk-item", "(rows) => rows.map((r) => r.dataset.id)"
    )


def test_saved_in_the_popup_shows_on_the_desk_page_and_in_the_library(
    chrome, paperboy, served_site, fresh
):
    pid = fresh("2408.90006")
    popup, desk = desk_card(chrome, pid)
    desk.locator(".save").click()
    said(desk, "Saved to your library")
    desk.locator(".tag-input").fill("popup tag")
    desk.locator(".tag-input").press("Enter")
    said(desk, "Tagged popup tag")
    page = desk_page(chrome, served_site)
    expected = [e["id"] for e in api(paperboy, "/api/desk")["papers"]]
    assert pid in expected
    assert saved_ids(page) == expected
    row = page.locator(f"#desk-saved .desk-item[data-id='{pid}']")
    expect(row.locator(".desk-tags li")).to_have_text(["popup tag\u00d7"])
    expect(row.locator("button[aria-keyshortcuts=s]")).to_have_text("Saved \u2605")
    # the tag filter shows only the papers with the tag, as `paperboy library --tag` does
    page.locator("#desk-saved .desk-filter button", has_text="popup tag").click()
    expect(page.locator("#desk-saved .desk-item")).to_have_count(1)
    library = json.loads(paperboy.run("library", "--tag", "popup tag", "--format", "json"))
    assert [p["id"] for p in library] == [pid] == saved_ids(page)
    assert not page.errors


def test_keys_move_save_read_tag_and_note(chrome, paperboy, served_site, fresh):
    page = desk_page(chrome, served_site)
    expect(page.locator("#desk-catchup .desk-item").first).to_be_visible()
    expect(page.locator(".desk-keys")).to_contain_text("j/k move")
    page.locator("body").press("j")
    first = page.evaluate(SELECTED)
    rows = page.eval_on_selector_all(".desk-item", "(rows) => rows.map((r) => r.dataset.id)")
    assert first == rows[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    pid = page.evaluate(SELECTED)
    assert pid == rows[1]
    fresh(pid)
    page.reload()  # with its desk cleared
    expect(page.locator("#desk-catchup .desk-item").first).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate(SELECTED) == pid
    status = page.locator(".desk-status")
    page.keyboard.press("s")
    expect(status).to_have_text("Saved")
    assert entry_of(paperboy, pid)["saved_at"]
    expect(page.locator(f"#desk-saved .desk-item[data-id='{pid}']")).to_have_count(1)
    page.keyboard.press("r")
    expect(status).to_have_text("Marked read")
    assert entry_of(paperboy, pid)["read_at"]
    page.keyboard.press("t")
    tag_box = page.locator(".desk-item.selected .desk-tag-form input")
    expect(tag_box).to_be_focused()
    tag_box.fill("keyed")
    tag_box.press("Enter")
    expect(status).to_have_text("Tagged keyed")
    assert entry_of(paperboy, pid)["tags"] == ["keyed"]
    tag_box.press("Escape")
    page.keyboard.press("n")
    note_box = page.locator(".desk-item.selected .desk-note-form textarea")
    expect(note_box).to_be_focused()
    note_box.fill("<b>read §3</b>")
    note_box.press("Control+Enter")
    expect(status).to_have_text("Note saved")
    assert entry_of(paperboy, pid)["note"] == "<b>read §3</b>"
    # the note is shown as text, on every row of this paper
    shown = page.locator(f".desk-item[data-id='{pid}'] .desk-note-text")
    expect(shown.first).to_have_text("<b>read §3</b>")
    assert page.locator(f".desk-item[data-id='{pid}'] .desk-note-text b").count() == 0
    note_box.press("Escape")
    page.keyboard.press("s")  # unsave
    expect(status).to_have_text("Removed from your library")
    assert entry_of(paperboy, pid)["saved_at"] is None
    page.screenshot(path=artifact("desk-page-keys.png"), full_page=True)
    assert not page.errors


def test_slash_searches_the_archive_as_the_api_does(chrome, paperboy, served_site):
    page = desk_page(chrome, served_site)
    page.keyboard.press("/")
    box = page.locator("#desk-q")
    expect(box).to_be_focused()
    box.fill("retrieval")
    box.press("Enter")
    expected = api(paperboy, "/api/search?q=retrieval&per_page=20")
    rows = page.locator("#desk-results .desk-item")
    expect(rows).to_have_count(len(expected["hits"]))
    assert len(expected["hits"]) >= 1
    ids = page.eval_on_selector_all(
        "#desk-results .desk-item", "(rows) => rows.map((r) => r.dataset.id)"
    )
    assert ids == [h["id"] for h in expected["hits"]]
    assert page.evaluate(SELECTED) == ids[0]  # the first result is selected, for the keys
    href = rows.first.locator("a.title").get_attribute("href")
    assert href == f"{served_site}/{expected['hits'][0]['site_page']}"


def test_catchup_for_you_and_mark_seen(chrome, own_paperboy, tmp_path):
    server = own_paperboy()
    api(server, "/api/papers/2408.90003/desk", "POST", {"saved": True})
    server.run("build", "--no-pagefind", "--out", str(tmp_path / "site"))
    page = desk_page(chrome, server.base)
    before = api(server, "/api/catchup?limit=50")
    assert not before["caught_up"] and before["total"] >= 5
    catchup = page.locator("#desk-catchup")
    expect(catchup.locator(".desk-section-note")).to_contain_text(before["heading"])
    ids = [p["id"] for p in before["papers"]]
    expect(catchup.locator(".desk-item")).to_have_count(len(ids))
    shown = page.eval_on_selector_all(
        "#desk-catchup .desk-item", "(rows) => rows.map((r) => r.dataset.id)"
    )
    assert shown == ids
    picks = api(server, "/api/recommend?limit=10")
    assert picks["papers"], picks
    foryou = page.eval_on_selector_all(
        "#desk-foryou .desk-item", "(rows) => rows.map((r) => r.dataset.id)"
    )
    assert foryou == [p["id"] for p in picks["papers"]]
    expect(page.locator("#desk-foryou .desk-detail").first).to_contain_text(
        "close to \u201cSelf-Correcting Agents with Verifier Feedback\u201d"
    )
    page.set_viewport_size({"width": 1000, "height": 1300})
    page.screenshot(path=artifact("desk-page.png"))
    publish(artifact("desk-page.png"), "site/screenshots/desk.png")
    catchup.get_by_role("button", name="Mark as seen").click()
    expect(catchup.locator("h2")).to_have_text("You are caught up")
    expect(catchup.locator(".desk-item")).to_have_count(0)
    after = api(server, "/api/catchup")
    assert after["caught_up"] and after["since"] == before["to"]
    assert not page.errors


def test_paper_page_shows_save_and_tags(chrome, paperboy, served_site, fresh):
    pid = fresh("2408.90004")
    tags = {"saved": True, "add_tags": ["retrieval", "to <read>"]}
    api(paperboy, f"/api/papers/{pid}/desk", "POST", tags)
    page = open_page(chrome, f"{served_site}/paper/{pid}.html")
    bar = page.locator("#desk-bar")
    expect(bar).to_be_visible(timeout=10_000)
    expect(bar.locator(".desk-tags li")).to_have_text(["retrieval\u00d7", "to <read>\u00d7"])
    save = bar.locator("button[aria-keyshortcuts=s]")
    expect(save).to_have_text("Saved \u2605")
    save.click()
    expect(save).to_have_text("Save")
    assert entry_of(paperboy, pid)["saved_at"] is None
    page.locator("body").press("s")
    expect(save).to_have_text("Saved \u2605")
    assert entry_of(paperboy, pid)["saved_at"]
    bar.locator(".desk-tags li", has_text="retrieval").get_by_role("button").click()
    expect(bar.locator(".desk-tags li")).to_have_text(["to <read>\u00d7"])
    assert entry_of(paperboy, pid)["tags"] == ["to <read>"]
    page.screenshot(path=artifact("paper-page-desk-bar.png"))
    assert not page.errors


def test_a_static_copy_shows_the_note_and_no_desk(chrome, paperboy, tmp_path):
    site = tmp_path / "site"
    paperboy.run("build", "--no-pagefind", "--out", str(site))
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        page = open_page(chrome, f"{base}/desk.html")
        expect(page.locator("#desk-note")).to_contain_text("paperboy serve")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#desk")).to_be_hidden()
        assert f"{base}/api/session" in page.requests  # it asked, and a web server said no
        paper = open_page(chrome, f"{base}/paper/2408.90003.html")
        paper.wait_for_load_state("networkidle")
        expect(paper.locator("#desk-bar")).to_be_hidden()
        assert not page.errors and not paper.errors
        file_page = open_page(chrome, (site / "desk.html").as_uri())
        expect(file_page.locator("#desk-note")).to_be_visible()
        assert not file_page.errors
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_the_desk_page_loads_nothing_from_elsewhere(chrome, served_site):
    page = desk_page(chrome, served_site)
    page.wait_for_load_state("networkidle")
    origin = urlsplit(served_site).netloc
    elsewhere = [u for u in page.requests if urlsplit(u).netloc != origin]
    assert not elsewhere, elsewhere
    assert any(u.endswith("/assets/desk.js") for u in page.requests)


def test_another_origin_cannot_get_the_session_or_write(chrome, paperboy, served_site, site, fresh):
    """A page on another port of 127.0.0.1 (another origin, the same site) tries the session
    route, and a write with a session token it read off a real desk page: both refused."""
    pid = fresh("2408.90008")
    own = desk_page(chrome, served_site)
    token = own.evaluate(
        "fetch('/api/session').then((r) => r.json()).then((body) => body.data.token)"
    )
    hostile = open_page(chrome, f"{site}/abs/2408.90001")
    got = hostile.evaluate(
        """(base) => fetch(base + '/api/session').then((r) => r.status, (e) => 'refused: ' + e)""",
        served_site,
    )
    assert str(got).startswith("refused"), got
    wrote = hostile.evaluate(
        """([base, pid, token]) => fetch(`${base}/api/papers/${pid}/desk`, {
             method: 'POST', body: JSON.stringify({ saved: true }),
             headers: { 'Content-Type': 'application/json', 'X-Paperboy-Session': token },
           }).then((r) => r.status, (e) => 'refused: ' + e)""",
        [served_site, pid, token],
    )
    assert str(wrote).startswith("refused"), wrote
    # a simple (no preflight) form post cannot carry the header, and without it there is no token
    posted = hostile.evaluate(
        """([base, pid]) => fetch(`${base}/api/papers/${pid}/desk`, {
             method: 'POST', mode: 'no-cors', body: '{"saved": true}',
             headers: { 'Content-Type': 'text/plain' },
           }).then((r) => r.type, (e) => 'refused: ' + e)""",
        [served_site, pid],
    )
    assert posted in ("opaque",) or str(posted).startswith("refused")
    assert entry_of(paperboy, pid)["saved_at"] is None


def test_recently_viewed_shows_what_the_extension_recorded(chrome, paperboy, served_site):
    """The papers the extension recorded (POST /api/viewed, as its background worker sends them)
    are the desk page's "Recently viewed", newest first, as the API lists them."""
    for url in ("https://arxiv.org/abs/2408.90005v1", "https://huggingface.co/papers/2408.90002"):
        status, body = paperboy.call("POST", "/api/viewed", {"url": url})
        assert status == 201, body
    expected = api(paperboy, "/api/viewed?limit=30")["papers"]
    assert [p["id"] for p in expected[:2]] == ["2408.90002", "2408.90005"]
    page = desk_page(chrome, served_site)
    rows = page.locator("#desk-viewed .desk-item")
    expect(rows).to_have_count(len(expected))
    shown = page.eval_on_selector_all(
        "#desk-viewed .desk-item", "(rows) => rows.map((r) => r.dataset.id)"
    )
    assert shown == [p["id"] for p in expected]
    expect(rows.first.locator(".desk-detail")).to_contain_text("opened ")
    assert paperboy.call("POST", "/api/viewed/clear", {})[0] == 200
    page.reload()
    expect(page.locator("#desk-viewed .desk-section-note")).to_contain_text("Nothing yet")
