"""Remember the papers I open (issue 19, part 7), in a Chromium of its own whose arxiv.org and
huggingface.co are a local HTTPS server (--host-resolver-rules), against its own `paperboy serve`.

The option asks for the sites at the click, never before (the manifest holds only optional
permissions for them). Headless Chromium shows its permission prompt where no automation can
press Allow, so the test checks that the click asks (a spy that records the call and passes it
on to the real `permissions.request`), then grants the sites as a person who had allowed them
before would have (the profile's granted permissions, written while the browser is closed):
the same click then turns the option on, pages opened on those sites are recorded (a paper page
is kept, another page is not), turning it off gives the sites back and stops recording, and
*Clear the list* empties it."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from contextlib import nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import need
from playwright.sync_api import expect

from browser.conftest import CHROMIUM, EXTENSION, artifact
from browser.drive import Chrome

ORIGINS = json.loads((EXTENSION / "manifest.json").read_text())["optional_host_permissions"]
HOSTS = ("arxiv.org", "huggingface.co")


class Page(BaseHTTPRequestHandler):
    """Any path: a small HTML page naming it (what arXiv or Hugging Face would show)."""

    def do_GET(self):  # noqa: N802 (the http.server name)
        data = f"<!doctype html><title>{self.path}</title><h1>{self.path}</h1>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """A local HTTPS server (a throwaway self-signed certificate): its port."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=arxiv.org"],
        capture_output=True, text=True,
    )  # fmt: skip
    need(made.returncode == 0, f"openssl cannot make a certificate: {made.stderr[-300:]}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def launch(playwright, profile, port: int) -> Chrome:
    rules = ", ".join(f"MAP {host}:443 127.0.0.1:{port}" for host in HOSTS)
    args = (f"--host-resolver-rules={rules}", "--ignore-certificate-errors")
    return Chrome(playwright, CHROMIUM, EXTENSION, profile, args)


def grant_as_before(profile, extension_id: str) -> None:
    """What Chromium keeps once a person allowed the sites: the profile's granted and active
    permissions (the browser closed)."""
    path = profile / "Default" / "Preferences"
    prefs = json.loads(path.read_text())
    settings = prefs["extensions"]["settings"][extension_id]
    for key in ("granted_permissions", "active_permissions"):
        hosts = settings[key].get("explicit_host", [])
        settings[key]["explicit_host"] = sorted({*hosts, *ORIGINS})
    path.write_text(json.dumps(prefs))


def viewed(server) -> list[str]:
    status, envelope = server.call("GET", "/api/viewed")
    assert status == 200, envelope
    return [p["id"] for p in envelope["data"]["papers"]]


def wait_viewed(server, expected: list[str], seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while viewed(server) != expected and time.monotonic() < end:
        time.sleep(0.1)
    assert viewed(server) == expected


# Tab events reach the extension's worker in order and it handles them one at a time (badge last):
# once a tab opened now has its tooltip, every page opened before it was remembered or not.
EVERY_TAB_HANDLED = """(async () => {
  const ext = globalThis.browser ?? chrome;
  const tab = await ext.tabs.create({ url: %s, active: false });
  const end = Date.now() + 30000;
  let title = "Paperboy";
  while (title === "Paperboy" && Date.now() < end) {
    await new Promise((done) => setTimeout(done, 50));
    title = await ext.action.getTitle({ tabId: tab.id });
  }
  await ext.tabs.remove(tab.id);
  return title;
})()"""


def every_tab_handled(evaluate, server) -> None:
    """Wait until the worker has handled every tab event so far (`evaluate` runs an expression
    in one of the extension's pages): a page that is not a paper gets its tooltip last."""
    title = evaluate(EVERY_TAB_HANDLED % json.dumps(f"{server.base}/api/health"))
    assert title == "Paperboy: no paper on this page"


def options(browser: Chrome, server):
    browser.settings(serverUrl=server.base, token=server.token)
    page = browser.context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{browser.base}/options.html")
    return page


def granted(page) -> bool:
    return page.evaluate("(origins) => chrome.permissions.contains({ origins })", ORIGINS)


def stored(page):
    return page.evaluate("chrome.storage.local.get('rememberViewed')").get("rememberViewed")


def test_the_option_asks_at_the_click_records_papers_and_clears(
    sites, own_paperboy, tmp_path_factory, pw
):
    need(CHROMIUM.is_file(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")

    server = own_paperboy()
    profile = tmp_path_factory.mktemp("viewed-chromium")
    manifest = json.loads((EXTENSION / "manifest.json").read_text())
    assert not set(ORIGINS) & set(manifest["host_permissions"])
    with nullcontext(pw) as playwright:  # the session's: a second one is refused
        browser = launch(playwright, profile, sites)
        try:
            page = options(browser, server)
            expect(page.get_by_label("Remember the papers I open")).not_to_be_checked()
            expect(page.locator("#viewed")).to_contain_text("Nothing leaves the machine")
            expect(page.locator("#viewedCount")).to_have_text("Your list holds 0 papers.")
            assert not granted(page) and stored(page) is None  # nothing asked before the click
            # opening a paper page now records nothing: the option is off
            browser.context.new_page().goto("https://arxiv.org/abs/2408.90003")
            page.evaluate(
                """() => { window.asked = [];
                   const real = chrome.permissions.request.bind(chrome.permissions);
                   chrome.permissions.request = (what) => {
                     window.asked.push({ what, gesture: navigator.userActivation.isActive });
                     return real(what);
                   }; }"""
            )
            assert page.evaluate("window.asked") == []
            page.get_by_label("Remember the papers I open").click()
            asked = page.evaluate("window.asked")
            assert asked == [{"what": {"origins": ORIGINS}, "gesture": True}]
            expect(page.locator("#viewedCount")).to_have_text(
                "Asking your browser for access to those sites…"
            )
            assert not granted(page) and stored(page) is None  # the prompt is still open
            assert viewed(server) == []
            extension_id = browser.id
        finally:
            browser.close()

        grant_as_before(profile, extension_id)
        browser = launch(playwright, profile, sites)
        try:
            page = options(browser, server)
            expect(page.get_by_label("Remember the papers I open")).not_to_be_checked()
            page.get_by_label("Remember the papers I open").click()  # granted: asked, no prompt
            expect(page.get_by_label("Remember the papers I open")).to_be_checked()
            assert stored(page) is True and granted(page)
            tab = browser.context.new_page()
            tab.goto("https://arxiv.org/abs/2408.90003v2")
            wait_viewed(server, ["2408.90003"])
            tab.goto("https://arxiv.org/list/cs.LG/new")  # not a paper: the server refuses it
            tab.goto("https://huggingface.co/papers/2408.90001")
            wait_viewed(server, ["2408.90001", "2408.90003"])
            status, envelope = server.call("GET", "/api/viewed")
            assert envelope["data"]["papers"][1]["url"] == "https://arxiv.org/abs/2408.90003v2"
            page.reload()
            expect(page.get_by_label("Remember the papers I open")).to_be_checked()
            expect(page.locator("#viewedCount")).to_have_text("Your list holds 2 papers.")
            page.screenshot(path=artifact("options-viewed.png"), full_page=True)

            page.get_by_label("Remember the papers I open").click()  # off
            expect(page.locator("#viewedCount")).to_have_text(
                "Turned off: no more papers are noted."
            )
            assert stored(page) is False and not granted(page)
            tab.goto("https://arxiv.org/abs/2408.90002")
            every_tab_handled(page.evaluate, server)
            assert viewed(server) == ["2408.90001", "2408.90003"]

            page.get_by_role("button", name="Clear the list").click()
            expect(page.locator("#viewedCount")).to_have_text("Cleared: 2 papers forgotten.")
            assert viewed(server) == []
            assert page.errors == []
        finally:
            browser.close()
