"""Build the static archive: python build.py [--data DIR] [--out _site] [--base-url URL] [--full].

The site map, as main() builds it (see server/site_build.py: build):

    index.md/.html          home: this week's trending and the latest days
    archive, topics, about, search
    day/YYYY-MM-DD          one per listing day: ranked papers, badges, abstracts, links
    week/YYYY-Www, month/YYYY-MM
    paper/ID                abstract, authors, links, trend table + SVG chart, similar, BibTeX
    topic/NAME              one per saved search: query, SVG chart per month, top papers
    feeds/archive.xml, feeds/daily.xml, feeds/topic/NAME.xml   (Atom, by feedgen)
    sitemap.xml, robots.txt, search-index.json, pagefind/      (search without a server)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.config import ConfigError, load
from server.index import EngineMissing, open_index
from server.site_build import DEFAULT_BASE_URL, BuildReport, build
from server.site_build import options as site_options
from server.store import Store, StoreError

SHOWN = 30  # written files listed one by one; past that, counted by kind


def options(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="data directory (default: the `data` setting)")
    parser.add_argument("--out", help="output folder (default: the `site_dir` setting)")
    parser.add_argument("--base-url", help=f"public URL of the site (default {DEFAULT_BASE_URL})")
    parser.add_argument("--full", action="store_true", help="rebuild every page")
    parser.add_argument("--topic", action="append", metavar="NAME=QUERY", help="a topic page")
    parser.add_argument("--no-pagefind", action="store_true", help="skip the Pagefind index")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    return parser.parse_args(argv)


def settings(opts: argparse.Namespace) -> dict[str, object]:
    """Options, then paperboy.toml / PAPERBOY_* settings, then defaults."""
    config = load({"data": opts.data})
    options = site_options(config, opts.out, opts.base_url, opts.topic)
    return {"data": config.data_dir, "engine": config["index_engine"], **options}


def main(argv: list[str] | None = None) -> int:
    """Build the archive from the store and print what was written and why."""
    opts = options(argv)
    try:
        cfg = settings(opts)
        with Store(cfg["data"] / "papers.sqlite3") as store:
            index = open_index(cfg["data"], str(cfg["engine"]))
            print(index.ensure(store), file=sys.stderr)
            report = build(
                store,
                index,
                full=opts.full,
                progress=sys.stderr.isatty() and not opts.quiet,
                pagefind=not opts.no_pagefind,
                **{k: v for k, v in cfg.items() if k not in ("data", "engine")},
            )
            index.close()
    except (ConfigError, StoreError, EngineMissing) as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 2
    print_report(report, cfg["out"], opts.quiet)
    return 0


def print_report(report: BuildReport, out: Path, quiet: bool) -> None:
    """What was written and why, or with --quiet only the summary line."""
    lines = report.lines(out, SHOWN)
    print("\n".join(lines[-1:] if quiet else lines))


if __name__ == "__main__":
    sys.exit(main())
