"""Benchmark the archive build: a full build, a rebuild with no change, one new day.

    python bench/build.py [--data DIR]   (default data/; e.g. a store of the 36k corpus)

Works on a copy of the store, so the data directory is never changed. Prints a Markdown table.
The new day is synthetic: a Listing of NEW_PAPERS papers on the day after the newest one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.index import SearchIndex  # noqa: E402
from server.models import Appearance, Listing, Paper  # noqa: E402
from server.site_build import build  # noqa: E402
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


def run(store: Store, index: SearchIndex, out: Path, label: str, full: bool = False) -> str:
    """One build, as a table row."""
    report = build(store, index, out, base_url="https://example.org/", full=full)
    pages_s = report.seconds - report.search_seconds
    rate = report.pages / pages_s if pages_s else 0.0
    return (
        f"| {label} | {report.pages:,} | {len(report.written):,} | {pages_s:.2f} | "
        f"{rate:,.0f} | {report.search_seconds:.2f} | {report.seconds:.2f} |"
    )


def main() -> None:
    """Copy the store, build three times, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data", help="data directory with papers.sqlite3")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "site"
        shutil.copytree(args.data, data, ignore=shutil.ignore_patterns("raw"))
        with Store(data / "papers.sqlite3") as store:
            index = SearchIndex(data / "index")
            index.ensure(store)
            rows = [run(store, index, out, "full build", full=True)]
            rows.append(run(store, index, out, "rebuild, no change"))
            store.ingest(new_day(store))
            started = time.perf_counter()
            index.sync(store)
            sync = time.perf_counter() - started
            rows.append(run(store, index, out, f"one new day ({NEW_PAPERS} papers)"))
            index.close()
    print("| build | pages | files written | pages s | pages/s | Pagefind s | total s |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    print("\n".join(rows))
    print(f"\n(search index sync after the new day, before the build: {sync:.2f}s)")


if __name__ == "__main__":
    main()
