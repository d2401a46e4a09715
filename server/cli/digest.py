"""The `paperboy` verbs of the e-mail digest: digest, subscribers add|list|remove.

Exit codes: 0 something was sent (or written); 1 nothing to send, with the reason; 2 usage;
5 the store could not be opened or written; 6 the SMTP server failed or refused messages.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from server.cli.context import (
    EXIT_NEW,
    EXIT_NOTHING_NEW,
    EXIT_SMTP,
    EXIT_STORE,
    EXIT_USAGE,
    Context,
    day_or_today,
    fail,
)
from server.config import ConfigError
from server.digest import (
    InvalidSubscription,
    NothingToSend,
    RunReport,
    SmtpFailure,
    run,
    valid_email,
    valid_frequency,
    valid_topics,
)
from server.progress import for_terminal
from server.store import StoreError


@click.command()
@click.option(
    "--period", type=click.Choice(["daily", "weekly"]), default="daily", show_default=True
)
@click.option("--date", "day", metavar="D", help="The digest's day, or a week's last day (today).")
@click.option("--dry-run", is_flag=True, help="Write .eml files to --out instead of sending.")
@click.option("--out", type=click.Path(file_okay=False), help="Where --dry-run writes.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or step lines.")
@click.pass_obj
def digest(obj: Context, period, day: str | None, dry_run: bool, out: str | None, quiet) -> None:
    """Send the daily or weekly digest to every confirmed subscriber who has not had it."""
    if dry_run != bool(out):
        fail("--dry-run and --out DIR go together", EXIT_USAGE)
    archive = obj.archive()
    try:
        with for_terminal(quiet):  # the send bar (and the index steps, if it must be rebuilt)
            report = run(archive, period, day_or_today(day), Path(out) if out else None)
    except NothingToSend as exc:
        click.echo(f"nothing to send: {exc}")
        sys.exit(EXIT_NOTHING_NEW)
    except (ConfigError, ValueError) as exc:  # a bad mail setting, named with where it was set
        fail(str(exc), EXIT_USAGE)
    except SmtpFailure as exc:
        fail(f"{exc}; nothing was sent", EXIT_SMTP)
    except StoreError as exc:
        fail(str(exc), EXIT_STORE)
    finally:
        archive.close()
    sys.exit(_print_report(report))


def _print_report(report: RunReport) -> int:
    edition, outcome = report.edition, report.outcome
    click.echo(
        f"{edition.period} digest for {edition.key}: {len(edition.papers)} top papers "
        f"(of {len(edition.pool)} in the period); subscribers: {report.due} due, "
        f"{report.already} already sent"
    )
    if report.written:
        click.echo(f"dry run: wrote {len(report.written)} messages to {report.written[0].parent}")
        return EXIT_NEW
    click.echo(
        f"sent {outcome.sent} of {report.due} in {outcome.seconds:.2f} s "
        f"({outcome.rate:.0f} messages/s)"
    )
    if outcome.resent:
        click.echo(f"{outcome.resent} interrupted by an earlier run sent again (same Message-ID)")
    for line in outcome.refused:
        click.echo(f"paperboy: error: refused: {line}", err=True)
    if outcome.stopped:
        left = report.due - outcome.sent - len(outcome.refused)
        click.echo(
            f"paperboy: error: {outcome.stopped}; run again to send the other {left}", err=True
        )
    if outcome.stopped or outcome.refused:
        return EXIT_SMTP
    return EXIT_NEW if outcome.sent else EXIT_NOTHING_NEW


@click.group()
def subscribers() -> None:
    """Manage digest subscribers: add, list, remove."""


@subscribers.command("add")
@click.argument("email")
@click.option(
    "--frequency", type=click.Choice(["daily", "weekly"]), default="daily", show_default=True
)
@click.option("--topic", "topics", multiple=True, metavar="QUERY", help="A saved search (repeat).")
@click.pass_obj
def subscribers_add(obj: Context, email: str, frequency: str, topics: tuple[str, ...]) -> None:
    """Add a confirmed subscriber (your own command: no opt-in mail is sent)."""
    try:
        address, freq, wanted = (
            valid_email(email),
            valid_frequency(frequency),
            valid_topics(list(topics)),
        )
    except InvalidSubscription as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        with obj.store(create=True) as store:
            sub = store.subscribers.add(address, freq, wanted)
    except StoreError as exc:
        fail(str(exc), EXIT_STORE)
    click.echo(
        f"subscriber {sub.id}: {sub.email}, {sub.frequency}, confirmed; topics: {sub.topics}"
    )


@subscribers.command("list")
@click.option("--status", type=click.Choice(["pending", "confirmed", "unsubscribed"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_obj
def subscribers_list(obj: Context, status: str | None, as_json: bool) -> None:
    """List subscribers: id, address, frequency, status, topics."""
    with obj.store() as store:
        found = store.subscribers.listed(status=status)
    for sub in found:
        if as_json:
            click.echo(json.dumps(asdict(sub), ensure_ascii=False))
        else:
            topics = "; ".join(sub.topics)
            click.echo(f"{sub.id:>6}  {sub.email:<36} {sub.frequency:<7} {sub.status:<12} {topics}")
    if not as_json:
        click.echo(f"{len(found)} subscriber{'s' if len(found) != 1 else ''}", err=True)


@subscribers.command("remove")
@click.argument("email")
@click.pass_obj
def subscribers_remove(obj: Context, email: str) -> None:
    """Delete a subscriber and its sent log (to stop mail but keep the record: unsubscribe)."""
    with obj.store() as store:
        removed = store.subscribers.remove(email.strip())
    if not removed:
        fail(f"{email}: no such subscriber", EXIT_NOTHING_NEW)
    click.echo(f"removed {email.strip()}")
