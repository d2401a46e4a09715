"""The e-mail digest in Chromium: the HTML digest as rendered (and the README screenshot), and
the subscribe forms of the extension's options page and of the archive site."""

from __future__ import annotations

import os
import subprocess
from datetime import date

from conftest import CORPUS, ROOT, need
from helpers import DEMO, EXE, serving
from helpers import run as paperboy_run
from mailsink import MailServer, Sink
from playwright.sync_api import expect

from browser.conftest import artifact, publish

SCREENSHOT = ROOT / "site" / "email" / "digest-screenshot.png"
HF_DAY = CORPUS / "hf" / "daily" / "2024-08-01_slbqc-dailay_paper_info.html"
LONGLIVE_DAY = CORPUS / "bulk" / "hf-daily-papers-api_2404589803" / "2026-05-19.json"


def _digest_html(tmp_path, source=None, day=None) -> str:
    """The HTML part of a digest sent to a local SMTP server: the real HF day 2024-08-01 when
    the corpus is here, else the demo day 2024-08-02 (or the given source and day)."""
    data = tmp_path / "data"
    if source is None:
        source, day = (HF_DAY, date(2024, 8, 1)) if HF_DAY.is_file() else (DEMO, date(2024, 8, 2))
    assert paperboy_run(data, "import", str(source)).returncode == 0
    added = paperboy_run(data, "subscribers", "add", "reader@example.org", "--topic", "robot*")
    assert added.returncode == 0
    with MailServer(Sink()) as smtp:
        env = {
            **os.environ,
            "PAPERBOY_DATA": str(data),
            "PAPERBOY_SMTP_PORT": str(smtp.port),
            "PAPERBOY_PUBLIC_URL": "https://pb.example",
        }
        command = [EXE, "digest", "--date", day.isoformat()]
        sent = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert sent.returncode == 0, sent.stderr
        return smtp.handler.messages()[0].get_body(("html",)).get_content()


def test_the_html_digest_renders_and_loads_nothing(chrome, tmp_path):
    """Also the README screenshot: PAPERBOY_UPDATE_SCREENSHOTS=1 copies it to site/email/."""
    html = _digest_html(tmp_path)
    page = chrome.context.new_page()
    page.set_viewport_size({"width": 680, "height": 1040})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_content(html, wait_until="load")
    assert "in Hugging Face's order" in page.locator("h1").first.text_content()
    shot = artifact("chromium-digest.png")
    page.screenshot(path=shot)
    page.close()
    assert requests == []  # no remote images, fonts or styles
    publish(shot, SCREENSHOT)


def test_longlive_entry_shows_its_signals_and_loads_nothing(chrome, tmp_path):
    """LongLive-2.0's entry in the digest of 2026-05-19 (the bulk corpus): organisation, stars,
    comments, Hugging Face's summary, code and project links; its screenshot for docs/digest.md
    (PAPERBOY_UPDATE_SCREENSHOTS=1 copies it to site/email/)."""
    need(LONGLIVE_DAY.is_file(), f"the bulk corpus's 2026-05-19 is absent at {LONGLIVE_DAY}")
    html = _digest_html(tmp_path, LONGLIVE_DAY, date(2026, 5, 19))
    page = chrome.context.new_page()
    page.set_viewport_size({"width": 680, "height": 1040})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_content(html, wait_until="load")
    entry = page.locator("h2", has_text="LongLive-2.0").locator("xpath=ancestor::td[1]")
    text = entry.inner_text()
    assert "NVIDIA \u00b7 \u2605 1,221 GitHub stars" in text and "1 comment" in text
    assert "HUGGING FACE'S SUMMARY" in text.upper() and "LongLive-2.0 presents" in text
    links = {a.inner_text(): a.get_attribute("href") for a in entry.locator("a").all()}
    assert links["Code"] == "https://github.com/NVlabs/LongLive"
    assert links["Project page"] == "https://nvlabs.github.io/LongLive/LongLive2/"
    shot = artifact("chromium-digest-longlive.png")
    entry.screenshot(path=shot)
    page.close()
    assert requests == []  # no remote images, fonts or styles
    publish(shot, "site/email/digest-longlive.png")


def test_options_page_subscribes_to_the_digest(chrome, paperboy):
    page = chrome.context.new_page()
    page.goto(f"{chrome.base}/options.html")
    expect(page.locator("#serverUrl")).to_have_value(paperboy.base)
    page.locator("#email").fill("reader@example.org")
    page.locator("#frequency").select_option("weekly")
    page.locator("#topics").fill("agents\n  \ndiffusion")
    page.get_by_role("button", name="Subscribe").click()
    result = page.locator("#subscribed")
    expect(result).to_contain_text("Check your inbox")
    assert result.get_attribute("data-state") == "ok"
    page.locator("#email").fill("reader@localhost")  # the browser accepts it; Paperboy does not
    page.get_by_role("button", name="Subscribe").click()
    expect(result).to_contain_text("email needs a domain like example.org")
    assert result.get_attribute("data-state") == "error"


def test_site_form_subscribes_from_the_archive_site(chrome, tmp_path):
    """The archive site, built with a configured server URL, served by `paperboy serve`."""
    site, data = tmp_path / "site", tmp_path / "data"
    assert paperboy_run(data, "import", str(DEMO)).returncode == 0
    with serving(data, site_dir=str(site)) as base:
        env = {**os.environ, "PAPERBOY_DATA": str(data), "PAPERBOY_PUBLIC_URL": base}
        built = subprocess.run(
            [EXE, "build", "--out", str(site), "--no-pagefind", "--quiet"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert built.returncode == 0, built.stderr
        page = chrome.context.new_page()
        page.goto(f"{base}/index.html")
        page.locator("#subscribe-email").fill("reader@example.org")
        page.get_by_role("button", name="Subscribe").click()
        expect(page.locator("#subscribe-result")).to_contain_text("Check your inbox")
        page.locator("#subscribe-email").fill("reader@localhost")
        page.get_by_role("button", name="Subscribe").click()
        expect(page.locator("#subscribe-result")).to_contain_text("email needs a domain")
        page.close()
