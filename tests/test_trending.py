"""The trending score: each part of the formula moves the score the documented way."""

import math
from datetime import date

import pytest

from server import trending
from server.models import Appearance

DAY = date(2024, 8, 5)


def seen(pid="p", day="2024-08-05", lst="hf-daily", rank=None, upvotes=None, cat=""):
    return Appearance(paper_id=pid, list=lst, date=day, category=cat, rank=rank, upvotes=upvotes)


# Expected scores are worked by hand from the formula in docs/trending.md, with its weights
# written out here, not read from server/trending.py: a changed weight or term must fail.


def test_one_appearance_matches_the_documented_formula():
    trend = trending.score("p", [seen(rank=2, upvotes=40)], "day", DAY)
    # 1.0 x ln(41) + 2.0 x 1/2 + 0.5 = 3.713572 + 1.0 + 0.5, today (age 0)
    assert trend.score == 5.2136
    assert (trend.upvotes, trend.best_rank, trend.lists, trend.days) == (40, 2, 1, 1)


def test_a_week_of_appearances_matches_the_documented_formula():
    appearances = [
        seen(rank=1, upvotes=100),  # today: ln(101) + 2.0 x 1 + 0.5 = 7.115121
        seen(day="2024-08-02", rank=3, upvotes=20),  # 3 days, half-life 3: 0.5 x 4.211189
        seen(day="2024-08-04", lst="arxiv-new", rank=5, cat="cs"),  # 0.5^(1/3) x 0.5, unranked
        seen(day="2024-07-29", upvotes=900),  # before the week's 7 days: not counted
    ]
    trend = trending.score("p", appearances, "week", DAY)
    # 7.115121 + 2.105595 + 0.396850, + 1.0 x (2 lists - 1) + 0.5 x (3 days - 1) = 11.617565
    assert trend.score == 11.6176
    assert (trend.upvotes, trend.best_rank, trend.lists, trend.days) == (100, 1, 2, 3)


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


# Every list's order (issue 18): a day by list rank, a week or a month by upvotes, now by score.

SAM2, LLAMA3 = "2408.00714", "2407.21783"


def week_31() -> list[Appearance]:
    """SAM 2 newer and first on its day (35 upvotes); Llama 3 older, more upvoted (49, then 94)."""
    return [
        seen(LLAMA3, "2024-08-01", rank=1, upvotes=49),
        seen(LLAMA3, "2024-08-01", lst="hf-weekly", rank=3, upvotes=94),
        seen(SAM2, "2024-08-02", rank=1, upvotes=35),
        seen("2407.00001", "2024-07-29", rank=2, upvotes=35),
        seen("2408.09999", "2024-08-05", rank=1, upvotes=500),  # the next week: not counted
        seen("2407.99999", "2024-07-28", rank=1, upvotes=500),  # the week before
    ]


def test_a_week_is_most_upvoted_first_whatever_the_day():
    for day in ("2024-07-29", "2024-08-01", "2024-08-04"):
        top = trending.top(week_31(), "week", date.fromisoformat(day))
        # 35 and 35: the better rank first (SAM 2 was #1, the other #2)
        assert [t.paper_id for t in top] == [LLAMA3, SAM2, "2407.00001"]
        assert [t.upvotes for t in top] == [94, 35, 35]
    assert trending.span("week", date(2024, 8, 1)) == (date(2024, 7, 29), date(2024, 8, 4))
    assert trending.heading("week", date(2024, 8, 1)) == "Most upvoted papers of week 31 of 2024"


def test_a_month_is_most_upvoted_first_within_the_calendar_month():
    apps = week_31() + [seen("2408.33333", "2024-08-31", rank=9, upvotes=60)]
    top = trending.top(apps, "month", date(2024, 8, 15))
    assert [(t.paper_id, t.upvotes) for t in top][:3] == [
        ("2408.09999", 500),
        (LLAMA3, 94),
        ("2408.33333", 60),
    ]
    assert "2407.99999" not in [t.paper_id for t in top]
    assert trending.heading("month", date(2024, 8, 15)) == "Most upvoted papers of August 2024"


def test_a_day_keeps_the_lists_own_rank():
    apps = [
        seen("a", rank=2, upvotes=90),
        seen("b", rank=1, upvotes=3),
        seen("c", lst="arxiv-new", rank=1, cat="cs.LG"),
    ]
    top = trending.top(apps, "day", DAY)
    assert [t.paper_id for t in top] == ["b", "a", "c"]  # arXiv's order is not a rank
    assert "Hugging Face's order" in trending.heading("day", DAY)


def test_now_is_the_trending_score_and_says_so():
    apps = week_31()
    top = trending.top(apps, "now", date(2024, 8, 4))
    assert top == trending.rank(apps, "now", date(2024, 8, 4))
    assert [t.score for t in top] == sorted((t.score for t in top), reverse=True)
    assert trending.heading("now", date(2024, 8, 4)).startswith("Trending now: by trending score")
    assert trending.ORDERS == {
        "day": "rank",
        "week": "upvotes",
        "month": "upvotes",
        "now": "score",
        "starred": "stars",
    }


def test_stars_gained_in_the_window_add_to_the_score_log_damped():
    apps = [seen(upvotes=10)]
    plain = trending.score("p", apps, "now", DAY).score
    readings = [("2024-07-20", 100), ("2024-08-01", 150), ("2024-08-05", 400)]
    with_stars = trending.score("p", apps, "now", DAY, readings)
    # gained from the last reading before the window (100, on 07-20) to the last inside (400)
    assert (with_stars.stars_gained, with_stars.stars) == (300, 400)
    assert with_stars.score == pytest.approx(plain + trending.W_STARS * math.log1p(300), abs=1e-3)
    once = trending.score("p", apps, "now", DAY, [("2024-08-05", 5000)])
    assert (once.stars_gained, once.stars, once.score) == (0, 5000, plain)  # read once: none gained
    lost = trending.score("p", apps, "now", DAY, [("2024-08-01", 90), ("2024-08-04", 80)])
    assert lost.stars_gained == 0 and lost.score == plain  # unstarring never lowers the score


def test_most_starred_is_stars_gained_in_the_iso_week_then_stars():
    week = [seen("a", "2024-07-30", upvotes=50), seen("b", "2024-08-01", upvotes=5)]
    week += [seen("c", "2024-08-02", upvotes=9), seen("d", "2024-08-02", upvotes=99)]
    week += [seen("e", "2024-08-06", upvotes=1)]  # the next week
    readings = {
        "a": [("2024-07-29", 1000), ("2024-08-02", 1010)],  # +10
        "b": [("2024-07-25", 10), ("2024-08-04", 90)],  # +80
        "c": [("2024-08-02", 5000)],  # read once: +0, but 5000 stars
        "e": [("2024-07-30", 1), ("2024-08-06", 10**6)],
    }  # d has no code: not on the list
    top = trending.top(week, "starred", date(2024, 8, 4), stars=readings)
    assert [(t.paper_id, t.stars_gained, t.stars) for t in top] == [
        ("b", 80, 90),
        ("a", 10, 1010),
        ("c", 0, 5000),
    ]
    assert trending.heading("starred", date(2024, 8, 4)) == "Most starred papers of week 31 of 2024"
