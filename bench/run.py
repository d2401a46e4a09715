"""Every stage of Paperboy at one archive size, with SQLite FTS5 and a linear scan as peers.

    python bench/run.py [--quick] [--size 36k|200k|1m] [--engine whoosh|tantivy] [--work DIR]
                        [--site] [--no-site] [--only STAGE,...]   (again, on the kept store)
                        [--memory-cap MB]   (with --only search: the server in a memory cgroup)
    python bench/run.py --all   every column of the docs' table in one run (see ALL)

36k is the real corpus: the HF daily-papers and arXiv OAI bulk sets in ../shared/corpus (36,415
papers), imported into a fresh store. 200k and 1m are made from it by bench/corpus.py
(deterministic perturbed copies; see its docstring) and the bulk sets are then imported again
into the bigger store. Then: parse (pages/s per page kind), import (papers/s; "kind" says
whether it filled an empty store or re-imported papers the store already holds), index build
(docs/s, MB), search over HTTP (p50/p99 per query type; FTS5 and the scan on the same queries,
in-process), 8 clients searching at once, lookup, similar, trending, health, the site build (full
and one new day; at 1m only with --site), the digest over SMTP, and the server's memory.

Prints a Markdown table and writes the figures as JSON to bench/results/SIZE[-quick].json
(SIZE-tantivy.json with --engine tantivy: every stage runs on that engine, as index_engine).
--quick: fewer queries, 10 s of concurrent load instead of 60, no Pagefind, 100 subscribers.
--no-pagefind: the site stage without Pagefind (at 200k papers Pagefind needs over 20 GB).
--memory-cap MB: the search stage again with the server inside a Linux memory cgroup of MB,
which counts the index pages it reads (bench/memcap.py); figures in SIZE[-tantivy]-capMB.json.
The working folder (default bench/.work/SIZE) is kept between runs; nothing else is touched.

--all runs every column of docs/performance.md's table in turn, each in a process of its own
(ALL), and stamps each JSON with the same "run" (when it began) and "code" (the commit), so
bench/table.py can say the table is one run on one machine. Its tantivy columns run the index
and search stages on the store the whoosh column of their size made just before, and skip the
index stage's peer build (whoosh's): that column built both engines' indexes already. At 200k
the full site build alone takes about half an hour; the whole run about two hours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import stages  # noqa: E402
import table  # noqa: E402

SIZES = {"36k": 36_415, "200k": 200_000, "1m": 1_000_000}
TANTIVY = ["--engine", "tantivy", "--only", "index,search", "--no-index-peer"]
ALL = [  # --all: the table's columns, whoosh's first (the tantivy runs need their stores)
    ("36k", []),
    ("200k", []),
    ("1m", []),
    ("36k", TANTIVY),
    ("200k", TANTIVY),
    ("1m", TANTIVY),
    ("1m", ["--engine", "tantivy", "--only", "search", "--memory-cap", "300"]),
]


def prepare(work: Path, size: str) -> dict:
    """The store at this size; for 36k the import stage itself fills it."""
    data = work / size
    if size == "36k":
        shutil.rmtree(data, ignore_errors=True)  # a fresh import every run
        data.mkdir(parents=True, exist_ok=True)
        return {"data": data}
    if (data / "papers.sqlite3").is_file():
        return {"data": data, "corpus": "reused"}
    base = work / "36k"
    if not (base / "papers.sqlite3").is_file():
        base.mkdir(parents=True, exist_ok=True)
        stages.reimport(base)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(HERE / "corpus.py"),
            "--size",
            size,
            "--source",
            str(base),
            "--out",
            str(data),
        ],
        check=True,
    )
    return {"data": data, "corpus seconds": time.perf_counter() - start}


def run(
    size: str, quick: bool, work: Path, with_site: bool, only: list[str], old: dict, **options
) -> dict:
    """Every stage in turn (or only those named, over the last run's figures); as one dict."""
    if not stages.BULK.is_dir():
        raise SystemExit(f"bench/run.py needs the corpus: {stages.BULK} is absent")
    if only and not (work / size / "papers.sqlite3").is_file():
        raise SystemExit(f"--only needs a finished run of {size} in {work / size}")
    made = {"data": work / size} if only else prepare(work, size)
    data = made.pop("data")
    results: dict = {**old, "size": size, "quick": quick}
    results["prepare"] = old.get("prepare", made) if only else made
    steps = [
        ("import", lambda: stages.reimport(data)),
        ("index", lambda: stages.index(data, peer=options.get("peer", True))),
        ("search", lambda: stages.search(data, quick, SIZES[size], options.get("cap"))),
        ("digest", lambda: stages.digest(data, quick)),
        ("parse", lambda: stages.parse(quick)),
    ]
    if with_site:
        pagefind = options.get("pagefind", True) and not quick
        steps.insert(3, ("site", lambda: stages.site(data, pagefind=pagefind)))
    for name, step in steps:
        if only and name not in only:
            continue
        if only and not options.get("run"):  # a stage of an --all run is not run again
            results.setdefault("rerun", {})[name] = time.strftime("%Y-%m-%d %H:%M")
        print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
        results[name] = step()
    results["papers"] = results.get("index", {}).get("docs", SIZES[size])
    results["machine"] = machine()
    results["date"] = time.strftime("%Y-%m-%d")
    results["code"] = code()
    if options.get("run"):
        results["run"] = options["run"]
    return results


def code() -> str:
    """The commit measured, with "+changes" when server/ or the bench's stages differ from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "not a git checkout"
    changed = git("status", "--porcelain", "--", "server", "bench/run.py", "bench/stages.py")
    return commit + (" +changes" if changed else "")


def run_all(work: Path) -> None:
    """Every column of ALL in turn, each a process of its own, stamped with one "run"."""
    stamp = time.strftime("%Y-%m-%d %H:%M")
    for size, extra in ALL:
        command = [sys.executable, __file__, "--size", size, "--work", str(work), *extra]
        print(f"[{time.strftime('%H:%M:%S')}] {' '.join(command[1:])}", file=sys.stderr, flush=True)
        done = subprocess.run([*command, "--run", stamp])
        if done.returncode:
            raise SystemExit(f"bench/run.py --all: the run of {size} {extra} failed; stopped")
    print(table.side_by_side(table.load_runs()))


def machine() -> str:
    """What the figures were measured on: CPU model, cores, memory, Python."""
    model = platform.machine()
    try:
        info = Path("/proc/cpuinfo").read_text()
        model = next(
            line.split(":", 1)[1].strip()
            for line in info.splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024**2:.0f} GB"
    except (OSError, ValueError, IndexError):
        memory = ""
    return f"{model}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="36k")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-pagefind", dest="pagefind", action="store_false")
    parser.add_argument("--engine", choices=("whoosh", "tantivy"), default="whoosh")
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    parser.add_argument("--site", dest="site", action="store_true", default=None)
    parser.add_argument("--no-site", dest="site", action="store_false")
    parser.add_argument("--only", help="stages to run again, e.g. search,digest (kept figures)")
    parser.add_argument("--memory-cap", type=int, metavar="MB")
    parser.add_argument("--no-index-peer", dest="peer", action="store_false")
    parser.add_argument("--all", action="store_true", help="every column of the docs' table")
    parser.add_argument("--run", help=argparse.SUPPRESS)  # --all's stamp for each column
    args = parser.parse_args()
    if args.all:
        return run_all(args.work.resolve())
    if args.memory_cap and args.only != "search":
        parser.error("--memory-cap measures the search stage of a finished run: add --only search")
    with_site = args.site if args.site is not None else args.size != "1m"
    os.environ["PAPERBOY_INDEX_ENGINE"] = args.engine  # this process's stages and their servers
    suffix = ("-quick" if args.quick else "") + ("-tantivy" if args.engine != "whoosh" else "")
    plain = HERE / "results" / f"{args.size}{suffix}.json"
    out = plain.with_stem(f"{plain.stem}-cap{args.memory_cap}") if args.memory_cap else plain
    only = args.only.split(",") if args.only else []
    old = json.loads(out.read_text()) if only and out.is_file() else {}
    if args.run and old.get("run") != args.run:
        old = {}  # an --all run keeps no figure of another run
    if args.memory_cap and not old and plain.is_file():  # the uncapped run's store and index
        uncapped = json.loads(plain.read_text())
        if not args.run or uncapped.get("run") == args.run:  # --all: of this run only
            old = {k: v for k, v in uncapped.items() if k in ("prepare", "index")}
    with_site = with_site or "site" in only
    work = args.work.resolve()
    options = {"pagefind": args.pagefind, "cap": args.memory_cap, "peer": args.peer}
    options["run"] = args.run
    results = run(args.size, args.quick, work, with_site, only, old, **options)
    results["engine"] = args.engine
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(table.markdown(results))
    print(f"\n(figures in {out.relative_to(HERE.parent)})")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
