"""Remember the papers I open in Firefox (issue 19, part 7), in a Firefox of its own whose
HTTPS goes through a local proxy to the local HTTPS server of test_viewed_chromium.py, so that
its arxiv.org is ours. Its test profile grants optional permissions without the prompt a person
would answer, so the whole way runs: a real click asks for the sites and turns the option on,
the background page records a paper page opened on arXiv and not a listing, and turning it off
stops it."""

from __future__ import annotations

import json
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import need

from browser.conftest import EXTENSION, FIREFOX
from browser.drive import Firefox
from browser.test_viewed_chromium import (  # noqa: F401 (sites: a fixture)
    every_tab_handled,
    sites,
    viewed,
    wait_viewed,
)


class Tunnel(BaseHTTPRequestHandler):
    """An HTTPS proxy that sends every CONNECT, whatever its host, to the local HTTPS server."""

    target = 0  # its port

    def do_CONNECT(self):  # noqa: N802 (the http.server name)
        upstream = socket.create_connection(("127.0.0.1", self.target))
        self.send_response(200, "Connection established")
        self.end_headers()
        ends = [self.connection, upstream]
        try:
            while True:
                ready, _, _ = select.select(ends, [], [], 10)
                if not ready:
                    return
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def proxy(sites):  # noqa: F811 (the fixture imported above)
    handler = type("ToSites", (Tunnel,), {"target": sites})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_firefox_records_the_papers_opened_once_turned_on(proxy, own_paperboy, tmp_path_factory):
    need(bool(FIREFOX), "Firefox is not installed (apt-get install firefox-esr)")
    server = own_paperboy()
    prefs = {
        "network.proxy.type": 1,
        "network.proxy.ssl": "127.0.0.1",
        "network.proxy.ssl_port": proxy,
    }
    browser = Firefox(
        FIREFOX, EXTENSION, tmp_path_factory.mktemp("viewed-firefox"), prefs, accept_insecure=True
    )
    try:
        browser.goto(f"{browser.base}/options.html")
        browser.wait_for("browser.storage.local.get().then((s) => 'serverUrl' in s)")
        settings = json.dumps({"serverUrl": server.base, "token": server.token})
        browser.evaluate(f"browser.storage.local.set({settings})")
        browser.goto("https://arxiv.org/abs/2408.90001")  # before: nothing is recorded
        browser.goto(f"{browser.base}/options.html")
        browser.wait_for("document.getElementById('viewedCount').textContent")
        browser.click("#remember")
        browser.wait_for(
            "browser.storage.local.get('rememberViewed').then((s) => s.rememberViewed)"
        )
        assert viewed(server) == []
        browser.goto("https://arxiv.org/abs/2408.90003v1")
        assert browser.evaluate("document.title") == "/abs/2408.90003v1"  # our page, not arXiv's
        wait_viewed(server, ["2408.90003"])
        browser.goto("https://arxiv.org/list/cs.LG/new")  # not a paper: refused, forgotten
        browser.goto("https://arxiv.org/pdf/2408.90002")
        wait_viewed(server, ["2408.90002", "2408.90003"])
        browser.goto(f"{browser.base}/options.html")
        browser.wait_for("document.getElementById('remember').checked")
        browser.click("#remember")  # off
        browser.wait_for(
            "browser.storage.local.get('rememberViewed').then((s) => s.rememberViewed === false)"
        )
        browser.goto("https://arxiv.org/abs/2408.90004")
        browser.goto(f"{browser.base}/options.html")
        every_tab_handled(browser.evaluate, server)
        assert viewed(server) == ["2408.90002", "2408.90003"]
    finally:
        browser.close()
