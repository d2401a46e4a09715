"""The archive's detail pages as Markdown: papers, topics, topic list, about and search."""

from __future__ import annotations

from server import trending
from server.bibtex import bibtex
from server.index import SORTS, SearchIndex, Similar
from server.site.data import SiteData, Topic, badge, top_upvotes
from server.site.markup import (
    ABSTRACT,
    HF_SUMMARY,
    authors_line,
    md,
    md_math,
    md_url,
    plural,
    rel,
)
from server.site.pages import SHOWN, entry, link_line
from server.site.svg import line_chart, monthly_bars
from server.text import authors_more, links, paper_page, stars_text

TOPIC_TOP = 20
CHART_MONTHS = 36
SIMILAR = 5
AUTHORS = 10  # a paper page's authors shown before the rest fold
ARTIFACTS = 5  # of each kind on the Hub
HUB_KINDS = {"model": "Models", "dataset": "Datasets", "space": "Spaces"}


def paper(data: SiteData, similar: list[Similar], paper_id: str) -> str:
    """A paper: authors (folded after ten), facts, organisation, links, then Hugging Face's
    summary and keywords, code with its stars, project page and artifacts above the abstract;
    trend history with the upvotes chart and the stars beside it, similar papers (as the index
    finds them for the API too), BibTeX folded."""
    page, p = paper_page(paper_id), data.paper(paper_id)
    out = [f"# {md_math(p.title)}", "", *_authors(p.authors), _facts(p), ""]
    out += [f"Organisation: **{md(p.org_name)}**", ""] if p.org_name else []
    line = link_line(data, paper_id, SHOWN)
    out += [line, ""] if line else []
    out += _signals(data, paper_id) + artifacts_section(data, paper_id)
    out += [f"## {ABSTRACT}", "", md_math(p.abstract) or "No abstract is stored.", ""]
    for label, value in (("Comments", p.comments), ("Journal reference", p.journal_ref)):
        out += [f"{label}: {md(value)}", ""] if value else []
    out += _history(data, page, paper_id)
    out += _similar(data, similar[:SIMILAR], page)
    folded = ['<details markdown="1"><summary>BibTeX</summary>', ""]
    return "\n".join(out + folded + [*_fenced(bibtex(p), "bibtex"), "", "</details>", ""])


def _authors(authors: list[str]) -> list[str]:
    """The authors: all of them up to AUTHORS, else the first AUTHORS and '+N more' opening
    the whole list."""
    if len(authors) <= AUTHORS:
        return [authors_line(authors, AUTHORS), ""] if authors else []
    first = md(authors_more(authors, AUTHORS))
    out = [f'<details class="authors" markdown="1"><summary markdown="span">{first}</summary>']
    out += ["", f"All {len(authors)} authors: {authors_line(authors, len(authors))}", ""]
    return out + ["</details>", ""]


def _signals(data: SiteData, paper_id: str) -> list[str]:
    """Hugging Face's summary and keywords (labelled as its own), the code with its GitHub
    stars, the project page."""
    p, out = data.paper(paper_id), []
    if p.hf_summary:
        out += [f"## {HF_SUMMARY.rstrip(':')}", "", md_math(p.hf_summary), ""]
    if p.hf_keywords:
        out += [f"Hugging Face's keywords: {md(', '.join(p.hf_keywords))}", ""]
    found, readings = links(p, []), data.stars.get(paper_id, [])
    stars = p.github_stars if p.github_stars is not None else (readings or [(0, None)])[-1][1]
    bits = [f"[Code]({md_url(found['code'])})"] if found.get("code") else []
    bits += [stars_text(stars, readings)] if stars is not None else []
    bits += [f"[Project page]({md_url(found['project'])})"] if found.get("project") else []
    return out + ([" · ".join(bits), ""] if bits else [])


def artifacts_section(data: SiteData, paper_id: str) -> list[str]:
    """The models, datasets and Spaces on the Hugging Face Hub that cite the paper (as the Hub
    was last asked, `store.artifacts`): the most liked ARTIFACTS of each kind, linked."""
    found = data.store.artifacts.of(paper_id)
    if not found:
        return []
    out = ["## On the Hub", ""]
    for kind, label in HUB_KINDS.items():
        items = [a for a in found if a.kind == kind]
        shown = [_artifact(a) for a in items[:ARTIFACTS]]
        more = f" and {len(items) - ARTIFACTS} more" if len(items) > ARTIFACTS else ""
        out += [f"{label}: {', '.join(shown)}{more}", ""] if items else []
    return out


def _artifact(a) -> str:
    name = md(a.repo_id) + (f" ({plural(a.likes, 'like')})" if a.likes else "")
    return f"[{name}]({md_url(a.url)})" if md_url(a.url) else name


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
    charts = [line_chart(sorted(points.items()), "Upvotes")] if points else []
    stars = data.stars.get(paper_id, [])
    charts += [line_chart(stars, "GitHub stars")] if stars else []
    return out + ([f'<div class="charts">{"".join(charts)}</div>', ""] if charts else [])


def _similar(data: SiteData, found: list[Similar], page: str) -> list[str]:
    if not found:
        return []
    out = ["## Similar papers", ""]
    for s in found:
        title, there = md_math(data.paper(s.id).title), rel(page, paper_page(s.id))
        out.append(f"- [{title}]({there}) — shares: {md(', '.join(s.terms))}")
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
    """A saved search: its query, matching papers per month, its most upvoted and newest."""
    page = f"topic/{t.slug}"
    result = index.search(t.query, per_page=TOPIC_TOP, sort="upvotes", facets=("month",))
    months = sorted(result.facets.get("month", {}).items())[-CHART_MONTHS:]
    out = [f"# Topic: {md(t.name)}", "", f"Saved search: {md(t.query)}", ""]
    out += [f"{result.total:,} matching papers.", ""]
    if months:
        out += [monthly_bars(months, "Matching papers"), ""]
    newest = index.search(t.query, per_page=TOPIC_TOP, sort="date", facets=())
    span = ("0000-00-00", "9999-99-99", "since first read")
    for heading, found in (("Most upvoted", result), ("Newest", newest)):
        ids = [h.id for h in found.hits if data.store.resolve(h.id)]
        out += [f"## {heading} of the matching papers", ""]
        for n, pid in enumerate(ids, 1):
            apps = data.appearances(pid)
            out += entry(data, page, pid, f"### {n}.", span, top_upvotes(apps), apps)
    feed = rel(page, f"feeds/topic/{t.slug}", ".xml")
    return "\n".join(out + [f"[Atom feed of this topic]({feed})", ""])


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
        f"- [Topics]({rel('about', 'topics')}): saved searches with a chart, most upvoted, newest.",
        f"- [Trending]({rel('about', 'trending')}): how each list is ordered.",
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
    out += ["", "## How lists are ordered", "", _SCORE, ""]
    out += [f"[Every list's order, and the trending score's formula]({rel('about', 'trending')})."]
    return "\n".join(out + [""])


_SCORE = (
    "A day lists its papers in Hugging Face's order; a week and a month list the most upvoted; "
    "trending now ranks papers by a score of their appearances in the period: log-damped "
    "upvotes, a bonus for a top Hugging Face rank, and a little for each extra list and day, "
    "with older days discounted by a half-life. Similar papers are those sharing the most "
    "weighted key terms."
)


def trending_page() -> str:
    """How every list is ordered, and the trending score's formula with its weights."""
    t = trending
    windows = "; ".join(f"{p} {d} days, half-life {h:g}" for p, (d, h) in t.PERIODS.items())
    formula = (
        "score = Σ over appearances a in the window:\n"
        f"    0.5 ^ (age_a / half_life) × ({t.W_UPVOTES:g} × ln(1 + upvotes_a)"
        f" + {t.W_RANK:g} × rank_points_a + {t.W_PRESENCE:g})\n"
        f"  + {t.W_LISTS:g} × (distinct lists − 1) + {t.W_DAYS:g} × (distinct days − 1)\n\n"
        "rank_points = 1 / rank on the Hugging Face lists, 0 elsewhere"
    )
    out = ["# How lists are ordered", "", "Every list's heading says its order.", ""]
    out += [
        "- **A day**: the list's own rank (Hugging Face's order), then upvotes.",
        "- **A week** (Monday to Sunday) and **a month**: most upvoted, by the highest upvotes "
        "seen in that period, as Hugging Face's weekly and monthly views; ties by best rank.",
        "- **Trending now** (the home page, the popup's and the API's `now`): the trending score "
        "below, over the 7 days ending on the newest listing day; each paper shows its upvotes "
        "and its days on the lists beside it.",
        "- **A topic**: its matching papers, most upvoted and newest.",
        "",
        "## The trending score",
        "",
        *_fenced(formula, "text"),
        "",
        f"Windows and half-lives (days): {windows}. Upvotes dominate but are log-damped; a top "
        "rank adds a little, and so does each extra list and day.",
        "",
    ]
    return "\n".join(out)


def desk_page() -> str:
    """The reading desk: a note, which the desk script (site/assets/desk.js) replaces with the
    desk when `paperboy serve` serves the site; a static copy keeps the note."""
    return "\n".join(
        [
            "# Your reading desk",
            "",
            '<p id="desk-note">Your saved papers, what trended while you were away and the '
            "papers picked for you live in the Paperboy store on your own machine, so this page "
            "needs the Paperboy server: run <code>paperboy serve</code> and open "
            "<code>http://127.0.0.1:8765/desk</code>. A copy of the archive served by another "
            "web server has no desk.</p>",
            "",
            '<div id="desk" hidden></div>',
            "",
        ]
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
            # no link inside: Markdown readers do not see raw HTML links, and the header has it
            "<noscript><p>Searching needs JavaScript. Without it, browse the archive from the "
            "links at the top of the page.</p></noscript>",
            "",
        ]
    )
