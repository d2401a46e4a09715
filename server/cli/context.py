"""What every `paperboy` verb shares: the configuration, the store and archive it opens, how it
prints outside text, and how it fails.

Exit codes, each with one meaning: 0 something new was stored; 1 nothing new; 2 usage or
configuration error (a query that does not parse or is refused too); 3 a search ran past its
time budget (query_budget); 4 one or more inputs could not be read or parsed; 5 the store could
not be opened or written; 6 the mail server refused or failed (digest).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from server.archive import Archive
from server.config import ConfigError, load
from server.store import Store, StoreError, today
from server.text import printable

EXIT_NEW, EXIT_NOTHING_NEW, EXIT_USAGE, EXIT_TOO_BROAD, EXIT_INPUT, EXIT_STORE = 0, 1, 2, 3, 4, 5
EXIT_SMTP = 6
EXIT_STEP = 7  # update: a step after the scrape failed (UpdateReport.exit_code)


class Context:
    """What every verb needs: the effective configuration and a way to open the store."""

    def __init__(self, data: str | None, config_file: str | None):
        try:
            self.config = load({"data": data}, Path(config_file) if config_file else None)
        except ConfigError as exc:
            fail(str(exc), EXIT_USAGE)

    def store(self, create: bool = False) -> Store:
        """Open the store in the data directory, or exit with a clear message. Only verbs that
        store something create one: the others refuse a folder that holds none (exit 5)."""
        return self.archive(create).store

    def archive(self, create: bool = False) -> Archive:
        """The store and search index together (the store opened now, so errors show early);
        create as for store()."""
        try:
            archive = Archive(self.config, create)
        except StoreError as exc:
            fail(str(exc), EXIT_STORE)
        except ConfigError as exc:
            fail(str(exc), EXIT_USAGE)
        try:
            archive.store  # noqa: B018 - open it now
        except StoreError as exc:
            fail(str(exc), EXIT_STORE)
        return archive


def fail(message: str, code: int) -> None:
    """Print an error on stderr and exit with the given code."""
    say(f"paperboy: error: {message}", err=True)
    sys.exit(code)


def say(text: str, err: bool = False) -> None:
    """Print a line that holds stored or outside text (titles, authors, paths, page problems):
    control and direction characters are shown as U+FFFD, never sent to the terminal."""
    click.echo(printable(text), err=err)


def day_or_today(value: str | None) -> date:
    """A --date value (YYYY-MM-DD), or today as the store's clock tells it; exit 2 if malformed."""
    if not value:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"not a day: {value!r} (use YYYY-MM-DD)", EXIT_USAGE)
