"""Read an arXiv abstract page (/abs/ID): one paper, from the body or its citation_* meta tags.

The body gives `h1.title`, `div.authors a`, `blockquote.abstract`, `div.dateline`, the metatable
(`td.tablecell` rows: comments, subjects, journal reference, DOI) and `div.submission-history`.
Pages reduced to their <head> still carry citation_title/author/date/online_date/arxiv_id/abstract.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from server.models import Listing, Paper, Problem, Ref, canonical
from server.sources.arxiv_list import authors, subjects, text_of
from server.sources.common import (
    clean,
    clean_field,
    html_soup,
    iso_date,
    meta_tags,
    safe_output,
    to_int,
)
from server.sources.errors import ParseError

KIND = "arxiv-abs"
DESCRIPTION = "arXiv abstract pages (arxiv.org/abs/<id>), full or reduced to their meta tags"

_VERSION_DATE = re.compile(r"\[v(\d+)\]\s*(?:[A-Za-z]{3},\s*)?(\d{1,2}\s+[A-Za-z]{3}\s+\d{4})")
_DOI = re.compile(r"10\.\d{4,9}/\S+")


def matches(text: str, url: str | None) -> bool:
    """An arxiv.org/abs/ URL, or an arXiv-served page with an abstract or citation meta tags."""
    if url:
        parts = urlsplit(url)
        if (parts.hostname or "").endswith("arxiv.org") and parts.path.startswith("/abs/"):
            return True
    head = text[:60000]
    arxiv = 'content="arXiv.org"' in head or "/static/browse/" in head or "arxiv.org/abs/" in head
    return arxiv and ("citation_arxiv_id" in head or 'class="abstract mathjax"' in text[:200000])


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """The one paper an arXiv abstract page describes."""
    soup = html_soup(text)
    meta = meta_tags(soup)
    listing = Listing(kind=KIND, url=url)
    ref = _ref(soup, meta, url)
    if ref is None:
        raise ParseError("no arXiv id on this page (citation_arxiv_id, canonical link or URL)")
    paper = Paper(id=ref.id)
    abs_div = soup.find(id="abs") or soup
    paper.title = _body(abs_div, "h1", "title") or clean_field(_first(meta, "citation_title"))
    if not paper.title:
        listing.problems.append(Problem(ref.id, "page has no title"))
        return listing
    paper.authors = authors(abs_div.find("div", class_="authors")) or [
        _display_name(n) for n in meta.get("citation_author", [])
    ]
    paper.abstract = _body(abs_div, "blockquote", "abstract") or clean_field(
        _first(meta, "citation_abstract") or _first(meta, "og:description")
    )
    _fill_table(paper, abs_div)
    paper.doi = paper.doi or _first(meta, "citation_doi") or None
    _fill_versions(paper, soup, meta, ref.version)
    listing.papers.append(paper)
    return listing


def _fill_versions(
    paper: Paper, soup: BeautifulSoup, meta: dict[str, list[str]], named: int | None
) -> None:
    """Latest version, v1 date and latest date: submission history first, then meta tags."""
    history = _history(soup)
    latest = max(history) if history else None
    paper.version = latest or named
    paper.published = history.get(1) or iso_date(_first(meta, "citation_date"))
    paper.updated = history[latest] if latest else iso_date(_first(meta, "citation_online_date"))


def _first(meta: dict[str, list[str]], key: str) -> str:
    values = meta.get(key)
    return values[0] if values else ""


def _ref(soup: BeautifulSoup, meta: dict[str, list[str]], url: str | None) -> Ref | None:
    """The paper id and the version the page names (og:url and the URL carry it)."""
    canon = soup.find("link", rel="canonical")
    candidates = [
        _first(meta, "og:url"),
        url or "",
        _first(meta, "citation_arxiv_id"),
        str(canon.get("href", "")) if isinstance(canon, Tag) else "",
    ]
    refs = [r for r in (canonical(c) for c in candidates if c) if r]
    if not refs:
        return None
    versioned = [r for r in refs if r.version and r.id == refs[0].id]
    return versioned[0] if versioned else refs[0]


def _body(root: Tag | BeautifulSoup, name: str, cls: str) -> str:
    el = root.find(name, class_=cls)
    return text_of(el) if isinstance(el, Tag) else ""


def _display_name(name: str) -> str:
    """'Heibi, Ivan' (citation_author form) as 'Ivan Heibi'."""
    last, sep, first = name.partition(",")
    return clean(f"{first} {last}") if sep and first.strip() else clean(name)


def _fill_table(paper: Paper, root: Tag | BeautifulSoup) -> None:
    """Comments, subjects, journal reference and DOI from the metatable rows."""
    for row in root.select("div.metatable tr"):
        cells = row.find_all("td")
        if len(cells) < 2:
            continue
        label = clean(cells[0].get_text()).lower().rstrip(":")
        value = text_of(cells[1])
        if label == "comments":
            paper.comments = value or None
        elif label == "subjects":
            paper.categories = subjects(cells[1])
        elif label in ("journal reference", "journal-ref"):
            paper.journal_ref = value or None
        elif label == "doi" and _DOI.search(value):
            paper.doi = _DOI.search(value)[0]


def _history(soup: BeautifulSoup) -> dict[int, str]:
    """Version number -> ISO date from the submission history ('[v2] Mon, 5 Aug 2024 ...')."""
    el = soup.find("div", class_="submission-history")
    if not isinstance(el, Tag):
        return {}
    found: dict[int, str] = {}
    for number, day in _VERSION_DATE.findall(clean(el.get_text(" "))):
        when = iso_date(day)
        if when and to_int(number) is not None:
            found.setdefault(to_int(number), when)
    return found
