"""The trending score: each part of the formula moves the score the documented way."""

import math
from datetime import date

import pytest

from server import trending
from server.models import Appearance

DAY = date(2024, 8, 5)


def seen(pid="p", day="2024-08-05", lst="hf-daily", rank=None, upvotes=None, cat=""):
    return Appearance(paper_id=pid, list=lst, date=day, category=cat, rank=rank, upvotes=upvotes)


def test_one_appearance_matches_the_formula():
    trend = trending.score("p", [seen(rank=2, upvotes=40)], "day", DAY)
    expected = math.log1p(40) * trending.W_UPVOTES + trending.W_RANK / 2 + trending.W_PRESENCE
    assert trend.score == pytest.approx(expected, abs=1e-4)
    assert (trend.upvotes, trend.best_rank, trend.lists, trend.days) == (40, 2, 1, 1)


def test_age_halves_the_score_per_half_life():
    today = trending.score("p", [seen(upvotes=10)], "week", DAY).score
    older = trending.score("p", [seen(day="2024-08-02", upvotes=10)], "week", DAY).score
    assert older == pytest.approx(today / 2, rel=1e-3)  # 3 days old, half-life 3


def test_arxiv_order_is_not_popularity():
    first = trending.score("p", [seen(lst="arxiv-new", rank=1, cat="cs")], "day", DAY).score
    last = trending.score("p", [seen(lst="arxiv-new", rank=90, cat="cs")], "day", DAY).score
    assert first == last == trending.W_PRESENCE


def test_more_lists_and_days_add_up():
    one = trending.score("p", [seen(upvotes=5)], "week", DAY).score
    more = trending.score(
        "p",
        [seen(upvotes=5), seen(lst="arxiv-new", cat="cs"), seen(day="2024-08-04", upvotes=5)],
        "week",
        DAY,
    ).score
    assert more > one + trending.W_LISTS + trending.W_DAYS


def test_outside_the_window_counts_nothing():
    trend = trending.score("p", [seen(day="2024-07-01", upvotes=500)], "week", DAY)
    assert trend.score == 0 and trend.lists == 0


def test_rank_orders_papers_and_drops_absent_ones():
    items = [seen("a", upvotes=3), seen("b", upvotes=300, rank=1), seen("c", day="2024-01-01")]
    ranked = trending.rank(items, "day", DAY)
    assert [t.paper_id for t in ranked] == ["b", "a"]


def test_unknown_period_is_an_error():
    with pytest.raises(ValueError, match="unknown period"):
        trending.window("year", DAY)
