"""The stages bench/run.py measures, each returning plain numbers (see run.py for the table).

Each stage works on run.py's working folder (a store of the chosen size and its index) and never
on a user's data. Helpers come from the single-purpose benchmarks beside this file.
"""

from __future__ import annotations

import importlib.util
import random
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import digest as digest_bench
import load as load_bench
import search as search_bench
from memcap import MemoryCap
from peers import LinearScan

from server.config import load  # noqa: E402 - the engine, as index_engine says
from server.crawl.importer import InputError, import_paths, read_listing
from server.index import open_index
from server.site.builder import build
from server.store import Store

CORPUS = search_bench.ROOT.parent / "shared" / "corpus"
BULK = CORPUS / "bulk"


def corpus_files(per_folder: int) -> list[Path]:
    """Saved pages of every kind: all single fixtures, and the first files of each bulk set."""
    files = [p for p in CORPUS.rglob("*") if p.is_file() and "bulk" not in p.parts]
    for folder in sorted(BULK.glob("*")):
        files += sorted(p for p in folder.rglob("*") if p.is_file())[:per_folder]
    return [p for p in sorted(files) if p.suffix != ".md"]


def parse(quick: bool) -> dict[str, dict]:
    """Pages and papers parsed per second, by page kind (the parser's name for it)."""
    rounds, found = (1 if quick else 3), defaultdict(lambda: [0, 0, 0.0])
    for path in corpus_files(20 if quick else 60):
        for _ in range(rounds):
            start = time.perf_counter()
            try:
                listing, _ = read_listing(path)
            except InputError:
                continue  # error pages and empty results are in the corpus on purpose
            row = found[listing.kind]
            row[0], row[1] = row[0] + 1, row[1] + len(listing.papers)
            row[2] += time.perf_counter() - start
    return {
        kind: {"pages": n, "pages/s": n / s, "papers/s": p / s}
        for kind, (n, p, s) in sorted(found.items())
    }


def reimport(data: Path) -> dict:
    """Import the bulk sets (HF daily papers and arXiv OAI) into the store as it is: at 36k
    this fills an empty store; at larger sizes the papers are already there and are merged."""
    with Store(data / "papers.sqlite3") as store:
        before = store.count("papers")
        start = time.perf_counter()
        report = import_paths(store, [str(d) for d in sorted(BULK.glob("*"))])
        seconds = time.perf_counter() - start
    return {
        # what "papers/s" times: at 36k an import into an empty store; at 200k and 1m a re-import
        # of the 36k bulk sets into a store that already holds their papers (none new)
        "kind": "re-import" if before else "import",
        "store papers before": before,
        "pages": report.pages,
        "papers read": report.papers_read,
        "papers new": report.papers_new,
        "seconds": seconds,
        "papers/s": report.papers_read / seconds,
        "failed": len(report.failures),
    }


def index(data: Path, peer: bool = True) -> dict:
    """Rebuild the search index from the store; then, as its peer in the same run, the other
    engine's build of the same store (tantivy beside whoosh, whoosh beside tantivy), unless
    `peer` is false."""
    engine = str(load()["index_engine"])
    found = _build_index(data, data, engine)
    if not peer:
        return found
    peer = "whoosh" if engine == "tantivy" else "tantivy"
    with tempfile.TemporaryDirectory(prefix="bench-peer-", dir=data.parent) as tmp:
        other = _build_index(data, Path(tmp), peer)
    found["peer"] = {"engine": peer, **other}
    return found


def _build_index(data: Path, where: Path, engine: str) -> dict:
    """The engine's index of DATA's store, built in WHERE (a data directory): the whole rebuild
    (the engine's index and the similarity file both engines write), and the engine's own part
    alone ("index s")."""
    with Store(data / "papers.sqlite3") as store:
        idx = open_index(where, engine)
        own, write = [], idx._write_all

        def timed(build: Path, source) -> int:
            begun = time.perf_counter()
            try:
                return write(build, source)
            finally:
                own.append(time.perf_counter() - begun)

        idx._write_all = timed
        start = time.perf_counter()
        docs = idx.rebuild(store)
        seconds = time.perf_counter() - start
        idx.close()
    live = idx.files.current()  # older builds may linger until no reader holds them
    size = sum(p.stat().st_size for p in live.rglob("*") if p.is_file())
    return {
        "docs": docs,
        "seconds": seconds,
        "docs/s": docs / seconds,
        "index s": own[0],
        "index docs/s": docs / own[0],
        "MB": size / 1e6,
    }


def search(data: Path, quick: bool, size: int, cap_mb: int | None = None) -> dict:
    """Search, lookup, similar and trending over HTTP; the peers on the same queries; 8 clients
    searching at once; the server's memory (with `cap_mb`, the server runs inside a memory
    cgroup of that size, which counts the index pages it reads: see memcap.py)."""
    with Store(data / "papers.sqlite3") as store:
        papers = list(store.iter_papers())
    queries = search_bench.make_queries(
        [p for p in papers if len(p.abstract) > 200], 50 if quick else 200
    )
    fts = search_bench.fts5_store(papers, data / "fts5.sqlite3")
    scan_n = max(5, (10 if quick else 40) * 36_000 // max(size, 36_000))  # the scan is slow
    scan = LinearScan(papers)
    ids = [SimpleNamespace(id=p.id) for p in _sample(papers)]
    del papers
    if cap_mb is None:
        return _measure(data, queries, fts, ids, scan, scan_n, quick)
    with MemoryCap(cap_mb, _served_files(data)) as cap:
        out = _measure(data, queries, fts, ids, scan, scan_n, quick, cap.enter)
        out["memory cap MB"], out["cgroup peak MB"] = cap_mb, cap.peak_mb()
    return out


def _measure(data, queries, fts, ids, scan, scan_n, quick, preexec=None) -> dict:
    proc, base = search_bench.serve(data, preexec)
    try:
        rows = search_bench.report(base, queries, fts, ids)
        out = {name: _latency(ours, peer) for name, ours, peer in rows}
        for kind, items in queries.items():
            out[f"search {kind}"]["scan"] = _ms(scan.timings(items[:scan_n]))
        out["8 clients"] = _clients(base, queries, 10 if quick else 60)
        out["server RSS MB"] = search_bench.rss_mb(proc.pid)
        out["server RSS private MB"] = search_bench.rss_mb(proc.pid, "RssAnon")
        out["server RSS file MB"] = search_bench.rss_mb(proc.pid, "RssFile")
    finally:
        proc.terminate()
        proc.wait()
    return out


def _served_files(data: Path) -> list[Path]:
    """The files the server reads: the store and the live index build."""
    idx = open_index(data, str(load()["index_engine"]))
    live = idx.files.current()
    idx.close()
    return [data / "papers.sqlite3", *(p for p in live.rglob("*") if p.is_file())]


def _sample(items: list) -> list:
    return random.Random(5).sample(items, min(len(items), 400))


def _ms(seconds: list[float]) -> dict:
    return {"p50": search_bench.pct(seconds, 50), "p99": search_bench.pct(seconds, 99)}


def _latency(ours: list[float], peer: list[float] | None) -> dict:
    found = {"ours": _ms(ours)}
    if peer:
        found["fts5"] = _ms(peer)
    return found


def _clients(base: str, queries: dict, seconds: float) -> dict:
    """8 clients on keep-alive connections, each looping over search queries of every kind."""
    items = [(q, p) for kind in queries.values() for q, p in kind]
    paths = [f"/api/search?{urlencode({'q': q, **p})}" for q, p in items]

    def make_paths(i: int):
        rng = random.Random(i)
        return lambda: (rng.choice(paths), (200).__eq__)

    start = time.monotonic()
    tally = load_bench.run_clients(base, 8, seconds, make_paths, 10**9)
    took = time.monotonic() - start
    return {
        "requests": len(tally.latencies),
        "req/s": len(tally.latencies) / took,
        "p50": load_bench.pct(tally.latencies, 50),
        "p99": load_bench.pct(tally.latencies, 99),
        "errors": len(tally.errors),
        "seconds": took,
    }


def site(data: Path, pagefind: bool) -> dict:
    """A full build of the archive, a build with no change, then one new day end to end:
    `paperboy update` in a new process, scraping the day from the replay server (on a copy)."""
    bench_build = _bench_module("build")
    with tempfile.TemporaryDirectory(prefix="bench-site-", dir=data.parent) as tmp:
        copy, out = Path(tmp) / "data", Path(tmp) / "site"
        shutil.copytree(data, copy, ignore=shutil.ignore_patterns("raw", "fts5.sqlite3"))
        with Store(copy / "papers.sqlite3") as store:
            idx = open_index(copy, str(load()["index_engine"]))
            idx.ensure(store)
            full = build(store, idx, out, "https://example.org/", full=True, pagefind=pagefind)
            same = build(store, idx, out, "https://example.org/", pagefind=pagefind)
            idx.close()
        peer = markdown_loop(out)
        day = bench_build.update_day(copy, out, Path(tmp))
    return {
        "markdown loop": peer,
        "full": bench_build.figures(full),
        "no change": bench_build.figures(same),
        "one new day, paperboy update": day,
    }


def markdown_loop(site: Path, most: int = 5_000) -> dict:
    """The peer of page writing: the markdown package alone (tables on) converting the built
    site's Markdown pages to HTML in a plain loop, nothing written (every n-th page, at most
    `most`)."""
    import markdown

    files = sorted(site.rglob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in files[:: max(1, len(files) // most)]]
    md = markdown.Markdown(extensions=["tables"])
    start = time.perf_counter()
    for text in texts:
        md.reset().convert(text)
    seconds = time.perf_counter() - start
    return {"pages": len(texts), "seconds": seconds, "pages/s": len(texts) / seconds}


def _bench_module(name: str):
    """bench/NAME.py by path (bench/build.py would otherwise clash with the top-level build.py)."""
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", Path(__file__).with_name(f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digest(data: Path, quick: bool) -> dict:
    """The daily digest to N subscribers over SMTP to a local aiosmtpd (on a copy of the store)."""
    n = 100 if quick else 1000
    with tempfile.TemporaryDirectory(prefix="bench-digest-", dir=data.parent) as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy, ignore=shutil.ignore_patterns("raw", "fts5.sqlite3"))
        with digest_bench.MailServer(digest_bench.Counter()) as smtp:
            archive, day = digest_bench.prepare(copy, n, 0.3, smtp.port)
            start = time.perf_counter()
            report = digest_bench.run(archive, "daily", day)
            seconds = time.perf_counter() - start
            archive.close()
            received = smtp.handler.count
    return {
        "subscribers": n,
        "sent": report.outcome.sent,
        "received": received,
        "seconds": seconds,
        "messages/s": report.outcome.sent / seconds,
    }
