"""The trending score: one documented, pure function of a paper's appearances.

For a reference day T and a period (day, week, month or now), every appearance of the paper
on a day d inside the period's window counts, discounted by its age (T - d) with a half-life:

    score = sum over appearances a in the window of
                0.5 ** (age_a / HALF_LIFE) * (W_UPVOTES * ln(1 + upvotes_a)
                                              + W_RANK * rank_points_a
                                              + W_PRESENCE)
            + W_LISTS * (distinct lists - 1) + W_DAYS * (distinct days - 1)

    rank_points = 1 / rank on ranked lists (the Hugging Face lists), else 0:
                  arXiv listing order is submission order, not popularity.

Upvotes dominate (log-damped, so 400 upvotes is not 100 times 4), a top rank adds up to
W_RANK, and being on several lists or several days adds a little each.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from server.models import RANKED_LISTS, Appearance

W_UPVOTES = 1.0
W_RANK = 2.0
W_PRESENCE = 0.5
W_LISTS = 1.0
W_DAYS = 0.5
# period -> (window in days ending on T, half-life in days)
PERIODS = {"day": (1, 1.0), "week": (7, 3.0), "month": (30, 10.0), "now": (7, 2.0)}


@dataclass
class Trend:
    """A paper's score for a period, with the parts that made it."""

    paper_id: str
    score: float
    upvotes: int
    best_rank: int | None
    lists: int
    days: int


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


def score(paper_id: str, appearances: Iterable[Appearance], period: str, on: date) -> Trend:
    """The trending score of one paper for the period ending on `on`."""
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
    if lists:
        total += W_LISTS * (len(lists) - 1) + W_DAYS * (len(days) - 1)
    return Trend(
        paper_id, round(total, 4), upvotes, min(ranks, default=None), len(lists), len(days)
    )


def rank(appearances: Iterable[Appearance], period: str, on: date, limit: int = 20) -> list[Trend]:
    """Papers ranked by score for the period (ties broken by upvotes, then id)."""
    by_paper: dict[str, list[Appearance]] = defaultdict(list)
    for a in appearances:
        by_paper[a.paper_id].append(a)
    trends = [score(pid, items, period, on) for pid, items in by_paper.items()]
    trends = [t for t in trends if t.lists]
    trends.sort(key=lambda t: (-t.score, -t.upvotes, t.paper_id))
    return trends[:limit]
