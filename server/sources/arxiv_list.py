"""Read arXiv listing pages (/list/<cat>/new, /recent, /pastweek, /<YYMM>), old and 2024 layouts.

Both layouts pair `dl > dt` (the id link) with the following `dd > div.meta` (title, authors,
comments, journal-ref, subjects, and on /new the abstract in `p.mathjax`). Section and day
headings are `h3`: before each `dl` in the old layout, inside `dl#articles` in the 2024 one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from server.models import Appearance, Listing, Paper, Problem
from server.sources import budget
from server.sources.common import (
    add_paper,
    arxiv_paper,
    clean,
    clean_field,
    html_soup,
    iso_date,
    month_date,
    safe_output,
    to_int,
)
from server.sources.errors import ParseError

KIND = "arxiv-list"
DESCRIPTION = "arXiv listing pages: /list/<category>/new, /recent, /pastweek and /<YYMM>"

_LIST_PATH = re.compile(
    r"/list/(?P<cat>[A-Za-z-]+(?:\.[A-Za-z-]+)?)/(?P<period>new|recent|pastweek|current|\d{4})\b"
)
_TOTAL = re.compile(r"total of\s+([\d,]+)\s+entries", re.I)
_CODE = re.compile(r"\(([a-z-]+(?:\.[A-Za-z-]+)?)\)")
_PERIODS = {"new": "arxiv-new", "recent": "arxiv-recent", "pastweek": "arxiv-pastweek"}
_SECTIONS = (("new submissions", "new"), ("cross", "cross-list"), ("replace", "replacement"))
_DAY = re.compile(r"^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{2,4}\b")


def matches(text: str, url: str | None) -> bool:
    """An arxiv.org /list/ URL, or a page with arXiv's listing markup."""
    if url and "arxiv.org/list/" in url:
        return True
    head = text[:60000]
    return (
        "arxiv" in head.lower()
        and ("id='dlpage'" in head or 'id="dlpage"' in head)
        and ("list-title" in text[:200000] or "No updates" in head)
    )


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """Papers and their list appearances from an arXiv listing page."""
    soup = html_soup(text)
    root = soup.find(id="dlpage") or soup
    dts = root.find_all("dt")
    if not dts and "No updates" not in root.get_text():
        raise ParseError(
            "no arXiv listing entries (dl > dt/dd) found: is this an arXiv /list/ page?"
        )
    category, period = _context(soup, url)
    list_name = _list_name(period, root)
    listing = Listing(kind=KIND, url=url, total=_total(root))
    walk = _Walk(listing, list_name, category or "")
    if list_name == "arxiv-month":
        walk.date = month_date(period) if period and period.isdigit() else _month_heading(root)
        listing.date = walk.date
    elif list_name == "arxiv-new":
        walk.date = _dateline(root)
    walk.run(root)
    listing.date = listing.date or walk.date
    if list_name is None and listing.papers:
        listing.problems.append(Problem("page", "cannot tell which arXiv list this is"))
    if not category and list_name:
        listing.problems.append(Problem("page", "no arXiv category in the URL or the page"))
    return listing


@dataclass
class _Walk:
    """Document-order walk over headings and entries, carrying section and day."""

    listing: Listing
    list_name: str | None
    category: str
    date: str | None = None
    section: str | None = None
    day_rank: int = 0
    position: int = 0

    def run(self, root: Tag | BeautifulSoup) -> None:
        """Read every h3 heading and dt entry in order."""
        seen: set[str] = set()
        for el in root.find_all(["h3", "dt"]):
            budget.check()
            if el.name == "h3":
                self.heading(clean(el.get_text()))
            else:
                self.entry(el, seen)

    def heading(self, text: str) -> None:
        """Update section and date from a section or day heading."""
        low = text.lower()
        section = next((name for key, name in _SECTIONS if low.startswith(key)), None)
        when = iso_date(re.sub(r"\(.*?\)", "", text))
        if section:
            self.section = section
        if when and self.list_name != "arxiv-month":
            self.date = when
            self.listing.date = self.listing.date or when
        if when and _DAY.match(text):
            self.day_rank = 0

    def entry(self, dt: Tag, seen: set[str]) -> None:
        """One dt/dd pair: a paper and, on a known list, its appearance."""
        self.position += 1
        self.day_rank += 1
        number = _item_number(dt)
        label = f"item {number or self.position}"
        paper = _paper(dt, self.listing.problems, label)
        if paper is None:
            return
        if not add_paper(self.listing, seen, paper, label):
            return
        if self.list_name:
            self.listing.appearances.append(self.appearance(paper.id, dt, number))

    def appearance(self, paper_id: str, dt: Tag, number: int | None) -> Appearance:
        """The paper's place on this list."""
        daily = self.list_name in ("arxiv-recent", "arxiv-pastweek")
        rank = self.day_rank if daily else (number or self.position)
        section = (_marked_section(dt) or self.section) if self.list_name == "arxiv-new" else None
        return Appearance(
            paper_id, self.list_name or "", self.date, self.category, rank, section=section
        )


def _paper(dt: Tag, problems: list[Problem], label: str) -> Paper | None:
    """The paper of one dt and its following dd, or None with a problem recorded."""
    link = dt.find("a", title="Abstract") or dt.find("a", href=re.compile(r"/abs/"))
    raw = clean(link.get("href") or link.get_text()) if isinstance(link, Tag) else ""
    paper = arxiv_paper(raw, problems, label)
    if paper is None:
        return None
    dd = dt.find_next_sibling()
    if not isinstance(dd, Tag) or dd.name != "dd":
        problems.append(Problem(paper.id, "entry has no details (dd)"))
        return None
    paper.title = field(dd, "list-title")
    if not paper.title:
        problems.append(Problem(paper.id, "entry has no title"))
        return None
    paper.authors = authors(dd.find(class_="list-authors"))
    paper.comments = field(dd, "list-comments") or None
    paper.journal_ref = field(dd, "list-journal-ref") or None
    paper.categories = subjects(dd.find(class_="list-subjects"))
    abstract = dd.find("p", class_="mathjax")
    paper.abstract = text_of(abstract) if isinstance(abstract, Tag) else ""
    return paper


def text_of(el: Tag) -> str:
    """Cleaned text of an element, minus its 'Title:'-style descriptor; <br> counts as a space."""
    for drop in el.find_all("span", class_="descriptor"):
        drop.decompose()
    for br in el.find_all("br"):
        br.replace_with(" ")
    return clean_field(el.get_text())


def field(parent: Tag, cls: str) -> str:
    """Cleaned text of the first descendant with this class, '' when absent."""
    el = parent.find(class_=cls)
    return text_of(el) if isinstance(el, Tag) else ""


def authors(el: Tag | None) -> list[str]:
    """Author names from the links of an authors block (skipping 'et al.' toggles)."""
    if not isinstance(el, Tag):
        return []
    names = []
    for a in el.find_all("a"):
        name = clean(a.get_text())
        if name and not str(a.get("href", "")).startswith("javascript") and "authors" not in name:
            names.append(name)
    return names


def subjects(el: Tag | None) -> list[str]:
    """Category codes of a subjects block, primary first: 'Machine Learning (cs.LG)' -> cs.LG."""
    if not isinstance(el, Tag):
        return []
    primary = el.find(class_="primary-subject")
    codes = _CODE.findall(primary.get_text()) if isinstance(primary, Tag) else []
    return list(dict.fromkeys(codes[-1:] + _CODE.findall(el.get_text())))


def _item_number(dt: Tag) -> int | None:
    anchor = dt.find("a", attrs={"name": re.compile(r"^item\d+$")})
    return int(str(anchor["name"])[4:]) if isinstance(anchor, Tag) else None


def _marked_section(dt: Tag) -> str | None:
    """The section a 2024 entry names itself: '(cross-list from math.ST)' or '(replaced)'."""
    text = dt.get_text()
    if "cross-list from" in text:
        return "cross-list"
    return "replacement" if "(replaced)" in text else None


def _context(soup: BeautifulSoup, url: str | None) -> tuple[str | None, str | None]:
    """The list's category and period from the URL, else from the page's own list links."""
    m = _LIST_PATH.search(urlsplit(url).path) if url else None
    if m:
        return m["cat"], m["period"]
    links = [
        (str(a["href"]), _LIST_PATH.search(str(a["href"]))) for a in soup.find_all("a", href=True)
    ]
    found = [(href, m) for href, m in links if m]
    # Paging and more/fewer links carry skip= and point at this very list; others are navigation.
    paged = [m for href, m in found if "skip=" in href]
    if paged:
        return Counter(m["cat"] for m in paged).most_common(1)[0][0], paged[0]["period"]
    cats = Counter(m["cat"] for _, m in found)
    return (cats.most_common(1)[0][0] if cats else None), None


def _list_name(period: str | None, root: Tag | BeautifulSoup) -> str | None:
    """Which of models.LISTS this page is, from the period or the headings."""
    if period:
        return _PERIODS.get(period, "arxiv-month")
    heads = [clean(h.get_text()) for h in root.find_all(["h2", "h3"])]
    low = " | ".join(heads).lower()
    if any(k in low for k in ("new listings", "new submissions", "cross-lists", "replacements")):
        return "arxiv-new"
    if "recent submissions" in low or any(_DAY.match(h) for h in heads):
        return "arxiv-recent"
    return "arxiv-month" if _month_heading(root) else None


def _month_heading(root: Tag | BeautifulSoup) -> str | None:
    """'Authors and titles for January 2023' as 2023-01-01."""
    for h2 in root.find_all("h2"):
        text = clean(h2.get_text())
        if text.lower().startswith("authors and titles for") and "recent" not in text.lower():
            return month_date(text[len("authors and titles for") :])
    return None


def _dateline(root: Tag | BeautifulSoup) -> str | None:
    """The announcement date of the old layout's 'list-dateline'."""
    el = root.find(class_="list-dateline")
    if not isinstance(el, Tag) or "announced" not in el.get_text():
        return None
    return iso_date(el.get_text().split("announced", 1)[1])


def _total(root: Tag | BeautifulSoup) -> int | None:
    m = _TOTAL.search(root.get_text(" "))
    return to_int(m[1].replace(",", "")) if m else None
