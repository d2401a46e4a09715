"""The archive's listing pages as Markdown: home, days, weeks, months, the archive index.

Each function returns the whole Markdown text of one page; links are relative to that page.
"""

from __future__ import annotations

from datetime import date, timedelta

from server import trending
from server.models import Appearance
from server.site.data import SiteData, badge, month_span, top_upvotes, week_span
from server.site.markup import (
    HF_SUMMARY,
    authors_line,
    iso_week,
    long_date,
    md,
    md_math,
    md_url,
    plural,
    rel,
)
from server.text import authors_more, comments_text, first_sentence, links, paper_page

LINK_LABELS = {
    "arxiv": "arXiv",
    "pdf": "PDF",
    "hf": "Hugging Face",
    "page": "Paper page",
    "doi": "DOI",
    "code": "Code",
    "project": "Project page",
}
ENTRY_AUTHORS = 3  # first authors in a compact entry, then "+N more"
SHOWN = ("code", "project")  # links an entry or a paper page shows beside the stars
STAR_DAYS = 7  # a day page's star growth: over the week up to that day
HOME_DAYS = 7
HOME_TRENDING = 10
WEEK_TOP = 20
MONTH_TOP = 30


def link_line(data: SiteData, paper_id: str, skip=()) -> str:
    """The paper's outside links (arXiv, PDF, HF, code...) as one Markdown line, but `skip`."""
    paper = data.paper(paper_id)
    found = links(paper, data.appearances(paper_id))
    parts = [
        f"[{LINK_LABELS[k]}]({md_url(u)})" for k, u in found.items() if md_url(u) and k not in skip
    ]
    return " · ".join(parts)


def brief(
    data: SiteData, page: str, paper_id: str, extra: str = "", votes: int | None = None
) -> str:
    """One list item: linked title, first authors, upvotes (the given ones, else its top)."""
    paper = data.paper(paper_id)
    votes = top_upvotes(data.appearances(paper_id)) if votes is None else votes
    bits = [authors_line(paper.authors, 3)] + ([f"{votes} upvotes"] if votes is not None else [])
    title = f"[{md_math(paper.title)}]({rel(page, paper_page(paper_id))})"
    return f"{title} — {' · '.join(b for b in bits + [extra] if b)}"


def listed(data: SiteData, page: str, trends: list[trending.Trend], now: bool = False) -> list[str]:
    """A period's list, numbered, each paper with its upvotes in the period (and, for trending
    now, its score and days on the lists)."""
    return [
        f"{n}. {brief(data, page, t.paper_id, days_on(t) if now else '', t.upvotes)}"
        for n, t in enumerate(trends, start=1)
    ]


def entries(data: SiteData, page: str, trends: list[trending.Trend], span, level="###") -> list:
    """A period's list as compact entries, numbered, each with its upvotes in the period."""
    out = []
    for n, t in enumerate(trends, start=1):
        apps = [a for a in data.appearances(t.paper_id) if span[0] <= a.date <= span[1]]
        out += entry(data, page, t.paper_id, f"{level} {n}.", span, t.upvotes, apps)
    return out


def entry(data, page, paper_id, heading, span, votes, apps, details=()) -> list[str]:
    """A compact entry, as a daily reader scans: the title; organisation, first authors ("+N
    more"), upvotes, comments, GitHub stars (and their growth in the period `span`, (first,
    last, label)), code and project links; then one summary line (Hugging Face's, labelled,
    else the abstract's first sentence) that opens the abstract and the other links."""
    paper = data.paper(paper_id)
    out = ['<div class="entry" markdown="1">', ""]
    out += [f"{heading} [{md_math(paper.title)}]({rel(page, paper_page(paper_id))})", ""]
    out += [" · ".join(_facts(data, paper_id, span, votes, apps)), ""]
    line = paper.hf_summary or first_sentence(paper.abstract)
    label = f"{HF_SUMMARY} " if paper.hf_summary else ""
    if line or paper.abstract:
        out += [f'<details markdown="1"><summary markdown="span">{label}{md_math(line)}</summary>']
        out += ["", md_math(paper.abstract) or "No abstract is stored.", ""]
        more = " · ".join(b for b in [link_line(data, paper_id, SHOWN), *details] if b)
        out += ([more, ""] if more else []) + ["</details>", ""]
    return out + ["</div>", ""]


def _facts(data, paper_id, span, votes, apps: list[Appearance]) -> list[str]:
    """An entry's second line: organisation, authors, upvotes, comments, stars, code, project."""
    paper = data.paper(paper_id)
    facts = [f"**{md(paper.org_name)}**"] if paper.org_name else []
    facts += [md(authors_more(paper.authors, ENTRY_AUTHORS))] if paper.authors else []
    facts += [plural(votes, "upvote")] if votes is not None else []
    comments = max((a.comments for a in apps if a.comments is not None), default=None)
    facts += [comments_text(comments)] if comments else []
    found = links(paper, [])
    stars, growth = data.stars_in(paper_id, span[0], span[1])
    if found.get("code") or stars is not None:
        code = f"[Code]({md_url(found['code'])})" if found.get("code") else "Code"
        grew = f" ({growth:+,} {span[2]})" if growth else ""
        facts.append(code + (f" ★ {plural(stars, 'star')}{grew}" if stars is not None else ""))
    if found.get("project"):
        facts.append(f"[Project page]({md_url(found['project'])})")
    return [f for f in facts if f]


def day_span(day: str) -> tuple[str, str, str]:
    """A day page's period for star growth: the STAR_DAYS days up to that day."""
    first = date.fromisoformat(day) - timedelta(days=STAR_DAYS - 1)
    return first.isoformat(), day, f"in {STAR_DAYS} days"


def home(data: SiteData, topics: list) -> str:
    """The home page: trending now (by the trending score) and the latest days."""
    page, latest = "index", data.days[0] if data.days else None
    out = ["# Paperboy archive", "", "Trending research papers, day by day, kept locally.", ""]
    if latest is None:
        return "\n".join(out + ["Nothing is stored yet: import some pages, then build.", ""])
    ranked = data.top("now", latest, HOME_TRENDING)
    out += [f"## {trending.heading('now', date.fromisoformat(latest))}", ""]
    out += [f"Ordered by the [trending score]({rel(page, 'trending')}), not by upvotes alone.", ""]
    out += listed(data, page, ranked, now=True)
    out += ["", "## Latest days", ""]
    for day in data.days[:HOME_DAYS]:
        out += [f"### [{long_date(day)}]({rel(page, f'day/{day}')})", ""]
        out += [f"- {brief(data, page, pid)}" for pid in day_order(data, day)[:3]]
        out += ["", f"{plural(len(_papers_on(data, day)), 'paper')} on this day.", ""]
    out += _home_links(page, topics)
    return "\n".join(out)


def days_on(t: trending.Trend) -> str:
    """'score 3.83 · 2 days on the lists': what a trending-now entry shows beside its upvotes."""
    return f"score {t.score:.2f} · {plural(t.days, 'day')} on the lists"


def _home_links(page: str, topics: list) -> list[str]:
    out = ["## More", "", f"- [The whole archive, by month]({rel(page, 'archive')})"]
    out += [f"- Topic: [{md(t.name)}]({rel(page, f'topic/{t.slug}')})" for t in topics]
    out += [f"- [About this archive]({rel(page, 'about')})", ""]
    return out


def _papers_on(data: SiteData, day: str) -> list[str]:
    return sorted({a.paper_id for a in data.by_day.get(day, [])})


def day(data: SiteData, day: str) -> str:
    """One listing day: every paper, ranked, as a compact entry."""
    page = f"day/{day}"
    nav = [f"[Week {iso_week(day)}]({rel(page, f'week/{iso_week(day)}')})"]
    nav.append(f"[{date.fromisoformat(day):%B %Y}]({rel(page, f'month/{day[:7]}')})")
    nav = step_links(page, sorted(data.days), day, "day", lambda d: d, nav)
    ids = day_order(data, day)
    out = [f"# Papers of {long_date(day)}", "", " · ".join(nav), ""]
    order = "in Hugging Face's order (list rank), then by upvotes"
    out += [f"{plural(len(ids), 'paper')}, {order}.", ""]
    for n, paper_id in enumerate(ids, start=1):
        out += _day_entry(data, page, day, n, paper_id)
    return "\n".join(out)


def _day_entry(data: SiteData, page: str, day: str, n: int, paper_id: str) -> list[str]:
    """A day's compact entry: the day's upvotes and comments; its lists and other days folded."""
    apps = data.appearances(paper_id)
    today = [a for a in apps if a.date == day]
    badges = [badge(a) for a in today]
    others = sorted({a.date for a in apps if a.date != day})
    if others:
        seen = ", ".join(f"[{d}]({rel(page, f'day/{d}')})" for d in others[:5])
        badges.append(f"also listed {seen}" + (" …" if len(others) > 5 else ""))
    votes = top_upvotes(today)
    return entry(data, page, paper_id, f"## {n}.", day_span(day), votes, today, badges)


def step_links(page: str, ordered: list[str], current: str, kind: str, name, between=()) -> list:
    """Links to the previous and the next page of a kind (day, week, month), around `between`."""
    at = ordered.index(current)
    out = list(between)
    if at > 0:
        before = ordered[at - 1]
        out.insert(0, f"[← Previous {kind}: {name(before)}]({rel(page, f'{kind}/{before}')})")
    if at + 1 < len(ordered):
        after = ordered[at + 1]
        out.append(f"[Next {kind}: {name(after)} →]({rel(page, f'{kind}/{after}')})")
    return out


def _month_name(month: str) -> str:
    return f"{date.fromisoformat(month + '-01'):%B %Y}"


def day_order(data: SiteData, day: str) -> list[str]:
    """The day's papers in the list's own rank (Hugging Face's order), then by upvotes."""
    everyone = data.top("day", day, len(data.by_day.get(day, [])))
    return [t.paper_id for t in everyone]


def week(data: SiteData, week: str) -> str:
    """One ISO week: its days and its most upvoted papers."""
    page, (first, last) = f"week/{week}", week_span(week)
    days = data.days_between(first, last)
    nav = step_links(page, sorted(data.weeks()), week, "week", lambda w: f"{w[6:]} of {w[:4]}")
    out = [f"# Week {week[6:]} of {week[:4]}", "", " · ".join(nav), ""]
    out += [f"From {long_date(first)} to {long_date(last)}."]
    out += ["", "## Days", ""]
    out += [f"- [{long_date(d)}]({rel(page, f'day/{d}')}) — " + _count(data, d) for d in days]
    out += ["", f"## {trending.heading('week', date.fromisoformat(first))}", ""]
    span = (first, last, "this week")
    out += entries(data, page, data.top("week", first, WEEK_TOP), span)
    starred = data.top("starred", first, WEEK_TOP)
    if starred:
        out += ["", f"## {trending.heading('starred', date.fromisoformat(first))}", ""]
        out += [f"By {trending.ORDER_NAMES['stars']}.", ""]
        out += entries(data, page, starred, span)
    return "\n".join(out)


def month(data: SiteData, month: str) -> str:
    """One month: its weeks, its days and its most upvoted papers."""
    page, (first, last) = f"month/{month}", month_span(month)
    days = data.days_between(first, last)
    title = f"{date.fromisoformat(first):%B %Y}"
    nav = step_links(page, sorted(data.months()), month, "month", _month_name)
    out = [f"# {title}", "", " · ".join(nav), "", f"{plural(len(days), 'listing day')}."]
    out += ["", "## Weeks", ""]
    weeks = sorted({iso_week(d) for d in days})
    out += [f"- [Week {w[6:]} of {w[:4]}]({rel(page, f'week/{w}')})" for w in weeks]
    out += ["", "## Days", ""]
    out += [f"- [{long_date(d)}]({rel(page, f'day/{d}')}) — " + _count(data, d) for d in days]
    out += ["", f"## {trending.heading('month', date.fromisoformat(first))}", ""]
    span = (first, last, "this month")
    return "\n".join(out + entries(data, page, data.top("month", first, MONTH_TOP), span))


def _count(data: SiteData, day: str) -> str:
    return plural(len(_papers_on(data, day)), "paper")


def archive(data: SiteData) -> str:
    """Every month, newest first (a month page lists its weeks and days)."""
    page, out = "archive", ["# The archive", "", "Every month with listing days, newest first.", ""]
    for year in sorted({m[:4] for m in data.months()}, reverse=True):
        months = [m for m in data.months() if m.startswith(year)]
        out += [f"## {year}", ""]
        out += [
            f"- [{date.fromisoformat(m + '-01'):%B %Y}]({rel(page, f'month/{m}')})" for m in months
        ]
        out += [""]
    return "\n".join(out)
