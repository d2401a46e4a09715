"""The e-mail digest, part one: choose the period's papers, or say exactly why there are none.

An Edition is one digest (daily or weekly, ending on a day): the period's top papers, shared by
every subscriber, in the order its heading names (a day: Hugging Face's order, as the site's day
page; a week: the 7 days' most upvoted, as the site's week pages; by `trending.in_order`), plus
each subscriber's topic matches among the period's papers.
Composing is in compose.py, sending in send.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from server import trending
from server.index import QueryError, SearchIndex
from server.models import Paper
from server.store import Store
from server.text import authors_line, clean, links, paper_page, stars_text

PERIODS = {"daily": "day", "weekly": "week"}  # digest period -> trending period
ORDERS: dict[str, trending.Order] = {"daily": "rank", "weekly": "upvotes"}
ABSTRACT_CHARS = 300
SUMMARY_CHARS = 400  # Hugging Face's AI summary: a sentence or two
AUTHORS_SHOWN = 6  # names before "et al."
TOPIC_LIMIT = 5
_ID_CHUNK = 200


class NothingToSend(Exception):
    """An empty digest: the message says why (weekend, no new papers, not scraped, all sent)."""


@dataclass(frozen=True)
class DigestPaper:
    """What a digest shows of one paper: every text already cleaned of control characters."""

    id: str
    title: str
    authors: str
    abstract: str
    upvotes: int
    archive_url: str
    arxiv_url: str
    lists: int
    because: str = ""  # why it was picked for the reader ("For you" only)
    # what Hugging Face knows of it (each '' when unknown): organisation, GitHub stars (with
    # their growth), comments in the period, its AI summary (shown as Hugging Face's), links
    org: str = ""
    stars: str = ""
    comments: int = 0
    hf_summary: str = ""
    code_url: str = ""
    project_url: str = ""


@dataclass
class Edition:
    """One digest: period, days, the top papers and the pool topic matches are drawn from."""

    period: str
    day: date
    first: date
    papers: list[DigestPaper]
    heading: str = ""  # names the order of `papers`
    pool: dict[str, DigestPaper] = field(default_factory=dict)  # every paper in the period
    _topics: dict[str, list[DigestPaper]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The digest's day as stored in the sent log."""
        return self.day.isoformat()


def short(text: str, limit: int = ABSTRACT_CHARS) -> str:
    """Text cut at a word boundary to about `limit` characters, with an ellipsis when cut."""
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:.") + "\u2026"


def paper_links(paper: Paper, site_url: str) -> tuple[str, str]:
    """(archive page URL, arXiv abstract URL or the paper's own page or '')."""
    archive = f"{site_url.rstrip('/')}/{paper_page(paper.id)}.html"
    found = links(paper, [])
    return archive, found.get("arxiv") or found.get("page") or ""


def digest_paper(
    paper: Paper,
    trend: trending.Trend,
    site_url: str,
    comments: int = 0,
    readings: list[tuple[str, int]] | None = None,
) -> DigestPaper:
    """The digest's view of a stored paper, its trend and comments in the period, its stars."""
    archive, arxiv = paper_links(paper, site_url)
    found = links(paper, [])
    return DigestPaper(
        id=paper.id,
        title=clean(paper.title) or "(untitled)",
        authors=authors_line(paper.authors, AUTHORS_SHOWN),
        abstract=short(paper.abstract),
        upvotes=trend.upvotes,
        archive_url=archive,
        arxiv_url=arxiv,
        lists=trend.lists,
        org=clean(paper.org_name),
        stars=stars_text(paper.github_stars, readings),
        comments=comments,
        hf_summary=short(paper.hf_summary or "", SUMMARY_CHARS),
        code_url=found.get("code", ""),
        project_url=found.get("project", ""),
    )


def window(period: str, day: date) -> tuple[date, date]:
    """The first and last day a digest period covers."""
    if period not in PERIODS:
        raise ValueError(f"unknown digest period {period!r}: daily or weekly")
    return trending.window(PERIODS[period], day)


def plan(store: Store, period: str, day: date, size: int, site_url: str) -> Edition:
    """The edition for a period ending on `day`, or NothingToSend saying why it is empty."""
    first, last = window(period, day)
    appearances = store.appearances_between(first.isoformat(), last.isoformat())
    if not appearances:
        raise NothingToSend(why_empty(store, period, first, last))
    ranked = trending.in_order(appearances, ORDERS[period], limit=len(appearances))
    comments: dict[str, int] = {}
    for a in appearances:
        comments[a.paper_id] = max(comments.get(a.paper_id, 0), a.comments or 0)
    pool = {
        t.paper_id: digest_paper(
            store.paper(t.paper_id),
            t,
            site_url,
            comments.get(t.paper_id, 0),
            store.star_readings(t.paper_id),
        )
        for t in ranked
    }
    top = [pool[t.paper_id] for t in ranked[:size]]
    return Edition(period, day, first, top, heading(period, first, last, len(top)), pool)


def heading(period: str, first: date, last: date, count: int) -> str:
    """The top papers' heading, which says their order."""
    if period == "daily":
        return f"Top {count} papers of {last:%A} {last.day} {last:%B %Y}, in Hugging Face's order"
    return f"The {count} most upvoted papers, {_span(first, last)}"


def _span(first: date, last: date) -> str:
    return last.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def why_empty(store: Store, period: str, first: date, last: date) -> str:
    """Why a period has no papers: a weekend, never scraped, or no new papers."""
    span, latest = _span(first, last), store.latest_date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if all(d.weekday() >= 5 for d in days):
        return f"{span} is a {last.strftime('%A')}: no lists are published on weekends"
    if latest is None:
        return "the store has no lists at all: run `paperboy update` or `paperboy import` first"
    if latest > last.isoformat():
        return (
            f"the source was not scraped for {span}: the store has no lists for those days "
            f"but has later ones (through {latest}); import or update them, then run again"
        )
    return (
        f"no new papers: nothing is listed for {span}; the newest list day in the store is "
        f"{latest} (run `paperboy update` first if the source has more)"
    )


def topic_matches(edition: Edition, index: SearchIndex, topic: str) -> list[DigestPaper]:
    """The period's papers matching a saved query, in the edition's order, top papers left out.

    The query runs once per edition however many subscribers share it. A query that does not
    parse matches nothing (the subscriber still gets the top papers).
    """
    if topic not in edition._topics:
        edition._topics[topic] = _run_topic(edition, index, topic)
    return edition._topics[topic]


def _run_topic(edition: Edition, index: SearchIndex, topic: str) -> list[DigestPaper]:
    shown = {p.id for p in edition.papers}
    ids = [pid for pid in edition.pool if pid not in shown and '"' not in pid]
    found: set[str] = set()
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        restrict = " OR ".join(f'id:"{pid}"' for pid in chunk)
        try:
            result = index.search(f"({topic}) AND ({restrict})", per_page=len(chunk))
        except QueryError:
            return []
        found.update(hit.id for hit in result.hits)
    # the pool is in the edition's order; intersecting in Python keeps results inside the period
    return [p for pid, p in edition.pool.items() if pid in found][:TOPIC_LIMIT]
