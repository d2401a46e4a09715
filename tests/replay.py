"""A replay server for the crawler's tests: saved pages at their real paths on 127.0.0.1, with
faults injected on demand, and a fake clock so delays and backoff are checked without sleeping.

The Hugging Face Hub's repository lists answer [] unless a test adds a page at that path.
Faults (per path, in order, or at random at a rate): 429 with Retry-After, 503 (or 500 when
asked by name), a timeout, a truncated body, a wrong content type, a redirect loop, a 10 MB
page. robots.txt is a setting.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import threading
import time
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from server.models import Paper

FAULTS = ("429", "503", "timeout", "truncated", "wrong-type", "redirect-loop", "huge")
TRANSIENT = ("429", "503", "timeout", "truncated")  # the fetcher retries these in the same run
HUGE = 10 * 1024 * 1024
HUB_LISTS = ("/api/models?", "/api/datasets?", "/api/spaces?")  # [] unless a page is added
CAPTCHA = b"<html><body><h1>One more step</h1><p>Checking your browser...</p></body></html>"


class FakeClock:
    """A clock whose sleep() only moves its time forward, and remembers each sleep."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@dataclass
class Page:
    """A saved response: body, content type, extra headers."""

    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    """One request the server saw."""

    path: str
    headers: dict[str, str]
    fault: str | None
    at: float


class Replay:
    """Serves pages by path (with query); start with `with Replay() as r:`; r.url is its base."""

    def __init__(self, seed: int = 0):
        self.pages: dict[str, Page] = {}
        self.dirs: list[tuple[str, Path, bytes | None]] = []  # (path prefix, folder, default body)
        self.faults: dict[str, list[str]] = {}
        self.random_rate, self.random_kinds = 0.0, TRANSIENT
        self.rng = random.Random(seed)
        self.robots: str | None = "User-agent: *\nDisallow: /private/\n"
        self.atom_papers: dict[str, Paper] = {}
        self.gone: set[str] = set()  # paths answering 404 whatever else would answer them
        self.timeout_seconds = 0.6
        self.gzip = True
        self.etags = True
        self.clock: FakeClock | None = None  # when set, hits are stamped with its time
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.replay = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Replay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # -- what it serves ---------------------------------------------------------------------------

    def add(self, path: str, body: bytes | str, content_type: str, **headers: str) -> None:
        """Serve body at path (path may carry a query: /api/daily_papers?date=2024-08-01)."""
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(data, content_type, headers)

    def add_file(self, path: str, file: Path, content_type: str) -> None:
        """Serve a saved file at path."""
        self.add(path, file.read_bytes(), content_type)

    def hf_api_days(self, folder: Path) -> None:
        """/api/daily_papers?date=D from folder/D.json, and [] for days it lacks (as HF does)."""
        self.dirs.append(("/api/daily_papers?date=", folder, b"[]"))

    def fault(self, path: str, *kinds: str) -> None:
        """The next requests for path get these faults, in order, then the page."""
        self.faults.setdefault(path, []).extend(kinds)

    def random_faults(self, rate: float, kinds: tuple[str, ...] = TRANSIENT) -> None:
        """Each request gets a fault from kinds with probability rate."""
        self.random_rate, self.random_kinds = rate, kinds

    def paths(self, prefix: str = "/") -> list[str]:
        """Paths requested so far, in order."""
        return [h.path for h in self.hits if h.path.startswith(prefix)]

    # -- answering ---------------------------------------------------------------------------------

    def _take_fault(self, path: str) -> str | None:
        with self._lock:
            planned = self.faults.get(path)
            if planned:
                return planned.pop(0)
            if self.random_rate and self.rng.random() < self.random_rate:
                return self.rng.choice(self.random_kinds)
        return None

    def lookup(self, path: str) -> Page | None:
        """The page for a path, from the pages, the folders or the generated Atom API."""
        if path == "/robots.txt":  # robots = None: the site has none (404)
            return Page(self.robots.encode(), "text/plain") if self.robots is not None else None
        if path in self.gone:
            return None
        if path in self.pages:
            return self.pages[path]
        for prefix, folder, default in self.dirs:
            if path.startswith(prefix):
                file = folder / f"{path[len(prefix) :]}.json"
                body = file.read_bytes() if file.is_file() else default
                return Page(body, "application/json") if body is not None else None
        if path.startswith("/api/query?"):
            return Page(self._atom(path), "application/atom+xml")
        if path.startswith(HUB_LISTS):  # as the Hub answers for a tag no repository carries
            return Page(b"[]", "application/json")
        return None

    def _atom(self, path: str) -> bytes:
        """An arXiv API answer for id_list, made from atom_papers (unknown ids are left out)."""
        ids = parse_qs(urlsplit(path).query).get("id_list", [""])[0].split(",")
        entries = [_entry(self.atom_papers[i]) for i in ids if i in self.atom_papers]
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
            f"<title>arXiv Query: id_list={escape(','.join(ids))}</title>\n"
            f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>\n"
            + "".join(entries)
            + "</feed>\n"
        ).encode()


def _entry(p: Paper) -> str:
    authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in p.authors)
    cats = "".join(f'<category term="{escape(c)}"/>' for c in p.categories)
    return (
        f"<entry><id>http://arxiv.org/abs/{p.id}v{p.version or 1}</id>"
        f"<title>{escape(p.title)}</title><summary>{escape(p.abstract)}</summary>"
        f"<published>2024-08-01T00:00:00Z</published>{authors}{cats}</entry>\n"
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet: the test output is for the tests
        pass

    def do_GET(self) -> None:
        replay: Replay = self.server.replay  # type: ignore[attr-defined]
        fault = None if self.path.startswith("/loop/") else replay._take_fault(self.path)
        with replay._lock:
            at = replay.clock.now() if replay.clock else time.monotonic()
            replay.hits.append(Hit(self.path, dict(self.headers), fault, at))
        try:
            if fault:
                return self._fault(fault, replay)
            if self.path.startswith("/loop/"):
                other = "/loop/2" if self.path == "/loop/1" else "/loop/1"
                return self._send(302, b"", "text/plain", {"Location": other})
            page = replay.lookup(self.path)
            if page is None:
                return self._send(404, b"Not Found", "text/plain")
            self._page(page, replay)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout or a refused page): nothing to do

    def _page(self, page: Page, replay: Replay) -> None:
        etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
        if replay.etags and self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", page.content_type, {"ETag": etag})
        headers = {"ETag": etag, **page.headers} if replay.etags else dict(page.headers)
        body = page.body
        if replay.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body, headers["Content-Encoding"] = gzip.compress(body, mtime=0), "gzip"
        self._send(200, body, page.content_type, headers)

    def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _fault(self, fault: str, replay: Replay) -> None:
        if fault == "429":
            return self._send(429, b"slow down", "text/plain", {"Retry-After": "7"})
        if fault in ("500", "503"):
            return self._send(int(fault), b"busy", "text/plain")
        if fault == "timeout":
            time.sleep(replay.timeout_seconds)  # longer than the client waits
            self.close_connection = True
            return None
        if fault == "wrong-type":
            page = replay.lookup(self.path)
            html = page is not None and page.content_type.startswith("text/html")
            body = b'{"error": "rate limited"}' if html else CAPTCHA
            return self._send(200, body, "application/json" if html else "text/html")
        if fault == "redirect-loop":
            return self._send(302, b"", "text/plain", {"Location": "/loop/1"})
        page = replay.lookup(self.path) or Page(b"x" * 1000, "text/html")
        if fault == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body[: len(page.body) // 2])
            self.close_connection = True
            return None
        if fault == "huge":
            return self._huge()
        raise ValueError(f"unknown fault {fault!r}")

    def _huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        chunk = b"<p>" + b"x" * 65533
        for _ in range(HUGE // len(chunk)):
            self.wfile.write(chunk)
        self.close_connection = True
