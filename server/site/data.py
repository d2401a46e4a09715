"""What the archive pages read from the store, loaded once per build and cleaned for display."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from server import trending
from server.models import Appearance, Paper
from server.site.markup import clean_paper, iso_week, md
from server.store import Store
from server.text import clean, where


@dataclass
class Topic:
    """A saved search shown as a topic page: its name, query and page slug."""

    name: str
    query: str
    slug: str


@dataclass
class SiteData:
    """Appearances by day and by paper, and papers (cleaned) fetched on demand."""

    store: Store
    days: list[str]  # newest first
    by_day: dict[str, list[Appearance]]
    by_paper: dict[str, list[Appearance]]
    papers: dict[str, Paper] = field(default_factory=dict)
    stars: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # readings by paper

    @classmethod
    def load(cls, store: Store) -> SiteData:
        """Every appearance, grouped by day and by paper (papers load lazily)."""
        by_day: dict[str, list[Appearance]] = defaultdict(list)
        by_paper: dict[str, list[Appearance]] = defaultdict(list)
        for a in store.appearances_between("0000-00-00", "9999-99-99"):
            by_day[a.date].append(a)
            by_paper[a.paper_id].append(a)
        days = sorted(by_day, reverse=True)
        return cls(
            store, days, dict(by_day), dict(by_paper), stars=store.star_readings_of(by_paper)
        )

    def paper(self, paper_id: str) -> Paper:
        """The cleaned paper for an id (cached)."""
        found = self.papers.get(paper_id)
        if found is None:
            found = self.papers[paper_id] = clean_paper(self.store.paper(paper_id))
        return found

    def add(self, paper: Paper) -> Paper:
        """Cache a paper read in bulk; returns the cleaned copy."""
        self.papers[paper.id] = clean_paper(paper)
        return self.papers[paper.id]

    def appearances(self, paper_id: str) -> list[Appearance]:
        """A paper's appearances, oldest day first."""
        return self.by_paper.get(paper_id, [])

    def stars_in(self, paper_id: str, first: str, last: str) -> tuple[int | None, int | None]:
        """(GitHub stars at the period's end, stars gained in the period as the trending score
        counts them: `trending.star_growth`); the paper's own count when it was never read by
        then, and growth None when no reading in the period has one before it to grow from."""
        readings = self.stars.get(paper_id, [])
        gained, count = trending.star_growth(readings, first, last)
        if count is None:
            return self.paper(paper_id).github_stars, None
        inside = any(first <= d <= last for d, _ in readings)
        upto = sum(1 for d, _ in readings if d <= last)
        return count, (gained if inside and upto > 1 else None)

    def top(self, period: str, on: str, limit: int) -> list[trending.Trend]:
        """The period's list on a day, in the period's order (`trending.top`, as everywhere)."""
        day = date.fromisoformat(on)
        first, last = (d.isoformat() for d in trending.span(period, day))
        apps = [a for d in self.days_between(first, last) for a in self.by_day[d]]
        return trending.top(apps, period, day, limit, self.stars)

    def days_between(self, first: str, last: str) -> list[str]:
        """Listing days from first to last, oldest first."""
        return sorted(d for d in self.days if first <= d <= last)

    def weeks(self) -> list[str]:
        """Every ISO week with a listing day, newest first."""
        return sorted({iso_week(d) for d in self.days}, reverse=True)

    def months(self) -> list[str]:
        """Every month with a listing day, newest first."""
        return sorted({d[:7] for d in self.days}, reverse=True)


def week_span(week: str) -> tuple[str, str]:
    """The Monday and Sunday of an ISO week such as '2024-W31'."""
    monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    return monday.isoformat(), (monday + timedelta(days=6)).isoformat()


def month_span(month: str) -> tuple[str, str]:
    """The first and last day of a month such as '2024-08'."""
    first = date.fromisoformat(month + "-01")
    following = (first + timedelta(days=32)).replace(day=1)
    return first.isoformat(), (following - timedelta(days=1)).isoformat()


def badge(a: Appearance, with_date: bool = False) -> str:
    """An appearance as escaped Markdown: 'HF daily #3' or 'arXiv new cs.LG', maybe dated."""
    return md(clean(where(a)) + (f", {a.date}" if with_date else ""))


def top_upvotes(appearances: list[Appearance]) -> int | None:
    """The most upvotes any of these appearances had."""
    return max((a.upvotes for a in appearances if a.upvotes is not None), default=None)


def parse_topics(value: object) -> list[tuple[str, str]]:
    """Topics from a setting: a table name = query, a list of 'name = query', or 'a=b; c=d'."""
    if isinstance(value, dict):
        return [(str(k), str(v)) for k, v in value.items()]
    items = value.split(";") if isinstance(value, str) else list(value or [])
    pairs = [str(i).split("=", 1) for i in items if "=" in str(i)]
    return [(name.strip(), query.strip()) for name, query in pairs if name.strip()]
