"""Benchmark the archive build: a full build, a rebuild with no change, one new day.

    python bench/build.py [--data DIR]   (default data/; e.g. a store of the 36k corpus)

Works on a copy of the store, so the data directory is never changed. Prints a Markdown table.
The new day is synthetic: a Listing of NEW_PAPERS papers on the day after the newest one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.config import load  # noqa: E402 - the engine, as index_engine says
from server.index import SearchIndex, open_index  # noqa: E402
from server.models import Appearance, Listing, Paper  # noqa: E402
from server.site.builder import build  # noqa: E402
from server.store import Store  # noqa: E402

NEW_PAPERS = 20


def new_day(store: Store) -> Listing:
    """A synthetic listing day after the newest one, with fresh papers."""
    day = (date.fromisoformat(store.latest_date()) + timedelta(days=1)).isoformat()
    papers = [
        Paper(
            id=f"9912.{90000 + n}",
            title=f"Benchmark paper {n} on sparse retrieval and diffusion planning",
            abstract="We study retrieval-augmented diffusion planners for long-horizon agents. "
            * 4,
            authors=[f"Bench Author {n}", "Second Author"],
            published=day,
            categories=["cs.LG"],
        )
        for n in range(1, NEW_PAPERS + 1)
    ]
    apps = [
        Appearance(p.id, "hf-daily", day, rank=n, upvotes=100 - n) for n, p in enumerate(papers, 1)
    ]
    return Listing(kind="hf-api", url=None, date=day, papers=papers, appearances=apps)


def hf_day(store: Store, folder: Path) -> str:
    """The day after the newest one as Hugging Face's daily_papers JSON, in folder/DAY.json:
    NEW_PAPERS papers, new ones, with ids of that day's month (as a real day's are); returns
    the day."""
    day = date.fromisoformat(store.latest_date()) + timedelta(days=1)
    entries = []
    for n in range(1, NEW_PAPERS + 1):
        pid = f"{day:%y%m}.9{day.day:02d}{n:02d}"  # new every day: 2608.92501 on the 25th
        title = f"Benchmark paper {n} on sparse retrieval and diffusion planning"
        entries.append(
            {
                "paper": {
                    "id": pid,
                    "authors": [{"name": f"Bench Author {n}"}, {"name": "Second Author"}],
                    "publishedAt": f"{day}T00:00:00.000Z",
                    "title": title,
                    "summary": "We study retrieval-augmented diffusion planners for agents. " * 4,
                    "upvotes": 100 - n,
                },
                "publishedAt": f"{day}T01:00:00.000Z",
                "title": title,
                "numComments": n % 3,
            }
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{day}.json").write_text(json.dumps(entries))
    return day.isoformat()


def update_day(data: Path, site: Path, tmp: Path) -> dict:
    """One new day end to end: `paperboy update --date DAY` in a new process on DATA (whose
    site is built in SITE), the day served at its real path (/api/daily_papers?date=DAY) by the
    tests' replay server on 127.0.0.1; scrape, index, build and Pagefind, as cron runs it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from replay import Replay

    with Store(data / "papers.sqlite3") as store:
        day = hf_day(store, tmp / "hf-day")
    env = {
        **os.environ,
        "PAPERBOY_HF_URL": "",
        "PAPERBOY_SOURCES": "hf",
        "PAPERBOY_DELAY_HF": "0",
        "PAPERBOY_HUB_PAPERS": "0",
        "PAPERBOY_SITE_DIR": str(site),
        "PAPERBOY_BASE_URL": "https://example.org/",
        "PAPERBOY_CONTACT": "bench@example.org",
        "PYTHONUNBUFFERED": "1",
    }
    paperboy = Path(sys.executable).with_name("paperboy")  # the command cron runs
    command = [str(paperboy), "--data", str(data), "update", "--date", day, "--no-digest"]
    with Replay() as replay:
        replay.hf_api_days(tmp / "hf-day")
        env["PAPERBOY_HF_URL"] = replay.url
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"paperboy update failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    said = done.stdout + done.stderr
    took = re.search(r"took: (.*?); ([\d.]+)s in all", said)
    steps = {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)s", took[1])}
    built = re.search(r"(\d+) pages, (\d+) files written, \d+ unchanged, ([\d.]+)s", said)
    found = re.search(
        r"pagefind: indexed ([\d,]+) pages in (\d+) of (\d+) bundles in ([\d.]+)s", said
    )
    peak = re.search(r"peak (\d+) MB a process", said)
    pagefind_s = float(found[4]) if found else 0.0
    return {
        "pages": int(built[1]),
        "written": int(built[2]),
        "seconds": float(built[3]),
        "pages/s": int(built[1]) / max(float(built[3]), 1e-3),
        "pagefind s": pagefind_s,
        "total s": wall,
        "pagefind": bool(found),
        "steps s": steps,
        "update s": wall,
        "bundles run": f"{found[2]} of {found[3]}" if found else "",
        "pages indexed": int(found[1].replace(",", "")) if found else 0,
        "pagefind peak MB": int(peak[1]) if peak else 0,
        "new papers": NEW_PAPERS,
    }


def figures(report) -> dict:
    """What a build report says, as plain numbers."""
    pages_s = report.seconds - report.search_seconds
    peak = re.search(r"peak (\d+) MB a process \((\d+) at once\)", report.search)
    return {
        "pagefind peak MB": int(peak[1]) if peak else 0,
        "pagefind at once": int(peak[2]) if peak else 0,
        "pages": report.pages,
        "written": len(report.written),
        "seconds": pages_s,
        "pages/s": report.pages / pages_s if pages_s else 0.0,
        "pagefind s": report.search_seconds,
        "total s": report.seconds,
        "pagefind": report.search != "pagefind skipped",
    }


def build_once(data: Path, out: Path, pagefind: bool = True) -> dict:
    """One build in a new process, as `paperboy build` runs after an update (a process that
    has just made a full build carries its heap along, and builds slower)."""
    command = [sys.executable, __file__, "--once", str(data), str(out)]
    done = subprocess.run(
        command + (["--pagefind"] if pagefind else []), check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def once(data: Path, out: Path, pagefind: bool) -> None:
    """--once: build the site of DATA into OUT and print its figures as JSON."""
    with Store(data / "papers.sqlite3") as store:
        index = open_index(data, str(load()["index_engine"]))
        report = build(store, index, out, base_url="https://example.org/", pagefind=pagefind)
        index.close()
    print(json.dumps(figures(report)))


def row(label: str, f: dict) -> str:
    """One build as a table row."""
    return (
        f"| {label} | {f['pages']:,} | {f['written']:,} | {f['seconds']:.2f} | "
        f"{f['pages/s']:,.0f} | {f['pagefind s']:.2f} | {f['total s']:.2f} |"
    )


def run(store: Store, index: SearchIndex, out: Path, label: str, full: bool = False) -> str:
    """One build in this process, as a table row."""
    return row(label, figures(build(store, index, out, "https://example.org/", full=full)))


def main() -> None:
    """Copy the store, build three times, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data", help="data directory with papers.sqlite3")
    parser.add_argument(
        "--once", nargs=2, type=Path, metavar=("DATA", "OUT"), help=argparse.SUPPRESS
    )
    parser.add_argument("--pagefind", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        return once(*args.once, args.pagefind)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "site"
        shutil.copytree(args.data, data, ignore=shutil.ignore_patterns("raw"))
        with Store(data / "papers.sqlite3") as store:
            index = open_index(data, str(load()["index_engine"]))
            index.ensure(store)
            rows = [run(store, index, out, "full build", full=True)]
            rows.append(run(store, index, out, "rebuild, no change"))
            store.ingest(new_day(store))
            started = time.perf_counter()
            index.sync(store)
            sync = time.perf_counter() - started
            index.close()
        day = build_once(data, out)
        rows.append(row(f"one new day ({NEW_PAPERS} papers), new process", day))
    print("| build | pages | files written | pages s | pages/s | Pagefind s | total s |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    print("\n".join(rows))
    print(f"\n(search index sync after the new day, before the build: {sync:.2f}s)")


if __name__ == "__main__":
    main()
