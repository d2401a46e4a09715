"""Every failure shows in the popup in words a researcher can act on; never blank, never bare."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from browser import pages
from browser.conftest import artifact, free_port

PAPER = "?url=" + quote("https://arxiv.org/abs/2408.90003")


def status_of(page, kind: str) -> tuple[str, str]:
    page.wait_for_selector(f"#status[data-kind={kind}]", timeout=15_000)
    body = page.locator("body").text_content()
    assert "Failed to fetch" not in body and "NetworkError" not in body
    return (
        page.locator("#status .headline").text_content(),
        page.locator("#status .hint").text_content(),
    )


def test_server_not_running(chrome):
    down = f"http://127.0.0.1:{free_port()}"
    chrome.settings(serverUrl=down)
    page = chrome.popup(PAPER)
    headline, hint = status_of(page, "error-offline")
    assert headline == f"Paperboy is not running at {down}."
    assert hint.startswith("Start it with `paperboy serve`")
    assert page.get_by_role("button", name="Open Options").is_visible()
    page.locator("body").screenshot(path=artifact("chromium-server-down.png"))


def test_server_comes_back_on_try_again(chrome, paperboy):
    chrome.settings(serverUrl=f"http://127.0.0.1:{free_port()}")
    page = chrome.popup(PAPER)
    status_of(page, "error-offline")
    chrome.settings(serverUrl=paperboy.base)
    page.get_by_role("button", name="Try again").click()
    page.wait_for_selector(".card h2")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", 'The server URL "not a url" is not a URL.'),
        (
            "https://example.org",
            'The server URL "https://example.org" is not a local Paperboy server.',
        ),
    ],
)
def test_wrong_server_url(chrome, url, words):
    chrome.settings(serverUrl=url)
    headline, hint = status_of(chrome.popup(PAPER), "error-bad-url")
    assert headline == words
    assert "Options" in hint


def test_server_that_is_not_paperboy(chrome, site):
    chrome.settings(serverUrl=site)
    headline, hint = status_of(chrome.popup(PAPER), "error-not-paperboy")
    assert headline == f"The server at {site} answered (HTTP 404) but it is not Paperboy."
    assert "server URL and port in Options" in hint


def test_timeout(chrome, stalled):
    chrome.settings(serverUrl=stalled)
    page = chrome.popup(PAPER)
    headline, hint = status_of(page, "error-timeout")
    assert headline == f"Paperboy at {stalled} did not answer within 5 s."
    assert "try again" in hint


@pytest.mark.parametrize(
    ("token", "kind", "words", "hint"),
    [
        ("", "error-token", "This needs your API token.", "Run `paperboy token`"),
        ("wrong", "error-token", "The API token is wrong.", "Copy it again from `paperboy token`"),
    ],
)
def test_missing_or_wrong_token(chrome, site, token, kind, words, hint):
    chrome.settings(token=token)
    _, tab = chrome.open(f"{site}/abs/{pages.UNSTORED_ID}")
    page = chrome.popup(f"?url={quote(f'https://arxiv.org/abs/{pages.UNSTORED_ID}')}&tab={tab}")
    # reading the page (/api/parse) needs the token already, as storing it does
    headline, shown = status_of(page, kind)
    assert page.get_by_role("button", name="Add this page").count() == 0
    assert headline == words
    assert shown.startswith(hint)
    page.locator("body").screenshot(path=artifact(f"chromium-token-{token or 'missing'}.png"))


def test_unknown_paper_without_a_tab_says_where_to_add_it(chrome):
    page = chrome.popup("?url=" + quote("https://arxiv.org/abs/2401.00001"))
    headline, hint = status_of(page, "unknown")
    assert headline == "Not in your archive"
    assert hint.startswith("2401.00001: Open the paper's page in a tab")
