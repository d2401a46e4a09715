"""The archive's detail pages as Markdown: papers, topics, topic list, about and search."""

from __future__ import annotations

from server.bibtex import bibtex
from server.index import SORTS, SearchIndex
from server.site.data import SiteData, Topic, badge
from server.site.markup import authors_line, md, rel
from server.site.pages import brief, link_line
from server.site.similar import Similarity
from server.site.svg import monthly_bars, upvotes_chart
from server.text import paper_page

TOPIC_TOP = 20
CHART_MONTHS = 36
SIMILAR = 5


def paper(data: SiteData, similarity: Similarity, paper_id: str) -> str:
    """A paper: authors, links, abstract, trend history with chart, similar papers, BibTeX."""
    page, p = paper_page(paper_id), data.paper(paper_id)
    out = [f"# {md(p.title)}", ""]
    if p.authors:
        out += [authors_line(p.authors, 50), ""]
    out += [_facts(p), ""]
    line = link_line(data, paper_id)
    out += [line, ""] if line else []
    out += ["## Abstract", "", md(p.abstract) or "No abstract is stored.", ""]
    for label, value in (("Comments", p.comments), ("Journal reference", p.journal_ref)):
        out += [f"{label}: {md(value)}", ""] if value else []
    out += _history(data, page, paper_id)
    out += _similar(data, similarity, page, paper_id)
    return "\n".join(out + ["## BibTeX", "", *_fenced(bibtex(p), "bibtex"), ""])


def _facts(p) -> str:
    facts = [f"Published {p.published}" if p.published else "No publication date"]
    if p.updated and p.updated != p.published:
        facts.append(f"updated {p.updated}" + (f" (v{p.version})" if p.version else ""))
    if p.categories:
        facts.append(md(", ".join(p.categories)))
    facts.append(f"id {md(p.id)}")
    return " · ".join(facts)


def _history(data: SiteData, page: str, paper_id: str) -> list[str]:
    apps = data.appearances(paper_id)
    out = ["## Trend history", ""]
    if not apps:
        return out + ["This paper has not been on a listing the archive follows.", ""]
    out += ["| Day | List | Upvotes | Comments |", "|---|---|--:|--:|"]
    for a in apps:
        cells = [f"[{a.date}]({rel(page, f'day/{a.date}')})", badge(a)]
        cells += ["" if v is None else str(v) for v in (a.upvotes, a.comments)]
        out.append("| " + " | ".join(cells) + " |")
    points: dict[str, int] = {}
    for a in apps:
        if a.upvotes is not None:
            points[a.date] = max(points.get(a.date, 0), a.upvotes)
    out += [""]
    return out + ([upvotes_chart(sorted(points.items())), ""] if points else [])


def _similar(data: SiteData, similarity: Similarity, page: str, paper_id: str) -> list[str]:
    found = similarity.similar(paper_id, SIMILAR)
    if not found:
        return []
    out = ["## Similar papers", ""]
    for other, _, terms in found:
        title = md(data.paper(other).title)
        out.append(f"- [{title}]({rel(page, paper_page(other))}) — shares: {md(', '.join(terms))}")
    return out + [""]


def _fenced(text: str, lang: str) -> list[str]:
    """A fenced code block whose fence is longer than any backtick run in the text."""
    run, longest = 0, 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return [fence + lang, text.rstrip("\n"), fence]


def topic(data: SiteData, index: SearchIndex, t: Topic) -> str:
    """A saved search: its query, matching papers per month, and the top papers."""
    page = f"topic/{t.slug}"
    result = index.search(t.query, per_page=TOPIC_TOP, facets=("month",))
    months = sorted(result.facets.get("month", {}).items())[-CHART_MONTHS:]
    out = [f"# Topic: {md(t.name)}", "", f"Saved search: {md(t.query)}", ""]
    out += [f"{result.total:,} matching papers.", ""]
    if months:
        out += [monthly_bars(months, "Matching papers"), ""]
    ids = [h.id for h in result.hits if data.store.resolve(h.id)]
    out += ["## Top papers", ""]
    out += [f"{n}. {brief(data, page, pid)}" for n, pid in enumerate(ids, 1)]
    feed = rel(page, f"feeds/topic/{t.slug}", ".xml")
    return "\n".join(out + ["", f"[Atom feed of this topic]({feed})", ""])


def topics(items: list[Topic]) -> str:
    """The list of topic pages."""
    out = ["# Topics", "", "Saved searches, each with its own page and feed.", ""]
    out += [f"- [{md(t.name)}]({rel('topics', f'topic/{t.slug}')}): {md(t.query)}" for t in items]
    return "\n".join(out + [""])


def about(items: list[Topic]) -> str:
    """What the archive is, how it is made, and where its feeds are."""
    out = [
        "# About this archive",
        "",
        "Paperboy follows trending research papers. It reads listing pages (Hugging Face daily "
        "papers, arXiv listings and feeds) and keeps every paper and every appearance on a list "
        "in a local store. This archive is built from that store.",
        "",
        "## Pages",
        "",
        f"- [Home]({rel('about', 'index')}): this week's trending papers and the latest days.",
        f"- [The archive]({rel('about', 'archive')}): months, weeks and listing days.",
        f"- [Topics]({rel('about', 'topics')}): saved searches with a chart and top papers.",
        f"- [Search]({rel('about', 'search')}): full-text search, offline.",
        "",
        "## Feeds",
        "",
        f"- [Every paper as it is listed]({rel('about', 'feeds/archive', '.xml')})",
        f"- [Daily trending]({rel('about', 'feeds/daily', '.xml')})",
    ]
    out += [
        f"- [Topic: {md(t.name)}]({rel('about', f'feeds/topic/{t.slug}', '.xml')})" for t in items
    ]
    out += ["", "## Trending score", "", _SCORE, ""]
    return "\n".join(out)


_SCORE = (
    "Papers are ranked by a score of their appearances in the period: log-damped upvotes, a bonus "
    "for a top Hugging Face rank, and a little for each extra list and day, with older days "
    "discounted by a half-life. Similar papers are those sharing the most weighted key terms."
)


def search_page() -> str:
    """The search page: a form, and results filled in by the search script (from the API when
    `paperboy serve` serves the site, else from Pagefind or the JSON index)."""
    sorts = "".join(f'<option value="{s}">{s}</option>' for s in SORTS)
    return "\n".join(
        [
            "# Search",
            "",
            '<form id="search-form" class="search" role="search" action="search.html">'
            '<label for="q">Search the archive</label> '
            '<input id="q" name="q" type="search" autocomplete="off"> '
            '<span id="search-options" class="search-options">'
            f'<label for="sort">Sort by</label> <select id="sort" name="sort">{sorts}</select> '
            '<label for="from">From</label> <input id="from" name="from" type="date"> '
            '<label for="to">to</label> <input id="to" name="to" type="date"></span> '
            '<button type="submit">Search</button></form>',
            "",
            '<p id="search-mode" class="note"></p>',
            "",
            '<div id="search-results" aria-live="polite"></div>',
            "",
            '<nav id="search-pages" class="pager" aria-label="Result pages"></nav>',
            "",
            '<noscript><p>Searching needs JavaScript. Without it, use the <a href="archive.html">'
            "archive</a>.</p></noscript>",
            "",
        ]
    )
