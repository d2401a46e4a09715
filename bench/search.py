"""Benchmark: search and the API over HTTP on the real corpus, with SQLite FTS5 as the peer.

    python bench/search.py [--queries 200] [--data DIR]

Imports the HF bulk and arXiv OAI sets (36,415 papers) into DIR (a temp dir by default), times
the index build, starts `paperboy serve` on 127.0.0.1, and measures p50/p99 per query type over
HTTP, lookup, similar, trending and health, and the server's memory. The same documents and
queries run through SQLite FTS5 (bm25) in-process. Prints a Markdown table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BULK = ROOT.parent / "shared" / "corpus" / "bulk"

from server.config import load  # noqa: E402 - the engine, as index_engine says
from server.crawl.importer import import_paths  # noqa: E402
from server.index import open_index  # noqa: E402
from server.store import Store  # noqa: E402

WORD = re.compile(r"[A-Za-z]{5,}")


HEALTH_REQUESTS = 300  # /api/health requests in report()


def pct(values: list[float], q: float) -> float:
    """The q-th percentile, in ms."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000


def make_queries(papers: list, n: int, seed: int = 7) -> dict[str, list[tuple[str, dict]]]:
    """Deterministic query sets per type: (query string, extra API params)."""
    rng = random.Random(seed)
    sample = rng.sample(papers, n)
    out: dict[str, list[tuple[str, dict]]] = {
        k: [] for k in ("1-term", "3-term", "phrase", "fielded", "date-filtered")
    }
    for p in sample:
        words = WORD.findall(p.abstract) or ["model"]
        title_words = WORD.findall(p.title) or words
        out["1-term"].append((rng.choice(words).lower(), {}))
        out["3-term"].append(
            (" ".join(w.lower() for w in rng.sample(words, min(3, len(words)))), {})
        )
        tokens = p.abstract.split()
        start = rng.randrange(max(1, len(tokens) - 4))
        phrase = " ".join(re.sub(r"[^\w-]", "", t) for t in tokens[start : start + 4])
        out["phrase"].append((f'"{phrase}"', {}))
        last = (p.authors[0].split() or ["x"])[-1] if p.authors else "smith"
        out["fielded"].append((f"title:{rng.choice(title_words).lower()} author:{last}", {}))
        out["date-filtered"].append(
            (rng.choice(words).lower(), {"from": "2025-01-01", "to": "2025-06-30"})
        )
    return out


def fts5_store(papers: list, path: Path) -> sqlite3.Connection:
    """The peer: an FTS5 table over the same documents."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, abstract, authors, "
        "published UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO docs VALUES (?,?,?,?,?)",
        [(p.id, p.title, p.abstract, " ".join(p.authors), p.published or "") for p in papers],
    )
    db.commit()
    return db


def fts5_query(q: str, params: dict) -> tuple[str, tuple]:
    """Our query syntax in FTS5 terms."""
    fielded = re.findall(r"(title|author):(\S+)", q)
    if fielded:
        match = " AND ".join(f'{"authors" if f == "author" else f}:"{w}"' for f, w in fielded)
    elif q.startswith('"'):
        match = q
    else:
        match = " AND ".join(f'"{w}"' for w in q.split())
    if params:
        return (
            "SELECT id FROM docs WHERE docs MATCH ? AND published BETWEEN ? AND ? "
            "ORDER BY bm25(docs, 0, 3, 1, 1) LIMIT 20",
            (match, params["from"], params["to"]),
        )
    return "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 3, 1, 1) LIMIT 20", (
        match,
    )


def time_fts5(db: sqlite3.Connection, queries: list[tuple[str, dict]]) -> list[float]:
    """Latencies of the queries on FTS5."""
    out = []
    for q, params in queries:
        sql, args = fts5_query(q, params)
        start = time.perf_counter()
        db.execute(sql, args).fetchall()
        out.append(time.perf_counter() - start)
    return out


def free_port() -> int:
    """An unused port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(base: str, path: str, params: dict) -> float:
    """One GET over HTTP; its latency in seconds."""
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        json.loads(r.read())
    return time.perf_counter() - start


WARM_WAIT = 600  # seconds serve() waits for the server's read-ahead of its index


def serve(data: Path, preexec=None) -> tuple[subprocess.Popen, str]:
    """Start `paperboy serve` on a free port; return once it answers and has read its index
    ahead (it says "search index warm in ..."), as a server that has run a while has: the
    first seconds after a start are its warm-up, not its search latency. (`preexec` runs in
    the child first: MemoryCap.enter puts it in a memory cgroup.)"""
    port = free_port()
    exe = Path(sys.executable).parent / "paperboy"
    proc = subprocess.Popen(
        [str(exe), "--data", str(data), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec,
    )
    warm = threading.Event()

    def drain() -> None:  # the server's output, read to its end so it never blocks on it
        for line in proc.stdout:
            if "search index warm in" in line or "could not read the search index" in line:
                print(f"server: {line.strip()}", file=sys.stderr, flush=True)
                warm.set()

    threading.Thread(target=drain, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            get(base, "/api/health", {})
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise SystemExit("the server did not start")
    if not warm.wait(WARM_WAIT):
        print(f"server: not warm after {WARM_WAIT} s; measuring anyway", file=sys.stderr)
    return proc, base


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process in MB: all of it (VmRSS), its private memory (RssAnon), or
    the file pages it maps (RssFile: tantivy maps its index files; the kernel can drop them)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    """Build, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="pb-bench-"))
    with Store(data / "papers.sqlite3") as store:
        if not store.count("papers"):
            import_paths(store, [str(d) for d in sorted(BULK.glob("*"))])
        papers = list(store.iter_papers())
        index = open_index(data, str(load()["index_engine"]))
        start = time.perf_counter()
        docs = index.rebuild(store)
        build = time.perf_counter() - start
        index.close()
    queries = make_queries([p for p in papers if len(p.abstract) > 200], args.queries)
    fts = fts5_store(papers, data / "fts5.sqlite3")
    proc, base = serve(data)
    try:
        rows = report(base, queries, fts, papers)
        memory = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
    print(
        f"{len(papers):,} papers; index build {docs:,} docs in {build:.1f} s "
        f"({docs / build:,.0f} docs/s); server RSS {memory:.0f} MB\n"
    )
    print("| measure | Paperboy over HTTP p50 | p99 | FTS5 in-process p50 | p99 | ratio p50 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, ours, peer in rows:
        ratio = f"{pct(ours, 50) / pct(peer, 50):.1f}x" if peer else ""
        peer_cols = f"{pct(peer, 50):.2f} | {pct(peer, 99):.2f}" if peer else " | "
        print(
            f"| {name} | {pct(ours, 50):.1f} ms | {pct(ours, 99):.1f} ms | {peer_cols} | {ratio} |"
        )


def report(base: str, queries: dict, fts: sqlite3.Connection, papers: list) -> list:
    """Rows of (measure, our latencies, FTS5 latencies or None)."""
    rows = []
    for kind, items in queries.items():
        for q, params in items[:5]:  # warm up
            get(base, "/api/search", {"q": q, **params})
        ours = [get(base, "/api/search", {"q": q, **params}) for q, params in items]
        rows.append((f"search {kind}", ours, time_fts5(fts, items)))
    rng = random.Random(11)
    ids = [p.id for p in rng.sample(papers, 200)]
    rows.append(
        (
            "lookup",
            [get(base, "/api/lookup", {"url": f"https://arxiv.org/pdf/{i}v1"}) for i in ids],
            None,
        )
    )
    rows.append(("similar", [get(base, f"/api/papers/{i}/similar", {}) for i in ids[:100]], None))
    rows.append(
        (
            "trending (week)",
            [get(base, "/api/trending", {"period": "week"}) for _ in range(50)],
            None,
        )
    )
    # what a monitor polls: counts the store keeps, max() from indexes, the index's state
    get(base, "/api/health", {})
    rows.append(("health", [get(base, "/api/health", {}) for _ in range(HEALTH_REQUESTS)], None))
    return rows


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
