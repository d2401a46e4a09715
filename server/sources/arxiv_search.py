"""Read arXiv search result pages (arxiv.org/search/?query=...): papers only, no appearances.

Each result is an `li.arxiv-result`: id link in `p.list-title`, category tags in `div.tags`,
`p.title`, `p.authors a`, `span.abstract-full`, the 'Submitted ...' line in `p.is-size-7`, and
`p.comments` rows for comments and journal reference. The count is in `h1.title` and the next
page in `nav.pagination a.pagination-next`.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from bs4 import Tag

from server.models import Listing, Paper, Problem
from server.sources import budget
from server.sources.common import (
    add_paper,
    arxiv_paper,
    clean,
    html_soup,
    iso_date,
    safe_output,
    to_int,
)
from server.sources.errors import ParseError

KIND = "arxiv-search"
DESCRIPTION = "arXiv search result pages (arxiv.org/search/?query=...)"

_TOTAL = re.compile(r"of\s+([\d,]+)\s+results", re.I)
_SUBMITTED = re.compile(r"Submitted\s+(\d{1,2}\s+[A-Za-z]+,?\s+\d{4})")
_FIRST = re.compile(r"v1\s+submitted\s+(\d{1,2}\s+[A-Za-z]+,?\s+\d{4})")
_DOI = re.compile(r"10\.\d{4,9}/\S+")


def matches(text: str, url: str | None) -> bool:
    """An arxiv.org/search URL, or a page holding arXiv search result items."""
    if url:
        parts = urlsplit(url)
        if parts.hostname in ("arxiv.org", "www.arxiv.org") and parts.path.startswith("/search"):
            return True
    return "arxiv-result" in text[:200000] and "arxiv" in text[:5000].lower()


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """The papers of one page of arXiv search results."""
    soup = html_soup(text)
    items = soup.select("li.arxiv-result")
    no_results = "produced no results" in soup.get_text()
    if not items and not no_results:
        raise ParseError(
            "no arXiv search results (li.arxiv-result) found: is this arxiv.org/search?"
        )
    listing = Listing(kind=KIND, url=url, total=0 if no_results else _total(soup))
    listing.next_url = _next_url(soup, url)
    seen: set[str] = set()
    for n, li in enumerate(items, start=1):
        budget.check()
        paper = _paper(li, listing.problems, f"result {n}")
        if paper is None:
            continue
        add_paper(listing, seen, paper, f"result {n}")
    return listing


def _paper(li: Tag, problems: list[Problem], label: str) -> Paper | None:
    """One result as a Paper, or None with a problem recorded."""
    link = li.select_one("p.list-title a")
    raw = clean(link.get_text() or link.get("href")) if isinstance(link, Tag) else ""
    paper = arxiv_paper(raw.removeprefix("arXiv:"), problems, label)
    if paper is None:
        return None
    title = li.select_one("p.title")
    paper.title = clean(title.get_text()) if isinstance(title, Tag) else ""
    if not paper.title:
        problems.append(Problem(paper.id, "result has no title"))
        return None
    paper.authors = [clean(a.get_text()) for a in li.select("p.authors a") if clean(a.get_text())]
    paper.abstract = _abstract(li)
    paper.categories = [clean(t.get_text()) for t in li.select("div.tags span.tag[data-tooltip]")]
    paper.doi = _doi(li)
    paper.published, paper.updated = _dates(li)
    paper.comments = _labelled(li, "Comments:")
    paper.journal_ref = _labelled(li, "Journal ref:")
    return paper


def _abstract(li: Tag) -> str:
    """The full abstract without its '△ Less' toggle; the short one only when it is not cut."""
    full = li.select_one("span.abstract-full")
    short = li.select_one("span.abstract-short")
    el = full if isinstance(full, Tag) else short
    if not isinstance(el, Tag) or (el is short and el.find("a")):
        return ""
    for toggle in el.find_all("a"):
        toggle.decompose()
    return clean(el.get_text())


def _dates(li: Tag) -> tuple[str | None, str | None]:
    """(v1 date, latest version date) from 'Submitted 9 August, 2024; v1 submitted ...'."""
    line = li.select_one("p.is-size-7")
    text = clean(line.get_text()) if isinstance(line, Tag) else ""
    latest, first = _SUBMITTED.search(text), _FIRST.search(text)
    updated = iso_date(latest[1]) if latest else None
    return (iso_date(first[1]) if first else updated), updated


def _labelled(li: Tag, label: str) -> str | None:
    """The text of the p.comments row that starts with this label."""
    for p in li.select("p.comments"):
        text = clean(p.get_text())
        if text.startswith(label):
            return text[len(label) :].strip() or None
    return None


def _doi(li: Tag) -> str | None:
    for a in li.select("div.tags a[href]"):
        m = _DOI.search(clean(a.get_text())) or _DOI.search(str(a["href"]))
        if m:
            return m[0]
    return None


def _total(soup: Tag) -> int | None:
    h1 = soup.select_one("h1.title")
    m = _TOTAL.search(clean(h1.get_text())) if isinstance(h1, Tag) else None
    return to_int(m[1].replace(",", "")) if m else None


def _next_url(soup: Tag, url: str | None) -> str | None:
    """The absolute URL of the next page; None on the last page (empty or hidden link)."""
    a = soup.select_one("nav.pagination a.pagination-next")
    if not isinstance(a, Tag) or "is-invisible" in a.get("class", []) or a.get("disabled"):
        return None
    href = clean(a.get("href"))
    if not href:
        return None
    base = url if url and urlsplit(url).scheme in ("http", "https") else "https://arxiv.org/search/"
    return urljoin(base, href)
