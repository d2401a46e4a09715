"""The trending score and every list's order: pure functions of papers' appearances.

Each period has one order, named in its heading on every surface (site, API, CLI, popup):

    day        the list's own rank (Hugging Face's order), then upvotes
    week       most upvoted: the highest upvotes seen in the ISO week (Monday to Sunday)
    month      most upvoted: the highest upvotes seen in the calendar month
    now        the trending score below, over the 7 days ending on the day
    starred    most starred: the GitHub stars a paper's code gained in the ISO week, then its
               stars (papers on the lists that week)

`top()` is the one function every list calls (the digest, whose week is the 7 days to its day,
calls `in_order()` on them).

The trending score: for a reference day T and a period (day, week, month or now), every
appearance of the paper on a day d inside the period's window counts, discounted by its age
(T - d) with a half-life:

    score = sum over appearances a in the window of
                0.5 ** (age_a / HALF_LIFE) * (W_UPVOTES * ln(1 + upvotes_a)
                                              + W_RANK * rank_points_a
                                              + W_PRESENCE)
            + W_LISTS * (distinct lists - 1) + W_DAYS * (distinct days - 1)
            + W_STARS * ln(1 + stars gained in the window)

    rank_points = 1 / rank on ranked lists (the Hugging Face lists), else 0:
                  arXiv listing order is submission order, not popularity.

Upvotes dominate (log-damped, so 400 upvotes is not 100 times 4), a top rank adds up to
W_RANK, and being on several lists or several days adds a little each. Stars gained are the
GitHub stars of the paper's code at its last reading in the window less those at its last
reading before the window (or its first inside it): a paper read once has gained none. They are
log-damped too, and weigh half as much as upvotes, since a repository gathers stars for reasons
of its own.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from server.models import RANKED_LISTS, Appearance

W_UPVOTES = 1.0
W_RANK = 2.0
W_PRESENCE = 0.5
W_LISTS = 1.0
W_DAYS = 0.5
W_STARS = 0.5
# period -> (window in days ending on T, half-life in days)
PERIODS = {
    "day": (1, 1.0),
    "week": (7, 3.0),
    "month": (30, 10.0),
    "now": (7, 2.0),
    "starred": (7, 3.0),
}
Order = Literal["rank", "upvotes", "score", "stars"]
ORDERS: dict[str, Order] = {
    "day": "rank",
    "week": "upvotes",
    "month": "upvotes",
    "now": "score",
    "starred": "stars",
}
ORDER_NAMES = {
    "rank": "the list's own rank (Hugging Face's order), then upvotes",
    "upvotes": "the highest upvotes seen in the period, then the best rank",
    "score": "the trending score (docs/trending.md)",
    "stars": "the GitHub stars gained in the period, then the stars, then upvotes",
}
Readings = Mapping[str, Sequence[tuple[str, int]]]  # paper id -> (day, stars), oldest first
UNRANKED = 10**6  # sorts after every real rank


@dataclass
class Trend:
    """A paper's score for a period, with the parts that made it."""

    paper_id: str
    score: float
    upvotes: int
    best_rank: int | None
    lists: int
    days: int
    stars_gained: int = 0
    stars: int | None = None  # at the last reading up to the period's end


def window(period: str, on: date) -> tuple[date, date]:
    """The first and last day a period covers, ending on `on`."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    days, _ = PERIODS[period]
    return on - timedelta(days=days - 1), on


def appearance_points(a: Appearance) -> float:
    """What one appearance is worth before its age discount."""
    rank_points = 1 / a.rank if a.rank and a.list in RANKED_LISTS else 0.0
    return W_UPVOTES * math.log1p(max(a.upvotes or 0, 0)) + W_RANK * rank_points + W_PRESENCE


def star_growth(
    readings: Sequence[tuple[str, int]], first: str, last: str
) -> tuple[int, int | None]:
    """(stars gained from the last reading before `first`, or the first inside, to the last
    inside [first, last]; the stars at the last reading up to `last`), from readings sorted by
    day. A paper read once in the window has gained none."""
    before = [n for d, n in readings if d < first]
    inside = [n for d, n in readings if first <= d <= last]
    latest = inside[-1] if inside else before[-1] if before else None
    if not inside:
        return 0, latest
    return max(0, inside[-1] - (before[-1] if before else inside[0])), latest


def score(
    paper_id: str,
    appearances: Iterable[Appearance],
    period: str,
    on: date,
    readings: Sequence[tuple[str, int]] = (),
) -> Trend:
    """The trending score of one paper for the period ending on `on` (its star readings, when
    given, add the stars it gained in the window)."""
    first, last = window(period, on)
    half_life = PERIODS[period][1]
    total, upvotes, ranks, lists, days = 0.0, 0, [], set(), set()
    for a in appearances:
        day = date.fromisoformat(a.date)
        if not first <= day <= last:
            continue
        total += 0.5 ** ((last - day).days / half_life) * appearance_points(a)
        upvotes = max(upvotes, a.upvotes or 0)
        if a.rank and a.list in RANKED_LISTS:
            ranks.append(a.rank)
        lists.add((a.list, a.category))
        days.add(day)
    gained, stars = star_growth(readings, first.isoformat(), last.isoformat())
    if lists:
        total += W_LISTS * (len(lists) - 1) + W_DAYS * (len(days) - 1)
        total += W_STARS * math.log1p(gained)
    ranks_min = min(ranks, default=None)
    return Trend(
        paper_id, round(total, 4), upvotes, ranks_min, len(lists), len(days), gained, stars
    )


def rank(
    appearances: Iterable[Appearance],
    period: str,
    on: date,
    limit: int = 20,
    stars: Readings | None = None,
) -> list[Trend]:
    """Papers ranked by score for the period (ties broken by upvotes, then id)."""
    by_paper = _by_paper(appearances)
    stars = stars or {}
    trends = [score(pid, items, period, on, stars.get(pid, ())) for pid, items in by_paper.items()]
    trends = [t for t in trends if t.lists]
    trends.sort(key=lambda t: (-t.score, -t.upvotes, t.paper_id))
    return trends[:limit]


def span(period: str, on: date) -> tuple[date, date]:
    """The days a period's list covers: the day, its ISO week, its month, or the 7 days to `on`."""
    if period in ("week", "starred"):
        monday = on - timedelta(days=on.weekday())
        return monday, monday + timedelta(days=6)
    if period == "month":
        following = (on.replace(day=1) + timedelta(days=32)).replace(day=1)
        return on.replace(day=1), following - timedelta(days=1)
    return window(period, on)


def heading(period: str, on: date) -> str:
    """The list's heading, which says its order: 'Most upvoted papers of week 31 of 2024'."""
    first, last = span(period, on)
    if period == "day":
        return f"Papers of {on:%A} {on.day} {on:%B %Y}, in Hugging Face's order"
    if period in ("week", "starred"):
        year, week, _ = on.isocalendar()
        most = "upvoted" if period == "week" else "starred"
        return f"Most {most} papers of week {week} of {year}"
    if period == "month":
        return f"Most upvoted papers of {on:%B %Y}"
    return f"Trending now: by trending score, {first.isoformat()} to {last.isoformat()}"


def facts(paper_id: str, appearances: Iterable[Appearance]) -> Trend:
    """A paper's upvotes, best rank, lists and days over these appearances (score 0)."""
    upvotes, ranks, lists, days = 0, [], set(), set()
    for a in appearances:
        upvotes = max(upvotes, a.upvotes or 0)
        if a.rank and a.list in RANKED_LISTS:
            ranks.append(a.rank)
        lists.add((a.list, a.category))
        days.add(a.date)
    return Trend(paper_id, 0.0, upvotes, min(ranks, default=None), len(lists), len(days))


def top(
    appearances: Iterable[Appearance],
    period: str,
    on: date,
    limit: int = 20,
    stars: Readings | None = None,
) -> list[Trend]:
    """The period's list ending or standing on `on`, in the period's order (ORDERS); `stars`
    (each paper's star readings) count in the trending score and make the starred list."""
    first, last = (d.isoformat() for d in span(period, on))
    inside = [a for a in appearances if first <= a.date <= last]
    if ORDERS[period] == "score":
        return rank(inside, period, on, limit, stars)
    if ORDERS[period] == "stars":
        return most_starred(inside, first, last, stars or {}, limit)
    return in_order(inside, ORDERS[period], limit)


def most_starred(
    appearances: Iterable[Appearance], first: str, last: str, stars: Readings, limit: int = 20
) -> list[Trend]:
    """The papers of these appearances whose code has stars, by the stars gained between
    `first` and `last`, then by their stars, then by upvotes."""
    by_paper = _by_paper(appearances)
    trends = []
    for pid, items in by_paper.items():
        gained, count = star_growth(stars.get(pid, ()), first, last)
        if count is not None:
            t = facts(pid, items)
            t.stars_gained, t.stars = gained, count
            trends.append(t)
    trends.sort(key=lambda t: (-t.stars_gained, -(t.stars or 0), -t.upvotes, t.paper_id))
    return trends[:limit]


def in_order(appearances: Iterable[Appearance], order: Order, limit: int = 20) -> list[Trend]:
    """Papers of these appearances by the list's own rank ("rank") or most upvoted ("upvotes")."""
    if order not in ("rank", "upvotes"):
        raise ValueError(f"unknown order {order!r}: rank or upvotes (the score is rank())")
    by_paper = _by_paper(appearances)
    trends = [facts(pid, items) for pid, items in by_paper.items()]
    trends.sort(key=_rank_key if order == "rank" else _upvotes_key)
    return trends[:limit]


def _rank_key(t: Trend) -> tuple:
    return (t.best_rank or UNRANKED, -t.upvotes, t.paper_id)


def _upvotes_key(t: Trend) -> tuple:
    return (-t.upvotes, t.best_rank or UNRANKED, t.paper_id)


def _by_paper(appearances: Iterable[Appearance]) -> dict[str, list[Appearance]]:
    """Appearances grouped by paper, in the order given."""
    by_paper: dict[str, list[Appearance]] = defaultdict(list)
    for a in appearances:
        by_paper[a.paper_id].append(a)
    return by_paper
