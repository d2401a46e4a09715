"""The README screenshot: the popup on the Llama 3 paper with its trend badge (needs the corpus)."""

from __future__ import annotations

from urllib.parse import quote

from browser.conftest import artifact, publish

LLAMA = "2407.21783"
PAGE = "hf/daily/2024-08-01_slbqc-dailay_paper_info.html"


def test_llama_3_popup_shows_its_trend_badge(chrome, paperboy, corpus):
    html = (corpus / PAGE).read_text(encoding="utf-8")
    stored = paperboy.ingest("https://huggingface.co/papers?date=2024-08-01", html)
    assert LLAMA in stored["papers"]
    page = chrome.popup("?url=" + quote(f"https://arxiv.org/abs/{LLAMA}"))
    page.wait_for_selector(".card h2")
    card = page.locator(".card")
    assert card.locator("h2").text_content() == "The Llama 3 Herd of Models"
    badges = card.locator(".badge.hf").all_text_contents()
    assert any(b.startswith("HF daily #") and "2024-08-01" in b and "\u25b2" in b for b in badges)
    assert card.locator(".more-authors").is_visible()  # hundreds of authors, collapsed
    card.locator(".similar-list .row, .similar-note:not(:empty)").first.wait_for()
    shot = artifact("chromium-llama.png")
    page.locator("body").screenshot(path=shot)
    publish(shot, "extension/screenshots/popup-llama.png")
    assert page.errors == []
