"""Load: concurrent clients on mixed API routes, then a burst of bad requests; a Markdown table.

    python bench/load.py [--clients 8] [--seconds 60] [--burst 1000] [--data DIR]

Imports the demo pages into DIR (a temp dir by default), starts `paperboy serve` on 127.0.0.1 and
runs CLIENTS threads, each a keep-alive connection looping over mixed GET routes until the time is
up (bounded: at most MAX_PER_CLIENT requests each). Every answer must have an expected status and
a JSON envelope whose "ok" matches it. Then BURST requests with bad parameters, which must all get
a 4xx. tests/test_load.py runs the same functions and asserts 0 errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "server" / "demo"
EXE = shutil.which("paperboy", path=str(Path(sys.executable).parent)) or "paperboy"
MAX_PER_CLIENT = 200_000  # the loop bound, far above what a minute allows
IDS = [f"2408.9000{n}" for n in range(1, 9)]
QUERIES = [
    "lattice",
    "reward models",
    '"proof repair"',
    "title:weather",
    "author:Okafor",
    "cat:cs.LG",
    "lattic*",
    "weathr~",
    "protein AND NOT weather",
    "agents OR verifier",
    "date:[2024-01-01 to 2024-12-31]",
    "trasnformer",
    "nothing-matches-this",
]
BAD_VALUES = {
    "page": ["0", "-1", "abc", "1001", "1.5", "1e3", "٣"],
    "per_page": ["0", "101", "-5", "x", "99999999999999999999"],
    "sort": ["bogus", "RELEVANCE", "upvote", "date;drop"],
    "from": ["yesterday", "2024-13-01", "2024-02-30", "2024/01/01", "0"],
    "to": ["tomorrow", "2024-00-10", "99999-01-01"],
}
BAD_QUERIES = ["title:(", "(((", '"unclosed', "AND", "date:[2024 to", "author:", "NOT", "[", "{"]


def good_routes() -> list[tuple[str, tuple[int, ...]]]:
    """Mixed read routes and the statuses each may answer (404 only where intended)."""
    routes = [("/api/health", (200,)), ("/api/dates", (200,)), ("/api/papers/2401.99999", (404,))]
    for q in QUERIES:
        for extra in ("", "&sort=date", "&sort=trending&per_page=5", "&page=2&per_page=3"):
            routes.append((f"/api/search?q={quote(q)}{extra}", (200,)))
    for pid in IDS:
        routes += [(f"/api/papers/{pid}", (200,)), (f"/api/papers/{pid}/similar?limit=3", (200,))]
        routes.append((f"/api/lookup?url={quote('https://arxiv.org/abs/' + pid + 'v2')}", (200,)))
    routes.append(("/api/lookup?url=" + quote("https://arxiv.org/abs/2401.00001"), (404,)))
    for period in ("day", "week", "month", "now"):
        routes.append((f"/api/trending?period={period}&date=2024-08-05&limit=10", (200,)))
    return routes


def bad_request(rng: random.Random) -> str:
    """One GET with a bad parameter, unparsable query, unknown id or huge query string."""
    kind = rng.randrange(6)
    if kind == 0:
        name = rng.choice(list(BAD_VALUES))
        return f"/api/search?q=lattice&{name}={quote(rng.choice(BAD_VALUES[name]))}"
    if kind == 1:
        return "/api/search?q=" + quote(rng.choice(BAD_QUERIES))
    if kind == 2:
        period, limit = rng.choice([("year", "5"), ("DAY", "5"), ("day", "0"), ("week", "101")])
        return f"/api/trending?period={period}&limit={limit}&date={rng.choice(['', 'x'])}"
    if kind == 3:
        ref = rng.choice(["2401.99999", "nonsense", "..%2F..%2Fetc%2Fpasswd", "9" * 3000])
        return f"/api/papers/{ref}" + rng.choice(["", "/similar", "/similar?limit=0"])
    if kind == 4:
        return "/api/lookup?url=" + quote(rng.choice(["", "not-a-paper", "x" * 5000, "%00"]))
    return "/api/search?q=" + "word%20" * rng.randrange(2_000, 30_000)


@dataclass
class Tally:
    """What the clients saw: one latency per answer, and every error."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    by_client: Counter = field(default_factory=Counter)  # answers per client thread
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: int, error: str | None) -> None:
        """Record one answer (thread-safe)."""
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            self.by_client[threading.current_thread().name] += 1
            if error:
                self.errors.append(error)


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    """One GET on a keep-alive connection: status and body."""
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def check(path: str, status: int, body: bytes, allowed) -> str | None:
    """None when the status is allowed and the JSON envelope agrees with it; else the error."""
    if not allowed(status):
        return f"{status} for {path[:120]}"
    if status == 431:  # waitress refuses the header itself, before the app sees it
        return None
    try:
        ok = json.loads(body)["ok"]
    except (ValueError, KeyError, TypeError):
        return f"not a JSON envelope ({status}) for {path[:120]}"
    return None if ok == (status < 400) else f"ok={ok} with {status} for {path[:120]}"


def client(base: str, paths, deadline: float, limit: int, tally: Tally) -> None:
    """One client: a keep-alive connection sending paths() until the deadline or limit."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        for _ in range(limit):
            if time.monotonic() >= deadline:
                break
            path, allowed = paths()
            started = time.monotonic()
            try:
                status, body = get(conn, path)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()  # reconnects on the next request
                tally.add(time.monotonic() - started, 0, f"{type(exc).__name__} for {path[:120]}")
                continue
            tally.add(time.monotonic() - started, status, check(path, status, body, allowed))
    finally:
        conn.close()


def run_clients(base: str, clients: int, seconds: float, make_paths, limit: int) -> Tally:
    """CLIENTS threads for SECONDS, each with make_paths(i) as its request source."""
    tally, deadline = Tally(), time.monotonic() + seconds
    threads = [
        threading.Thread(target=client, args=(base, make_paths(i), deadline, limit, tally))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def mixed_load(base: str, clients: int = 8, seconds: float = 60, seed: int = 1) -> Tally:
    """The mixed-route load: every answer must be its route's expected status."""
    routes = good_routes()

    def make_paths(i: int):
        rng = random.Random(seed * 1000 + i)

        def pick():
            path, statuses = rng.choice(routes)
            return path, statuses.__contains__

        return pick

    return run_clients(base, clients, seconds, make_paths, MAX_PER_CLIENT)


def bad_burst(base: str, total: int = 1000, clients: int = 8, seed: int = 2) -> Tally:
    """TOTAL bad requests over CLIENTS connections: every answer must be a 4xx."""

    def make_paths(i: int):
        rng = random.Random(seed * 1000 + i)
        return lambda: (bad_request(rng), lambda s: 400 <= s < 500)

    per_client = -(-total // clients)
    return run_clients(base, clients, 300, make_paths, per_client)  # bounded in time too


def pct(values: list[float], q: float) -> float:
    """The q-th percentile of values, in ms."""
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000


def row(name: str, tally: Tally, seconds: float) -> str:
    """One Markdown table row."""
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()))
    return (
        f"| {name} | {len(tally.latencies)} | {len(tally.latencies) / seconds:.0f} | "
        f"{pct(tally.latencies, 50):.1f} | {pct(tally.latencies, 99):.1f} | "
        f"{len(tally.errors)} | {codes} |"
    )


def serve(data: Path, port: int) -> subprocess.Popen:
    """Start `paperboy serve` on 127.0.0.1:port and wait for it to answer."""
    env = {**os.environ, "PAPERBOY_DATA": str(data), "PAPERBOY_SITE_DIR": str(data / "no-site")}
    log = (data / "serve.log").open("wb")  # a pipe nobody reads would fill and stall the server
    proc = subprocess.Popen([EXE, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    log.close()  # the child holds its own copy
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("paperboy serve did not start")


def main() -> None:
    """Import the demo pages, serve them, run both loads, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--data", type=Path)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = opts.data or Path(tmp) / "data"
        env = {**os.environ, "PAPERBOY_DATA": str(data)}
        subprocess.run([EXE, "import", "-q", str(DEMO)], env=env, capture_output=True)
        proc = serve(data, opts.port)
        try:
            base = f"http://127.0.0.1:{opts.port}"
            started = time.monotonic()
            load = mixed_load(base, opts.clients, opts.seconds)
            load_s, started = time.monotonic() - started, time.monotonic()
            burst = bad_burst(base, opts.burst, opts.clients)
            burst_s = time.monotonic() - started
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"{opts.clients} clients, {opts.seconds:.0f} s, on the demo store\n")
    print("| load | requests | req/s | p50 ms | p99 ms | errors | statuses |")
    print("|---|---:|---:|---:|---:|---:|---|")
    print(row("mixed routes", load, load_s))
    print(row("bad parameters", burst, burst_s))
    for error in (load.errors + burst.errors)[:20]:
        print(f"- {error}")


if __name__ == "__main__":
    main()
