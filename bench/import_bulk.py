"""Benchmark: import the corpus bulk data sets into a fresh store; prints a Markdown table.

    python bench/import_bulk.py [--only hf|oai]

Reads ../shared/corpus/bulk (skips a data set that is absent). No asserts on time: it reports.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.crawl.importer import import_paths  # noqa: E402
from server.store import Store  # noqa: E402

BULK = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "bulk"
SETS = {
    "hf": ("HF daily_papers API, 580 days", "hf-daily-papers-api_*"),
    "oai": ("arXiv OAI-PMH cs 2016, 27 pages", "arxiv-oai-pmh-*"),
}


def run(name: str) -> dict[str, object] | None:
    """Import one bulk set into a new store and time it."""
    label, pattern = SETS[name]
    dirs = sorted(BULK.glob(pattern))
    if not dirs:
        print(f"skipped {name}: no {BULK}/{pattern}", file=sys.stderr)
        return None
    files = sum(1 for d in dirs for _ in d.iterdir())
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "papers.sqlite3") as store:
        start = time.perf_counter()
        report = import_paths(store, [str(d) for d in dirs])
        seconds = time.perf_counter() - start
        papers = store.count("papers")
    return {
        "set": label,
        "files": files,
        "papers": papers,
        "problems": report.skipped,
        "failed": len(report.failures),
        "seconds": seconds,
        "papers/s": papers / seconds,
    }


def main() -> None:
    """Run the chosen sets and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SETS))
    args = parser.parse_args()
    rows = [r for r in (run(n) for n in ([args.only] if args.only else SETS)) if r]
    print("| data set | files | papers | problems | failed | seconds | papers/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['set']} | {r['files']} | {r['papers']:,} | {r['problems']} | {r['failed']} "
            f"| {r['seconds']:.1f} | {r['papers/s']:,.0f} |"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
