"""The `paperboy` verbs of live scraping: scrape (hf, arxiv, URLs), update, enrich and reparse.

Exit codes as everywhere: 0 something new was stored; 1 nothing new (each line says why);
2 usage or configuration error; 4 a source failed (for `update`: and nothing new arrived);
5 the store could not be opened or written.
"""

from __future__ import annotations

import sys

import click

from server.cli.context import (
    EXIT_INPUT,
    EXIT_NEW,
    EXIT_NOTHING_NEW,
    EXIT_STORE,
    EXIT_USAGE,
    Context,
    day_or_today,
    fail,
    say,
)
from server.config import ConfigError
from server.crawl import (
    Fetcher,
    Outcome,
    Politeness,
    Scraper,
    ScrapeReport,
    Target,
    arxiv_abs,
    arxiv_list,
    atom_batch,
    batches,
    days,
    hf_day,
    hf_period,
    reparse,
    url_target,
)
from server.progress import echo, for_terminal, step
from server.store import StoreError
from server.text import printable
from server.update import UpdateBusy, update


def _fetcher(obj: Context) -> Fetcher:
    if not obj.config["contact"]:
        click.echo(
            "warning: the `contact` setting is empty; set it (paperboy.toml or PAPERBOY_CONTACT) "
            "so that the sites you crawl can reach you",
            err=True,
        )
    return Fetcher(Politeness.from_config(obj.config))


def _echo(outcome: Outcome) -> None:
    """A page's outcome, printed above the bars."""
    if outcome.status == "failed":
        echo(printable(f"paperboy: error: {outcome.line()}"), err=True)
    else:
        echo(printable(outcome.line()))


def _scrape(obj: Context, make_targets) -> None:
    """Run targets made by make_targets(config), index, print the summary, exit."""
    try:
        targets: list[Target] = make_targets(obj.config)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    archive = obj.archive(create=True)
    try:
        fetcher = _fetcher(obj)  # its warning before any bar
        with for_terminal(quiet=False), step("scrape", "page") as shown:
            shown.bar(None)  # a count of pages fetched, its clock moving while one is fetched

            def fetched(outcome: Outcome) -> None:
                shown.advance()
                _echo(outcome)

            today = day_or_today(None).isoformat()
            scraper = Scraper(archive.store, fetcher, obj.config, today, fetched)
            report: ScrapeReport = scraper.run_all(targets)
        with for_terminal(quiet=False):  # the index steps
            note = archive.index.ensure(archive.store)
    except StoreError as exc:
        fail(str(exc), EXIT_STORE)
    finally:
        archive.close()
    click.echo(report.summary())
    click.echo(f"index: {note}")
    if report.failures:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_NEW if report.changed else EXIT_NOTHING_NEW)


class ScrapeGroup(click.Group):
    """`scrape hf ...`, `scrape arxiv ...`, or `scrape URL...` (the `url` verb, implied)."""

    def resolve_command(self, ctx, args):  # noqa: D102
        if args and args[0] not in self.commands and "://" in args[0]:
            return "url", self.commands["url"], args
        return super().resolve_command(ctx, args)


@click.group(cls=ScrapeGroup)
def scrape() -> None:
    """Fetch pages from the sites politely and store them: hf, arxiv, or URLs."""


@scrape.command("hf")
@click.option("--date", "day", metavar="D", help="One day (YYYY-MM-DD).")
@click.option("--since", metavar="D", help="Backfill every day from D ...")
@click.option("--until", metavar="D", help="... to D (default: today).")
@click.option("--week", multiple=True, metavar="YYYY-Www", help="A weekly page (repeatable).")
@click.option("--month", multiple=True, metavar="YYYY-MM", help="A monthly page (repeatable).")
@click.option(
    "--via", type=click.Choice(["api", "page"]), default="api", show_default=True,
    help="Daily lists from api/daily_papers or from the /papers/date/D pages.",
)  # fmt: skip
@click.pass_obj
def scrape_hf(obj: Context, day, since, until, week, month, via) -> None:
    """Hugging Face daily lists (a day or a backfill), weekly and monthly pages."""
    if not (day or since or week or month):
        fail("say which: --date D, --since D [--until D], --week W or --month M", EXIT_USAGE)

    def targets(config):
        chosen = (
            [day_or_today(day).isoformat()]
            if day
            else days(day_or_today(since).isoformat(), day_or_today(until).isoformat())
            if since
            else []
        )
        found = [hf_day(config, d, via) for d in chosen]
        return found + [hf_period(config, p) for p in (*week, *month)]

    _scrape(obj, targets)


@scrape.command("arxiv")
@click.option("--list", "lists", multiple=True, metavar="CAT/new", help="cs.LG/new, cs/recent...")
@click.option("--id", "ids", multiple=True, metavar="ID", help="Papers from the Atom API.")
@click.option("--abs", "refs", multiple=True, metavar="ID", help="Abstract pages.")
@click.pass_obj
def scrape_arxiv(obj: Context, lists, ids, refs) -> None:
    """arXiv listings (/list/<cat>/new|recent|pastweek|YYMM), API batches, abstract pages."""
    if not (lists or ids or refs):
        fail("say which: --list CAT/new, --id ID or --abs ID", EXIT_USAGE)

    def targets(config):
        found = [arxiv_list(config, spec) for spec in lists]
        found += [atom_batch(config, batch) for batch in batches(list(ids))]
        return found + [arxiv_abs(config, ref) for ref in refs]

    _scrape(obj, targets)


@scrape.command("url")
@click.argument("urls", nargs=-1, required=True)
@click.pass_obj
def scrape_url(obj: Context, urls) -> None:
    """Any pages by URL (`paperboy scrape URL...`); each page's kind is detected."""
    _scrape(obj, lambda config: [url_target(u) for u in urls])


@click.command("update")
@click.option("--date", "day", metavar="D", help="Act as if today were D (default: today, UTC).")
@click.option("--no-build", is_flag=True, help="Do not build the archive site.")
@click.option("--no-digest", is_flag=True, help="Do not send the digest.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary line.")
@click.pass_obj
def update_cmd(obj: Context, day, no_build, no_digest, quiet) -> None:
    """Scrape the configured sources, then index, build and send the digest (for cron)."""
    steps = tuple(s for s, off in (("build", no_build), ("digest", no_digest)) if not off)
    archive = obj.archive(create=True)

    def said(text: str) -> None:  # a page's outcome, above the bars
        if not quiet:
            echo(printable(text))

    try:
        with for_terminal(quiet):  # each step's bar or live line, then its line
            report = update(archive, _fetcher(obj), day_or_today(day).isoformat(), said, steps)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    except UpdateBusy as exc:
        fail(f"{exc}; nothing done", EXIT_NOTHING_NEW)
    except StoreError as exc:
        fail(str(exc), EXIT_STORE)
    finally:
        archive.close()
    for outcome in report.scrape.failures:
        say(f"paperboy: error: {outcome.line()}", err=True)
    for name, why in report.failed.items():
        say(
            f"paperboy: error: update: the {name} step failed: {printable(why)}; what the steps "
            "before it stored is kept, and the next update tries it again",
            err=True,
        )
    for line in report.notes if not quiet else []:
        say(line)
    say(report.timing())
    click.echo(report.scrape.summary())
    if report.new and not report.scrape.changed:
        click.echo("new: what the interrupted update stored, now indexed")
    sys.exit(report.exit_code)


@click.command("enrich")
@click.pass_obj
def enrich_cmd(obj: Context) -> None:
    """Ask the arXiv API for the abstracts and categories papers lack (Hugging Face's carry no
    categories, so `cat:` cannot find them), in batches of 100, and the Hugging Face Hub for the
    models, datasets and Spaces citing the papers due by its schedule, then index."""
    archive = obj.archive()
    today = day_or_today(None).isoformat()
    try:
        queued = archive.store.crawl.queue_unenriched()
        due = len(archive.store.artifacts.due(today, int(obj.config["hub_papers"])))
        if not queued and not due:
            click.echo(
                "nothing new: no paper lacks an abstract or categories, and no paper's "
                "Hugging Face Hub artifacts are due"
            )
            sys.exit(EXIT_NOTHING_NEW)
        if queued:
            say(f"{queued} papers lack an abstract or categories: asking the arXiv API")
        if due:
            say(f"{due} papers' Hub artifacts are due: asking the Hugging Face Hub")
        fetcher = _fetcher(obj)  # its warning before any bar
        with for_terminal(quiet=False), step("enrich", "page") as shown:
            shown.bar(None)  # a count of pages fetched, its clock moving while one is fetched

            def fetched(outcome: Outcome) -> None:
                shown.advance()
                _echo(outcome)

            scraper = Scraper(archive.store, fetcher, obj.config, today, fetched)
            scraper.enrich()
            scraper.artifacts()
        with for_terminal(quiet=False):  # the index steps
            note = archive.index.ensure(archive.store)
    except StoreError as exc:
        fail(str(exc), EXIT_STORE)
    finally:
        archive.close()
    report = scraper.report
    click.echo(report.summary())
    click.echo(f"index: {note}")
    if report.failures:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_NEW if report.changed else EXIT_NOTHING_NEW)


@click.command("reparse")
@click.pass_obj
def reparse_cmd(obj: Context) -> None:
    """Re-read every stored raw page with the current parsers (no refetch), then index."""
    archive = obj.archive()
    try:
        with for_terminal(quiet=False):  # the reparse step, then the index steps
            report = reparse(archive.store)
            note = archive.index.ensure(archive.store)
    except StoreError as exc:
        fail(str(exc), EXIT_STORE)
    finally:
        archive.close()
    for line in report.failures:
        click.echo(f"paperboy: error: {line}", err=True)
    click.echo(report.summary().replace("pages read", "raw pages read", 1))
    click.echo(f"index: {note}")
    if report.failures:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_NEW if report.changed else EXIT_NOTHING_NEW)
