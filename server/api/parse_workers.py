"""Pages the server is handed, read and parsed in worker processes: a hostile page can cost a
worker its memory or its time, never the server's.

`/api/parse` and `/api/ingest` hand each request body, as bytes, to one of `slots` worker
processes (started when first needed, then kept), which reads the JSON {url, html} and parses the
page. Inside, the page has its usual budget (sources.budget: 10 s and 128 MB); around it, the
operating system holds the worker to WORKER_MEMORY_MB of address space more than it started
with, and a worker that has not answered `GRACE` seconds after the page's deadline is killed and
replaced. So the server's own threads never decode a big body or build a page's tree: its memory
stays flat, no long call holds its interpreter lock, and /api/health answers while pages are
parsed. A page that waits longer than `wait` seconds for a free worker is refused (WorkersBusy).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import queue
import resource
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

from server.models import Listing
from server.sources import PAGE_SECONDS, BudgetExceeded, ParseError

WORKER_MEMORY_MB = 1024  # address space a worker may add to what it started with
GRACE = 5.0  # seconds past the page's own deadline before a silent worker is killed


class WorkersBusy(Exception):
    """Every parse worker stayed busy for as long as a page may wait for one."""


class BadBody(ValueError):
    """A body that is not the JSON {url, html} a page comes in: the message says what is wrong."""


@dataclass
class Parsed:
    """A page read from a request body: where it came from, what it holds, and (when asked for)
    its HTML as UTF-8 bytes, to be kept as the raw page."""

    url: str | None
    listing: Listing
    raw: bytes | None = None


class ParseWorkers:
    """A few worker processes that parse pages one at a time each."""

    def __init__(self, slots: int = 2, wait: float = 10.0, seconds: float = PAGE_SECONDS):
        self.slots, self.wait, self.seconds = max(1, slots), wait, seconds
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(self.slots):
            self._idle.put(None)  # started on first use
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()

    def parse(self, body: bytes, keep_raw: bool = False) -> Parsed:
        """The page in a JSON {url, html} body, read and parsed in a worker: BadBody when the body
        is not one; ParseError (or BudgetExceeded) naming the page when it cannot be read."""
        try:
            worker = self._idle.get(timeout=self.wait)
        except queue.Empty:
            raise WorkersBusy(
                f"the server is busy parsing {self.slots} other pages: try again in a moment"
            ) from None
        try:
            if worker is None:
                worker = self._start()
            return worker.parse(body, keep_raw, self.seconds + GRACE)
        except _WorkerLost as lost:
            self._stop(worker)
            worker = None
            raise BudgetExceeded(f"the page: {lost}") from None
        finally:
            self._idle.put(worker)

    def pids(self) -> list[int]:
        """The process ids of the workers now running (for tests and diagnostics)."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()

    def _start(self) -> _Worker:
        worker = _Worker()
        with self._lock:
            self._all.add(worker)
        return worker

    def _stop(self, worker: _Worker | None) -> None:
        if worker is not None:
            with self._lock:
                self._all.discard(worker)
            worker.stop()


class _WorkerLost(Exception):
    """A worker that died or went silent on a page: the message says how."""


class _Worker:
    """One worker process and the pipe to it."""

    def __init__(self) -> None:
        # spawn, not fork: the server has threads, and a forked copy of one could hold a lock
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, WORKER_MEMORY_MB), name="paperboy-parse", daemon=True
        )
        self.process.start()
        child.close()

    def parse(self, body: bytes, keep_raw: bool, timeout: float) -> Parsed:
        try:
            self.conn.send_bytes(body)
            self.conn.send(keep_raw)
            if not self.conn.poll(timeout):
                raise _WorkerLost(f"parsing stopped after {timeout:g} s, the time budget")
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            raise _WorkerLost(
                f"parsing needs more than a worker's {WORKER_MEMORY_MB} MB of memory"
            ) from None
        if kind == "ok":
            return value
        raise {"budget": BudgetExceeded, "body": BadBody}.get(kind, ParseError)(value)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


def _serve(conn: Connection, memory_mb: int) -> None:
    """A worker's life: read and parse each body it is sent, send back a Parsed or the error."""
    _limit_memory(memory_mb)
    while True:
        try:
            body, keep_raw = conn.recv_bytes(), conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe: it is stopping
        try:
            answer = ("ok", _read(body, keep_raw))
        except BadBody as exc:
            answer = ("body", str(exc))
        except BudgetExceeded as exc:
            answer = ("budget", str(exc))
        except ParseError as exc:
            answer = ("error", str(exc))
        except MemoryError:
            answer = ("budget", "the page: parsing needs more memory than it may use")
        del body
        conn.send(answer)
        del answer
        gc.collect()  # a page's leftovers are freed before the next one comes


def _read(body: bytes, keep_raw: bool) -> Parsed:
    """The page a {url, html} body holds, parsed; its errors name the page's URL."""
    from server import sources  # imported here: the server needs none of it to start a worker
    from server.api.guard import BadJson, read_json

    try:
        data = read_json(body)
    except BadJson as exc:
        raise BadBody(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("html"), str):
        raise BadBody("it is not an object with an html string")
    url = data.get("url") if isinstance(data.get("url"), str) else None
    try:
        listing = sources.parse(data["html"], url)
    except BudgetExceeded:
        raise  # it names the page already
    except ParseError as exc:
        raise ParseError(f"{url or 'the page'}: {exc}") from None
    return Parsed(url, listing, data["html"].encode() if keep_raw else None)


def _limit_memory(memory_mb: int) -> None:
    """Hold this process to its present address space plus memory_mb (Linux; elsewhere no-op)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        return
    limit = size + (memory_mb << 20)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
