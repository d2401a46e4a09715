"""The popup in Firefox ESR, driven through its built-in WebDriver BiDi (no geckodriver)."""

from __future__ import annotations

import json
from urllib.parse import quote

from browser.conftest import artifact, free_port

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
