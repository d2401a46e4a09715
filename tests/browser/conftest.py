"""Browser-test fixtures: a real `paperboy serve` on a temporary store, a local web server for the
pages the extension looks at, Chromium (Playwright) and Firefox (WebDriver BiDi) with the extension.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, need  # tests/conftest.py: skip normally, fail under CI=true
from helpers import serving, tiny_png

from browser import pages
from browser.drive import Chrome, Firefox
from server.archive import thumbnail_target

EXTENSION = ROOT / "extension"
DEMO = ROOT / "server" / "demo"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path(os.environ.get("PAPERBOY_CHROMIUM", "/usr/lib/chromium/chromium"))
FIREFOX = (
    os.environ.get("PAPERBOY_FIREFOX") or shutil.which("firefox-esr") or shutil.which("firefox")
)
# `paperboy`, run by this Python (the venv's, whichever `paperboy` is first on PATH)
PAPERBOY = [sys.executable, "-c", "from server.cli import main; main(prog_name='paperboy')"]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Paperboy:
    """A running `paperboy serve` subprocess on a temporary data directory."""

    def __init__(self, data: Path):
        self.data, self.port = data, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = self.run("token").strip()
        self.log = open(data.parent / f"{data.name}-serve.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*PAPERBOY, "--data", str(data), "serve", "--port", str(self.port)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait()

    def run(self, *args: str) -> str:
        """Run one `paperboy` verb on this data directory and return its output."""
        done = subprocess.run(
            [*PAPERBOY, "--data", str(self.data), *args], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode in (0, 1), done.stderr
        return done.stdout

    def wait(self, seconds: float = 30) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            assert self.proc.poll() is None, f"paperboy serve exited: see {self.log.name}"
            try:
                if self.call("GET", "/api/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"paperboy serve did not answer on {self.base}")

    def call(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        """One API call: (status, envelope)."""
        request = urllib.request.Request(
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def ingest(self, url: str, text: str) -> dict:
        """Store a page through the API, as the extension does."""
        status, body = self.call("POST", "/api/ingest", {"url": url, "html": text})
        assert status == 201, body
        return body["data"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


@pytest.fixture(scope="session")
def paperboy(tmp_path_factory):
    """`paperboy serve` on a store filled from server/demo and the test pages."""
    data = tmp_path_factory.mktemp("store") / "data"
    subprocess.run([*PAPERBOY, "--data", str(data), "import", "--quiet", str(DEMO)], check=True)
    server = Paperboy(data)
    server.ingest(pages.RELATED_URL, pages.related_papers())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def own_paperboy(tmp_path_factory):
    """Start another `paperboy serve`, each on its own demo store, for a test whose state the
    shared server cannot go back on (the day the lists were seen only moves forward); all are
    stopped after the module."""
    started: list[Paperboy] = []

    def start() -> Paperboy:
        data = tmp_path_factory.mktemp("own") / "data"
        subprocess.run([*PAPERBOY, "--data", str(data), "import", "--quiet", str(DEMO)], check=True)
        started.append(Paperboy(data))
        return started[-1]

    yield start
    for server in started:
        server.stop()


# LongLive-2.0 (issue 20): Hugging Face's signals on the card, in Chromium and Firefox
LONGLIVE = "2605.18739"
DAY = "2026-05-19"
BULK = "bulk/hf-daily-papers-api_2404589803"
GROWING = "2407.98801"


@pytest.fixture(scope="module")
def signals_server(own_paperboy):
    """A server of its own holding LongLive-2.0's day with a thumbnail in its data folder, and a
    paper whose stars were read on two listing days (100, then 160)."""
    source = CORPUS / BULK / f"{DAY}.json"
    need(source.is_file(), f"the bulk corpus's {DAY} is absent at {source}")
    server = own_paperboy()
    day = source.read_text(encoding="utf-8")
    stored = server.ingest(f"https://huggingface.co/api/daily_papers?date={DAY}", day)
    assert LONGLIVE in stored["papers"]
    target = thumbnail_target(server.data, LONGLIVE, "png")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(tiny_png(160, 90, (118, 185, 0)))
    for date, stars in (("2024-07-22", 100), ("2024-07-23", 160)):
        item = pages._item(
            GROWING,
            "Growing Stars",
            "A paper whose repository gains stars.",
            ["Ann Plain"],
            1,
            githubRepo="https://github.com/example/growing",
            githubStars=stars,
        )
        # saved files, as a daily job would have kept them: each a reading of its own day (a
        # page fetched now is a reading of today, whatever day it lists)
        saved = server.data.parent / f"hf-api-{date}.json"
        saved.write_text(json.dumps([item]), encoding="utf-8")
        server.run("import", "--quiet", str(saved))
    return server


@pytest.fixture
def fresh(paperboy):
    """Paper ids whose desk on the shared server is cleared before and after the test."""
    used: list[str] = []

    def clear(pid: str) -> None:
        status, body = paperboy.call("GET", f"/api/papers/{pid}/desk")
        assert status == 200, body
        change = {"saved": False, "read": False, "note": "", "remove_tags": body["data"]["tags"]}
        assert paperboy.call("POST", f"/api/papers/{pid}/desk", change)[0] == 200

    def take(pid: str) -> str:
        clear(pid)
        used.append(pid)
        return pid

    yield take
    for pid in used:
        clear(pid)


@pytest.fixture(scope="session")
def served_site(paperboy, tmp_path_factory):
    """The test store's archive site, built, and served with the API by its own `paperboy serve`
    (a second server over the same store: the desk it shows is the shared server's)."""
    site = tmp_path_factory.mktemp("site") / "site"
    paperboy.run("build", "--no-pagefind", "--out", str(site))
    assert (site / "search.html").is_file() and (site / "desk.html").is_file()
    with serving(paperboy.data, site_dir=str(site)) as base:
        yield base


class Handler(BaseHTTPRequestHandler):
    """Serves the test pages; any /api/ path answers like a web server that is not Paperboy."""

    def do_GET(self):  # noqa: N802 (the http.server name)
        page = pages.ROUTES.get(self.path.split("?")[0])
        status, body = (200, page()) if page else (404, "<h1>Not Found</h1>")
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site():
    """A local web server for the pages the extension looks at: its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def stalled():
    """A server URL that accepts connections and never answers (to see the timeout)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []

    def hold():
        while True:
            try:
                held.append(sock.accept()[0])
            except OSError:
                return

    threading.Thread(target=hold, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    for conn in held:
        conn.close()


def artifact(name: str) -> Path:
    """A path under tests/browser/artifacts/ (gitignored) for a screenshot."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def publish(shot: Path, dest: str) -> None:
    """With PAPERBOY_UPDATE_SCREENSHOTS=1, copy a screenshot to `dest` (a path in the repository),
    where the docs show it."""
    if os.environ.get("PAPERBOY_UPDATE_SCREENSHOTS") == "1":
        (ROOT / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, ROOT / dest)


@pytest.fixture(scope="session")
def pw():
    """The session's one Playwright: its sync API refuses to start a second one in the thread
    while the first runs, so a test that needs a Chromium of its own launches it from this."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(tmp_path_factory, paperboy, pw):
    """Chromium (Debian's, never a downloaded one) with the extension, set to the test server."""
    need(CHROMIUM.is_file(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    browser = Chrome(pw, CHROMIUM, EXTENSION, tmp_path_factory.mktemp("chromium"))
    yield browser
    browser.close()


@pytest.fixture
def chrome(chromium, paperboy):
    """The Chromium session with the settings pointing at the test server, tidied after."""
    chromium.settings(serverUrl=paperboy.base, token=paperboy.token)
    yield chromium
    chromium.close_pages()


@pytest.fixture(scope="session")
def firefox(tmp_path_factory, paperboy):
    """Firefox ESR with the extension installed over WebDriver BiDi, set to the test server."""
    need(bool(FIREFOX), "Firefox is not installed (apt-get install firefox-esr)")
    browser = Firefox(FIREFOX, EXTENSION, tmp_path_factory.mktemp("firefox"))
    try:
        browser.goto(f"{browser.base}/options.html")
        stored = "browser.storage.local.get().then((s) => 'serverUrl' in s && 'token' in s)"
        browser.wait_for(stored)
        settings = json.dumps({"serverUrl": paperboy.base, "token": paperboy.token})
        browser.evaluate(f"browser.storage.local.set({settings})")
        yield browser
    finally:
        browser.close()
