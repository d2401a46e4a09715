"""What parsing one page may cost: a deadline and a memory allowance, checked as parsing goes.

`sources.parse` runs each page inside `page_budget`. The HTML tree builder, the XML reader and
every parser's per-item loop call `check()`, and JSON is read through `load_json`, which asks
first for the memory the JSON parser may need (it cannot be stopped once started). A page past
its deadline or its memory stops with BudgetExceeded, a ParseError that names the page and the
budget. Outside a budget (a parser module called directly) the checks do nothing.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from bs4.builder._lxml import LXMLTreeBuilder

from server.sources.errors import ParseError

PAGE_SECONDS = 10.0  # the slowest real page (a 1000-record OAI-PMH page) parses in 0.3 s
PAGE_MEMORY_MB = 128  # the hungriest real page grows the process by 11 MB
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_RSS_EVERY = 32  # checks between two reads of the process's memory


class BudgetExceeded(ParseError):
    """A page that would take more time or memory to parse than one page may."""


def resident_bytes() -> int:
    """The process's resident memory now (Linux); elsewhere its peak so far."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


@dataclass
class PageBudget:
    """The deadline and memory allowance of one page being parsed."""

    page: str
    seconds: float = PAGE_SECONDS
    memory_mb: int = PAGE_MEMORY_MB
    started: float = field(default_factory=time.monotonic)
    base: int = field(default_factory=resident_bytes)
    calls: int = 0
    soups: list = field(default_factory=list)  # HTML trees, taken apart when the page is done

    def check(self, cost: int = 0) -> None:
        """BudgetExceeded when the page is past its deadline, or its memory (plus cost) is."""
        if time.monotonic() - self.started > self.seconds:
            raise BudgetExceeded(
                f"{self.page}: parsing stopped after {self.seconds:g} s, "
                "the time budget for one page"
            )
        self.calls += 1
        if cost or self.calls % _RSS_EVERY == 0:
            used = resident_bytes() - self.base + cost
            if used > self.memory_mb << 20:
                need = " to go on" if not cost else f" to read {cost >> 20} MB more"
                raise BudgetExceeded(
                    f"{self.page}: parsing needs more than {self.memory_mb} MB{need}, "
                    "the memory budget for one page"
                )


_CURRENT: ContextVar[PageBudget | None] = ContextVar("page_budget", default=None)


@contextmanager
def page_budget(
    page: str, seconds: float = PAGE_SECONDS, memory_mb: int = PAGE_MEMORY_MB
) -> Iterator[PageBudget]:
    """Parse one page (named `page` in errors) within a deadline and a memory allowance."""
    budget = PageBudget(page, seconds, memory_mb)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)
        # A soup is a web of reference cycles that only a full collection frees; taken apart
        # now, its memory is free before the next page starts (or a stopped page's error ends).
        for soup in budget.soups:
            _take_apart(soup)


def _take_apart(root) -> None:
    """Empty every node of a (possibly half-built) soup, so reference counting frees them."""
    # not Tag.decompose: it follows next_element links, which a half-built tree lacks
    stack = [root]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "contents", None) or ())
        node.__dict__.clear()


def check(cost: int = 0) -> None:
    """Stop the page being parsed if it is over its budget (no-op outside a budget)."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.check(cost)


class BudgetedTreeBuilder(LXMLTreeBuilder):
    """BeautifulSoup's lxml HTML builder, checking the page's budget at every tag it builds."""

    def initialize_soup(self, soup) -> None:
        """Hand the new soup to the page's budget, which takes it apart when the page is done."""
        super().initialize_soup(soup)
        budget = _CURRENT.get()
        if budget is not None:
            budget.soups.append(soup)

    def start(self, name, attrs, nsmap=None):
        """Check the budget, then build the tag (bs4's own hook)."""
        check()
        return super().start(name, attrs, nsmap or {})


def json_structure(text: str) -> str:
    """JSON text with its strings taken out: the part the parser builds objects from."""
    return _JSON_STRING.sub("", text)


def json_cost(text: str, structure: str | None = None) -> int:
    """An upper bound on the bytes json.loads keeps for this text.

    Measured worst cases: a string costs at most 4 bytes a character; an object or list at most
    232 bytes, an element (one per comma) at most 60, and an object's member (one per colon) up
    to 128 more while its table grows (a list of empty lists keeps 24 bytes per input byte).
    Brackets, commas and colons are counted in `structure` (the text without its strings, for a
    tight bound) or else in the whole text (quicker, and higher still).
    """
    s = text if structure is None else structure
    return (
        4 * len(text) + 256 * (s.count("{") + s.count("[")) + 64 * s.count(",") + 128 * s.count(":")
    )


def load_json(text: str) -> object:
    """json.loads, once the memory the JSON parser may need fits the page's budget."""
    budget = _CURRENT.get()
    if budget is not None:
        cost = json_cost(text)
        if cost > budget.memory_mb << 20:  # strings full of commas: count outside them only
            cost = json_cost(text, json_structure(text))
        budget.check(cost)
    return json.loads(text)
