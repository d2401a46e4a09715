"""Progress of the long steps (parse, index, similar, site pages, digest): the one place that
draws bars and prints step lines.

Library code only reports: `with step("index", "paper") as s:` then `s.iter(rows, total)` for
work it can count, `with s.wait("committing", estimate)` for work it cannot (a live line with
the time so far and an estimate, redrawn from a thread), and the step's one summary line when it
ends: `index: 9,877 papers in 19.8s (498/s)`. What is shown is the verb's choice (`shown()`,
`for_terminal()`): by default (the server, tests, library use) nothing is. A verb shows bars
only when stderr is a terminal and not --quiet, step lines unless --quiet; all on stderr.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")
tqdm.monitor_interval = 0  # no monitor thread of tqdm's: the step's own thread redraws (_tick)
REDRAW = 0.5  # seconds between redraws of a bar or live line, so none is still for long


@dataclass
class Shown:
    """What the running verb shows: bars and live lines, step summary lines, and where."""

    bars: bool = False
    lines: bool = False
    stream: TextIO | None = None  # None: sys.stderr when written (pytest swaps it)

    def out(self) -> TextIO:
        return self.stream or sys.stderr


_shown = Shown()
_ticking: set[Step] = set()  # steps whose thread redraws their bar now
_held: list[Step] = []  # their locks, held across a fork


def _before_fork() -> None:
    """A process forked while a step's thread writes to the terminal (whoosh's index writers
    are forked) would inherit the stream's lock held, and hang flushing it at exit: so a fork
    waits for the thread's redraw to end, and the next redraw for the fork."""
    _held[:] = list(_ticking)
    for held in _held:
        held._lock.acquire()


def _after_fork() -> None:
    for held in _held:
        held._lock.release()
    _held.clear()


def redraw_threads() -> set[threading.Thread]:
    """The threads redrawing bars now: a fork waits for their redraw (above), so a forked
    child inherits no lock of theirs held."""
    return {held._ticker for held in list(_ticking) if held._ticker is not None}


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork, after_in_child=_after_fork)


@contextmanager
def shown(bars: bool, lines: bool, stream: TextIO | None = None) -> Iterator[Shown]:
    """Show bars and/or step lines (on `stream`, stderr by default) while the block runs."""
    global _shown
    before, _shown = _shown, Shown(bars, lines, stream)
    try:
        yield _shown
    finally:
        _shown = before


def for_terminal(quiet: bool):
    """A verb's choice: bars when stderr is a terminal, step lines, both off under --quiet."""
    return shown(bars=sys.stderr.isatty() and not quiet, lines=not quiet)


def summary(name: str, count: int | None, unit: str, seconds: float, detail: str = "") -> str:
    """'index: 9,877 papers in 19.8s (498/s)'; without a count, 'index: 19.8s'."""
    if count is None:
        text = f"{name}: {seconds:.1f}s"
    else:
        rate = ""
        if seconds >= 0.05 and count:
            each = seconds / count
            rate = f" ({count / seconds:,.0f}/s)" if each <= 1 else f" ({each:.1f}s each)"
        text = f"{name}: {count:,} {unit}{'' if count == 1 else 's'} in {seconds:.1f}s{rate}"
    return text + (f"; {detail}" if detail else "")


class Step:
    """One long step: its bars and live lines while it runs, its summary line at the end."""

    def __init__(self, name: str, unit: str, line: bool):
        self.name, self.unit, self.line = name, unit, line
        self.count: int | None = None  # what the summary counts (iter() adds to it)
        self.detail = ""  # appended to the summary line
        self.started = time.perf_counter()
        self._bar: tqdm | None = None
        self._counting = True  # the bar advance() moves counts the step's unit
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._ticker: threading.Thread | None = None
        self._estimate: float | None = None
        self._begun = self.started
        if _shown.bars:
            self._ticker = threading.Thread(target=self._tick, name=f"progress-{name}")
            self._ticker.daemon = True
            _ticking.add(self)
            self._ticker.start()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def iter(
        self, items: Iterable[T], total: int | None, what: str = "", unit: str = ""
    ) -> Iterator[T]:
        """Yield the items under a bar (`what` names the pass; `unit` what it counts, when not
        the step's unit) with its rate and ETA; each one counts towards the summary line,
        unless it is another unit (shown, not counted)."""
        self.bar(total, what, unit)
        try:
            for item in items:
                yield item
                self.advance()
        finally:
            self._close()

    def advance(self, n: int = 1) -> None:
        """Count n more (work reported by a callback rather than iterated) on the bar, and in
        the summary unless the bar counts another unit."""
        self.count = (self.count or 0) + (n if self._counting else 0)
        bar = self._bar
        if bar is not None:
            bar.update(n)

    def bar(self, total: int | None, what: str = "", unit: str = "") -> None:
        """Start a bar that advance() moves (closing the one before; `unit` as in iter)."""
        self.count = self.count or 0
        self._counting = unit in ("", self.unit)
        self._open(total=total, desc=f"{self.name} {what}".strip(), unit=unit or self.unit)

    @contextmanager
    def wait(self, what: str, estimate: float | None = None) -> Iterator[None]:
        """Work that cannot be counted (a commit, a merge): a live line with its time so far
        and, given an estimate in seconds (of 2 or more: a shorter one is noise), about how
        long is left."""
        estimate = estimate if estimate and estimate >= 2 else None
        self._open(total=None, desc=f"{self.name}: {what}", estimate=estimate)
        try:
            yield
        finally:
            self._close()

    def _open(self, total: int | None, desc: str, unit: str = "", estimate=None) -> None:
        self._close()
        if not _shown.bars:
            return
        with self._lock:
            self._estimate, self._begun = estimate, time.perf_counter()
            if total is None and not unit:  # a live line, redrawn by the ticker
                form = "{desc} {elapsed}{postfix}"
                self._bar = tqdm(desc=desc, file=_shown.out(), leave=False, bar_format=form)
            else:  # without a total, a count: "scrape: 3 pages [00:09, 3.01s/page]"
                form = None if total else "{desc}: {n_fmt} " + unit + "s [{elapsed}, {rate_fmt}]"
                self._bar = tqdm(
                    total=total,
                    desc=desc,
                    unit=unit,
                    file=_shown.out(),
                    leave=False,
                    bar_format=form,
                )

    def _close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    def _tick(self) -> None:
        """Redraw the bar or live line every REDRAW seconds: its clock moves even while one
        item, or a commit, takes long."""
        while not self._done.wait(REDRAW):
            with self._lock:
                bar = self._bar
                if bar is None:
                    continue
                if self._estimate is not None:
                    spent = time.perf_counter() - self._begun
                    bar.set_postfix_str(_left(spent, self._estimate), refresh=False)
                bar.refresh()

    def finish(self) -> None:
        self._done.set()
        self._close()
        if self._ticker is not None:
            self._ticker.join()
            _ticking.discard(self)
        idle = self.count == 0 and self.seconds < 1  # nothing to do, as a sync with no change
        if self.line and _shown.lines and not idle:
            text = summary(self.name, self.count, self.unit, self.seconds, self.detail)
            print(text, file=_shown.out(), flush=True)


def _left(spent: float, estimate: float) -> str:
    """'about 6s left' from the estimate; past it, say so rather than count below zero."""
    if spent < estimate:
        return f"about {max(estimate - spent, 1):.0f}s left (estimated)"
    return f"past the {estimate:.0f}s estimated"


@contextmanager
def step(name: str, unit: str = "item", line: bool = True) -> Iterator[Step]:
    """A long step named `name`, counting `unit`s; its summary line (unless line=False, when
    the verb prints its own) comes when the block ends, not when it fails."""
    current = Step(name, unit, line)
    try:
        yield current
    except BaseException:
        current.line = False
        raise
    finally:
        current.finish()


def echo(text: str, err: bool = False) -> None:
    """Print a line (on stdout, or stderr) above the bars and live lines drawn now, which are
    drawn again below it: a verb's own lines while its steps run."""
    tqdm.write(text, file=sys.stderr if err else sys.stdout)
