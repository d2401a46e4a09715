"""The daily pipeline, `paperboy update`: scrape, index, build, digest (one cron job).

Idempotent by construction: each page is stored in one transaction and cached only after it is
stored; the search index detects that it is behind the store (SearchIndex.ensure); and a run is
logged in `update_runs`, finished only once every step after the scrape succeeded, so a run that
died halfway is seen by the next one, which counts its news as new and finishes its steps.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from server import progress
from server.archive import Archive
from server.crawl import (
    Fetcher,
    Outcome,
    Scraper,
    ScrapeReport,
    Target,
    provisional_target,
    update_targets,
)
from server.digest import NothingToSend, SmtpFailure
from server.digest import run as run_digest
from server.site import build, options
from server.store import Store, StoreError

PROVISIONAL_DAYS = 30  # a list still short after this many days is given up on


class UpdateBusy(Exception):
    """Another `paperboy update` holds the data directory's lock."""


@dataclass
class UpdateReport:
    """What an update scraped, the notes of its later steps, and whether anything new arrived."""

    scrape: ScrapeReport
    notes: list[str] = field(default_factory=list)
    new: bool = False
    resumed: str | None = None  # start time of an unfinished run this one finished
    failed: dict[str, str] = field(default_factory=dict)  # step after the scrape -> why it failed
    seconds: dict[str, float] = field(default_factory=dict)  # each step's time, in run order

    def timing(self) -> str:
        """One line of each step's time, e.g. 'took: scrape 0.9s, index 0.4s, ...; 4.4s in all'."""
        steps = ", ".join(f"{name} {took:.1f}s" for name, took in self.seconds.items())
        return f"took: {steps}; {sum(self.seconds.values()):.1f}s in all"

    @property
    def exit_code(self) -> int:
        """7 a step after the scrape (index, build, digest) failed, whatever arrived: a cron user
        must learn that the site or the digest stopped; else 0 something new arrived; 4 a source
        failed and nothing new; 1 nothing new (the EXIT_ codes of server/cli/context.py)."""
        if self.failed:
            return 7
        if self.new:
            return 0
        return 4 if self.scrape.failures else 1


@contextmanager
def update_lock(data_dir: Path) -> Iterator[None]:
    """Hold data/update.lock for the run, so two cron runs never interleave."""
    path = data_dir / "update.lock"
    with path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpdateBusy(f"another `paperboy update` is running (it holds {path})") from None
        yield  # the lock goes with the file when it closes


def configured_targets(store: Store, config, today: str, note: Callable[[str], None]) -> list:
    """The configured sources' targets, then the provisional lists still to poll."""
    targets: list[Target] = update_targets(config, today)
    cutoff = (date.fromisoformat(today) - timedelta(PROVISIONAL_DAYS)).isoformat()
    for day in store.crawl.drop_provisional_before(cutoff):
        note(f"{day.list} {day.date}: gave up polling: still {day.seen} of {day.expected} papers")
    return targets + [provisional_target(config, day) for day in store.crawl.provisional_days()]


def update(
    archive: Archive,
    fetcher: Fetcher,
    today: str,
    echo: Callable[[str], None],
    steps: tuple[str, ...] = ("build", "digest"),
    after_step: Callable[[str], None] | None = None,
) -> UpdateReport:
    """Scrape the configured sources, then index, build and send the digest when news arrived.

    `after_step(name)` is called as each step ends (scrape, index, build, digest): the crash
    tests stop the process there, as a power cut would, to show that the next run finishes."""
    store, config = archive.store, archive.config
    clock = [time.perf_counter()]

    def ended(step: str) -> None:
        now = time.perf_counter()
        report.seconds[step] = round(now - clock[0], 3)
        clock[0] = now
        if after_step is not None:
            after_step(step)

    with update_lock(archive.data_dir):
        run_id = store.crawl.start_run()
        report = UpdateReport(ScrapeReport(), resumed=store.crawl.unfinished_run(run_id))
        if report.resumed:
            echo(f"resuming: the update started {report.resumed} did not finish; finishing it")
        baseline = store.crawl.finished_change() or ""
        with progress.step("scrape", "page") as shown:
            shown.bar(None)  # a count of pages fetched, its clock moving while one is fetched

            def fetched(outcome: Outcome) -> None:
                shown.advance()
                echo("  " + outcome.line())

            scraper = Scraper(store, fetcher, config, today, fetched)
            report.scrape = scraper.run_all(configured_targets(store, config, today, echo))
        store.crawl.scraped(run_id)
        ended("scrape")
        report.new = store.last_change() > baseline
        for name, step in (("index", index_step), ("build", build_step), ("digest", digest_step)):
            on = name == "index" or name in steps  # the index always follows the store
            report.notes.append(_step(report, name, step, archive, today, on))
            ended(name)
        if not report.failed:
            store.crawl.finish_run(run_id)
    return report


def _step(report: UpdateReport, name: str, step, archive: Archive, today: str, on: bool) -> str:
    """Run one step after the scrape; a failure is noted in the report, not raised, so the steps
    after it still run and what succeeded is kept (a failed store is StoreError: exit 5)."""
    if not on:
        return f"{name}: skipped (--no-{name})"
    if name != "index" and not report.new:
        return f"{name}: nothing new, so nothing to do"
    if name == "build" and "index" in report.failed:  # the pages ask the index for lists
        report.failed[name] = "the index step failed first"
        return "build: not run: the index step failed (the next update tries both again)"
    try:
        return step(archive, today)
    except StoreError:
        raise
    except Exception as exc:  # the run stays unfinished, so the next update tries the step again
        report.failed[name] = f"{type(exc).__name__}: {exc}"
        return f"{name}: failed: {type(exc).__name__}: {exc} (the next update tries again)"


def index_step(archive: Archive, today: str) -> str:
    """Bring the search index up to the store (server/index/), as every import does."""
    return f"index: {archive.index.ensure(archive.store)}"


def build_step(archive: Archive, today: str) -> str:
    """Build the archive site (server/site/), as `paperboy build` does."""
    where = options(archive.config, None, None, None)
    report = build(archive.store, archive.index, **where)
    archive.record_site(where["out"])
    return "build: " + report.lines(where["out"])[-1]


def digest_step(archive: Archive, today: str) -> str:
    """Send the daily digest (server/digest/), as `paperboy digest` does."""
    try:
        result = run_digest(archive, "daily", date.fromisoformat(today), None)
    except NothingToSend as exc:
        return f"digest: nothing to send: {exc}"
    edition, outcome = result.edition, result.outcome
    if outcome.stopped or outcome.refused:  # a failed step: the next update tries the rest
        why = [f"sent {outcome.sent} of {result.due}"]
        if outcome.stopped:
            why.append(outcome.stopped)
        if outcome.refused:
            why.append(f"{len(outcome.refused)} refused, first {outcome.refused[0]}")
        raise SmtpFailure("; ".join(why))
    return f"digest: the {edition.period} digest for {edition.key} went to {result.due} subscribers"


__all__ = ["Outcome", "UpdateBusy", "UpdateReport", "update"]
