"""The `paperboy` verbs of live scraping: scrape (hf, arxiv, URLs), update, reparse, config.

Exit codes as everywhere: 0 something new was stored; 1 nothing new (each line says why);
2 usage or configuration error; 4 a source failed (for `update`: and nothing new arrived);
5 the store could not be opened or written.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, date, datetime

import click

from server.cli import (
    EXIT_INPUT,
    EXIT_NEW,
    EXIT_NOTHING_NEW,
    EXIT_STORE,
    EXIT_USAGE,
    Context,
    fail,
    main,
    say,
)
from server.config import SETTINGS, ConfigError
from server.fetch import Fetcher, Politeness
from server.scrape import Outcome, Scraper, ScrapeReport
from server.scrape_targets import (
    Target,
    arxiv_abs,
    arxiv_list,
    atom_batch,
    batches,
    days,
    hf_day,
    hf_period,
    url_target,
)
from server.scrape_update import UpdateBusy, reparse, update
from server.store import StoreError

SECRET_SETTINGS = {"smtp_password"}


def _today(value: str | None) -> str:
    if not value:
        return datetime.now(UTC).date().isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"not a day: {value!r} (use YYYY-MM-DD)", EXIT_USAGE)


def _fetcher(obj: Context) -> Fetcher:
    if not obj.config["contact"]:
        click.echo(
            "warning: the `contact` setting is empty; set it (paperboy.toml or PAPERBOY_CONTACT) "
            "so that the sites you crawl can reach you",
            err=True,
        )
    return Fetcher(Politeness.from_config(obj.config))


def _echo(outcome: Outcome) -> None:
    if outcome.status == "failed":
        say(f"paperboy: error: {outcome.line()}", err=True)
    else:
        say(outcome.line())


def _scrape(obj: Context, make_targets) -> None:
    """Run targets made by make_targets(config), index, print the summary, exit."""
    try:
        targets: list[Target] = make_targets(obj.config)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    archive = obj.archive()
    try:
        scraper = Scraper(archive.store, _fetcher(obj), obj.config, _today(None), _echo)
        report: ScrapeReport = scraper.run_all(targets)
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


@main.group(cls=ScrapeGroup)
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
        chosen = [_today(day)] if day else days(_today(since), _today(until)) if since else []
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


@main.command("update")
@click.option("--date", "day", metavar="D", help="Act as if today were D (default: today, UTC).")
@click.option("--no-build", is_flag=True, help="Do not build the archive site.")
@click.option("--no-digest", is_flag=True, help="Do not send the digest.")
@click.pass_obj
def update_cmd(obj: Context, day, no_build, no_digest) -> None:
    """Scrape the configured sources, then index, build and send the digest (for cron)."""
    steps = tuple(s for s, off in (("build", no_build), ("digest", no_digest)) if not off)
    archive = obj.archive()
    crash_after = os.environ.get("PAPERBOY_TEST_CRASH_AFTER")  # test-only: see crash_point
    try:
        report = update(archive, _fetcher(obj), _today(day), say, steps, crash_after)
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
    for line in report.notes:
        say(line)
    click.echo(report.scrape.summary())
    if report.new and not report.scrape.changed:
        click.echo("new: what the interrupted update stored, now indexed")
    sys.exit(report.exit_code)


@main.command("reparse")
@click.pass_obj
def reparse_cmd(obj: Context) -> None:
    """Re-read every stored raw page with the current parsers (no refetch), then index."""
    archive = obj.archive()
    try:
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


def _hidden(name: str, value: object) -> object:
    """A secret setting's value masked: `config` output is safe to paste into a bug report."""
    return "********" if name in SECRET_SETTINGS and value else value


def _shown(name: str, value: object) -> str:
    value = _hidden(name, value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value) if value != "" else "(empty)"


@main.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.pass_obj
def config_cmd(obj: Context, as_json: bool) -> None:
    """Show every setting's effective value and where it came from."""
    config = obj.config
    if as_json:
        rows = {
            s.name: {
                "value": _hidden(s.name, config[s.name]),
                "source": config.sources[s.name],
                "help": s.help,
            }
            for s in SETTINGS
        }
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for s in SETTINGS:
        click.echo(f"{s.name:<15} {_shown(s.name, config[s.name]):<36} {config.sources[s.name]}")
