"""The `paperboy trending` verb: a period's list, in the order and under the heading that the site
and the popup show (both come from `service.trending_papers`, as the API's /api/trending)."""

from __future__ import annotations

import json
import re
import sys
from datetime import date

import click

from server import service
from server.budget import QueryTooBroad, deadline
from server.cli.context import EXIT_NOTHING_NEW, EXIT_TOO_BROAD, EXIT_USAGE, Context, fail, say
from server.trending import PERIODS

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only, as the API takes


@click.command("trending")
@click.option(
    "--period",
    type=click.Choice(list(PERIODS)),
    default="now",
    show_default=True,
    help="day: Hugging Face's order; week, month: most upvoted; now: the trending score.",
)
@click.option("--date", "on", metavar="YYYY-MM-DD", help="A day of the period (default: newest).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead.")
@click.pass_obj
def trending(obj: Context, period: str, on: str | None, limit: int, as_json: bool) -> None:
    """Print a period's papers in its order, under the heading the site and the popup show."""
    if on is not None and not _valid_day(on):
        fail(f"--date {on[:40]!r} is not a day: use YYYY-MM-DD, e.g. 2024-08-04", EXIT_USAGE)
    archive = obj.archive()
    try:
        with deadline(float(obj.config["query_budget"]), archive.store.db):
            result = service.trending_papers(archive.store, period, on, limit)
    except QueryTooBroad as exc:
        fail(str(exc), EXIT_TOO_BROAD)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        _print(result)
    if not result["papers"]:
        sys.exit(EXIT_NOTHING_NEW)


def _valid_day(text: str) -> bool:
    if not _DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _print(result: dict) -> None:
    """The heading, the days and the order in words, then one numbered line a paper."""
    say(str(result["heading"]))
    say(f"{result['from']} to {result['to']} · ordered by {result['order_means']}")
    if not result["papers"]:
        say(f"No papers are listed from {result['from']} to {result['to']}.")
    for n, p in enumerate(result["papers"], start=1):
        bits = [f"{p['period_upvotes']}\u25b2"]
        bits += [f"HF #{p['best_rank']}"] if p["best_rank"] else []
        if result["order"] == "score":
            bits += [f"score {p['score']:.2f}", f"{p['days']} day{'s' if p['days'] != 1 else ''}"]
        if p.get("stars") is not None:
            gained = f" (+{p['stars_gained']})" if p["stars_gained"] else ""
            bits += [f"\u2605{p['stars']}{gained}"]
        say(f"{n:>2}. {p['id']:<12} {' · '.join(bits)}  {p['title']}")
