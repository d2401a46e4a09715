"""Time budgets for searches: a deadline per thread that the search loops check as they go.

Python threads cannot be stopped from outside, so a search that runs past its budget stops
itself: the index's loops call `check()`, the whoosh collectors run under a time limit, and SQLite
calls a progress handler. Code run without a deadline (site builds, digests) is never stopped.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

HINT = (
    "hint: use fewer words, fewer wildcards (*, ?) and fuzzy terms (~), longer prefixes "
    "before a *, or a narrower date range"
)
SQLITE_STEPS = 10_000  # SQLite virtual machine steps between two looks at the clock

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("deadline", default=None)


class QueryTooBroad(Exception):
    """A search, similar-papers or trending request ran past its time budget."""

    def __init__(self, budget: float):
        super().__init__(
            f"query too broad: it needed more than its {budget:g} s budget "
            f"(the query_budget setting); {HINT}"
        )
        self.budget = budget


@contextlib.contextmanager
def deadline(seconds: float | None, db: sqlite3.Connection | None = None) -> Iterator[None]:
    """Run the block within `seconds` (None: no limit); past it, checks raise QueryTooBroad.

    `db`, when given, is a SQLite connection whose statements are interrupted at the deadline
    too (through its progress handler, removed on the way out)."""
    if seconds is None:
        yield
        return
    token = _deadline.set((time.monotonic() + seconds, seconds))
    if db is not None:
        db.set_progress_handler(_sqlite_expired, SQLITE_STEPS)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if expired() and "interrupt" in str(exc):
            raise QueryTooBroad(seconds) from None
        raise
    finally:
        if db is not None:
            db.set_progress_handler(None, SQLITE_STEPS)
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left in this thread's budget (0 when spent), or None without one."""
    current = _deadline.get()
    return None if current is None else max(0.0, current[0] - time.monotonic())


def expired() -> bool:
    """True when this thread's budget is spent."""
    current = _deadline.get()
    return current is not None and time.monotonic() >= current[0]


def check() -> None:
    """Raise QueryTooBroad when this thread's budget is spent."""
    current = _deadline.get()
    if current is not None and time.monotonic() >= current[0]:
        raise QueryTooBroad(current[1])


def seconds() -> float | None:
    """This thread's whole budget in seconds, or None without one."""
    current = _deadline.get()
    return None if current is None else current[1]


def paced(items: Iterable, every: int = 512) -> Iterator:
    """The items, checking the budget every `every` of them."""
    for n, item in enumerate(items):
        if n % every == 0:
            check()
        yield item


def _sqlite_expired() -> int:
    return 1 if expired() else 0
