"""The only network code: a polite HTTP GET. It fetches bytes; parsing and storing happen elsewhere.

Politeness: a User-Agent naming Paperboy and the configured contact; robots.txt read with protego
(the stdlib parser misreads wildcards) and its Crawl-delay honoured; a minimum delay per host
(arXiv 3 s by its terms of use, HF 1 s); retries with exponential backoff and jitter on 429, 5xx,
timeouts and cut-short bodies, honouring Retry-After, within a time budget per URL; conditional
GET with the caller's ETag / Last-Modified; gzip; a size limit. Time comes from a Clock, so
tests check delays and backoff with a fake one instead of sleeping.
"""

from __future__ import annotations

import http.client
import random
import socket
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from protego import Protego

from server import __version__
from server.store import utc_now

AGENT = "Paperboy"  # the token robots.txt rules are matched against
RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_TRIES = 6
MAX_REDIRECTS = 5
BACKOFF_BASE, BACKOFF_CAP = 1.0, 60.0  # seconds: 1, 2, 4, ... with jitter, never above 60
CHUNK = 64 * 1024
ACCEPT = {
    "json": ("application/json", "text/json"),
    "html": ("text/html", "application/xhtml+xml"),
    "xml": ("application/atom+xml", "application/xml", "text/xml", "application/rss+xml"),
    "image": ("image/png", "image/jpeg", "image/webp", "image/gif"),  # never SVG: it may script
}


class Clock:
    """Real time: monotonic seconds and sleep. Tests pass a fake one."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait this many seconds."""
        time.sleep(seconds)


class FetchError(Exception):
    """A page that could not be fetched; the message names the URL and what went wrong."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.status = url, reason, status


class _Retry(Exception):
    """A failure worth another try (429, 5xx, timeout, cut-short body)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


@dataclass
class Response:
    """A fetched page: 200 with its body, 304 (not modified), or a redirect to follow."""

    url: str  # the final URL, after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None

    @property
    def not_modified(self) -> bool:
        """True for a 304: the page is as the cache last saw it."""
        return self.status == 304


@dataclass
class Politeness:
    """The fetcher's settings: who we are, how long to wait, how much to read."""

    contact: str = ""
    delays: dict[str, float] | None = None  # host[:port] -> seconds between requests
    default_delay: float = 2.0
    timeout: float = 30.0
    budget: float = 300.0
    max_bytes: int = 8_000_000

    @classmethod
    def from_config(cls, config) -> Politeness:
        """The settings of a server.config.Config."""
        delays: dict[str, float] = {}
        for url_name, delay_name in (
            ("hf_url", "delay_hf"),
            ("arxiv_url", "delay_arxiv"),
            ("arxiv_api_url", "delay_arxiv"),
        ):
            host = urlsplit(str(config[url_name])).netloc
            delays[host] = max(delays.get(host, 0.0), float(config[delay_name]))
        return cls(
            contact=str(config["contact"]),
            delays=delays,
            default_delay=float(config["delay_other"]),
            timeout=float(config["fetch_timeout"]),
            budget=float(config["fetch_budget"]),
            max_bytes=int(config["max_page_bytes"]),
        )

    @property
    def user_agent(self) -> str:
        """'Paperboy/0.1.0 (+mailto:you@example.org)': sites can tell who crawls and reach them."""
        who = f"+mailto:{self.contact}" if self.contact else "contact not configured"
        return f"{AGENT}/{__version__} ({who}; local-first paper follower)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the fetcher, which checks robots.txt and loops on each hop."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


class Fetcher:
    """GET pages politely. One per run: it remembers robots.txt and the last request per host."""

    def __init__(self, politeness: Politeness, clock: Clock | None = None, rng=None):
        self.p = politeness
        self.clock = clock or Clock()
        self.rng = rng or random.Random()  # a local generator: the global one is whoosh's
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._last: dict[str, float] = {}
        self._robots: dict[str, Protego | FetchError | None] = {}

    def get(
        self,
        url: str,
        expect: str = "any",
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        """The page at url (a 304 Response when the validators still hold); FetchError if not.
        max_bytes lowers the size limit for this URL (a thumbnail)."""
        headers = {"If-None-Match": etag, "If-Modified-Since": last_modified}
        headers = {k: v for k, v in headers.items() if v}
        return self._follow(url, expect, headers, robots=True, max_bytes=max_bytes)

    def _follow(
        self,
        url: str,
        expect: str,
        headers: dict[str, str],
        robots: bool,
        max_bytes: int | None = None,
    ) -> Response:
        hops = [url]
        while True:
            if robots:
                self._check_robots(hops[-1])
            response = self._with_retries(hops[-1], expect, headers, max_bytes)
            if response.status not in REDIRECT_STATUSES:
                return response
            target = urljoin(hops[-1], response.location or "")
            if target in hops:
                raise FetchError(url, f"redirect loop: {' -> '.join([*hops, target])}")
            if len(hops) > MAX_REDIRECTS:
                raise FetchError(url, f"more than {MAX_REDIRECTS} redirects (last to {target})")
            hops.append(target)
            headers = {}  # the validators belong to the first URL

    # -- robots.txt ------------------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        rules = self._robots[origin]
        if isinstance(rules, FetchError):
            raise FetchError(url, f"not fetched: {rules.reason}")
        if rules is not None and not rules.can_fetch(url, AGENT):
            raise FetchError(url, f"robots.txt of {origin} disallows it for {AGENT}", status=403)

    def _load_robots(self, origin: str) -> Protego | FetchError | None:
        """The origin's rules; None (all allowed) when it has none; the error if unreadable."""
        url = origin + "/robots.txt"
        try:
            response = self._follow(url, "any", {}, robots=False)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None  # no robots.txt: everything is allowed
            # RFC 9309: an unreachable robots.txt means the whole site is off limits for now
            return FetchError(url, f"robots.txt could not be read ({exc.reason})")
        rules = Protego.parse(response.body.decode("utf-8", errors="replace"))
        host = urlsplit(origin).netloc
        crawl_delay = rules.crawl_delay(AGENT)
        if crawl_delay:
            self.p.delays = {**(self.p.delays or {}), host: max(self.delay(host), crawl_delay)}
        return rules

    # -- one URL, with retries ---------------------------------------------------------------

    def delay(self, host: str) -> float:
        """Seconds to leave between two requests to this host."""
        return (self.p.delays or {}).get(host, self.p.default_delay)

    def _with_retries(
        self, url: str, expect: str, headers: dict[str, str], max_bytes: int | None = None
    ) -> Response:
        started = self.clock.now()
        for attempt in range(1, MAX_TRIES + 1):
            try:
                return self._once(url, expect, headers, max_bytes)
            except _Retry as exc:
                wait = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                spent = self.clock.now() - started
                if attempt == MAX_TRIES or spent + wait > self.p.budget:
                    why = f"; the next try would end past the {self.p.budget:g} s budget"
                    tail = why if attempt < MAX_TRIES else ""
                    raise FetchError(
                        url, f"{exc.reason}; gave up after {attempt} tries in {spent:.0f} s{tail}"
                    ) from None
                self.clock.sleep(wait)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random."""
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def _wait_turn(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            wait = last + self.delay(host) - self.clock.now()
            if wait > 0:
                self.clock.sleep(wait)

    def _once(
        self, url: str, expect: str, headers: dict[str, str], max_bytes: int | None = None
    ) -> Response:
        host = urlsplit(url).netloc
        self._wait_turn(host)
        try:
            request = urllib.request.Request(url, headers=self._headers(expect, headers))
        except ValueError as exc:  # a base URL setting that is not a URL
            raise FetchError(url, f"not a URL Paperboy can fetch ({exc})") from None
        try:
            with self._opener.open(request, timeout=self.p.timeout) as raw:
                return self._read(url, raw, expect, max_bytes or self.p.max_bytes)
        except urllib.error.HTTPError as err:
            try:
                return self._status(url, err)
            finally:
                err.close()
        except urllib.error.URLError as err:
            if isinstance(err.reason, socket.gaierror):  # no retry can make a name resolve
                name = urlsplit(url).hostname
                raise FetchError(
                    url,
                    f"the host name {name} does not resolve ({err.reason.strerror}): "
                    "is this machine offline, or the name mistyped?",
                ) from None
            if isinstance(err.reason, TimeoutError):
                raise _Retry(f"timed out after {self.p.timeout:g} s") from None
            raise _Retry(f"cannot connect: {err.reason}") from None
        except TimeoutError:
            raise _Retry(f"timed out after {self.p.timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError) as err:
            raise _Retry(f"the connection broke: {type(err).__name__} {err}") from None
        finally:
            self._last[host] = self.clock.now()  # the next request waits from the end of this one

    def _headers(self, expect: str, extra: dict[str, str]) -> dict[str, str]:
        accept = ", ".join(ACCEPT.get(expect, ())) or "*/*"
        return {
            "User-Agent": self.p.user_agent,
            "Accept": accept if accept == "*/*" else f"{accept}, */*;q=0.1",
            "Accept-Encoding": "gzip",
            **extra,
        }

    def _status(self, url: str, err: urllib.error.HTTPError) -> Response:
        """A non-2xx answer: 304, a redirect, a failure worth retrying, or a FetchError."""
        if err.code == 304:
            return Response(url, 304, etag=err.headers.get("ETag"))
        if err.code in REDIRECT_STATUSES:
            return Response(url, err.code, location=err.headers.get("Location"))
        reason = f"HTTP {err.code} {err.reason}".strip()
        if err.code in RETRY_STATUSES:
            raise _Retry(reason, retry_after(err.headers.get("Retry-After")))
        raise FetchError(url, reason, status=err.code)

    def _read(self, url: str, raw, expect: str, limit: int) -> Response:
        """The body, within the size limit, gunzipped, of the expected content type."""
        length = raw.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise FetchError(url, f"the page is too large: {length} bytes, over {limit} bytes")
        body = _read_limited(raw, limit)
        if len(body) > limit:
            which = " (max_page_bytes)" if limit == self.p.max_bytes else ""
            raise FetchError(url, f"the page is too large: over {limit} bytes{which}")
        if length and length.isdigit() and len(body) < int(length):
            raise _Retry(f"the body was cut short: {len(body)} of {length} bytes")
        if "gzip" in (raw.headers.get("Content-Encoding") or "").lower():
            body = _gunzip(url, body, limit)
        content_type = (raw.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        wanted = ACCEPT.get(expect)
        if wanted and content_type not in wanted:
            raise FetchError(
                url, f"wrong content type {content_type or '(none)'}: expected {expect}", raw.status
            )
        headers = raw.headers
        return Response(
            url, raw.status, body, content_type, headers.get("ETag"), headers.get("Last-Modified")
        )


def _read_limited(raw, limit: int) -> bytes:
    """At most limit + 1 bytes: enough to tell that a page without a length is too large."""
    chunks, size = [], 0
    while size <= limit:
        chunk = raw.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _gunzip(url: str, data: bytes, limit: int) -> bytes:
    """Decompress a gzip body, refusing more than limit bytes (a gzip bomb) or a cut stream."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise _Retry(f"the gzip body is damaged ({exc})") from None
    if len(out) > limit:
        raise FetchError(url, f"the page is too large: over {limit} bytes once unzipped")
    if not inflater.eof:
        raise _Retry("the gzip body was cut short")
    return out


def retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for: a number, or an HTTP date from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utc_now()).total_seconds())
