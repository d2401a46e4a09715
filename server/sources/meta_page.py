"""Read a generic paper landing page from its metadata: Highwire citation_*, Dublin Core, JSON-LD.

Sites such as OpenReview, ACL Anthology, PMLR and bioRxiv describe the paper in <head>. Per field
the Highwire tags win, then Dublin Core, then a schema.org ScholarlyArticle/Article JSON-LD block.
The id is the arXiv id when the page names one, else the DOI id, else the title id.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup

from server import sanitize
from server.models import Listing, Paper, Problem, Ref, canonical, doi_id, title_id
from server.sources import budget
from server.sources.common import (
    clean,
    clean_field,
    html_soup,
    iso_date,
    meta_tags,
    safe_output,
)
from server.sources.errors import ParseError

KIND = "meta-page"
DESCRIPTION = "paper pages with citation_*, Dublin Core or schema.org metadata (OpenReview, ACL...)"

_ARTICLE_TYPES = {"scholarlyarticle", "article", "report", "thesis", "creativework"}
_DOI = re.compile(r"10\.\d{4,9}/[^\s\"'<>]+")
_ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf)/[^\s\"'<>?#]+", re.I)
_DATE_KEYS = (
    "citation_publication_date",
    "citation_date",
    "citation_online_date",
    "citation_cover_date",
    "dc.date",
    "dcterms.issued",
    "dc.date.issued",
)


def matches(text: str, url: str | None) -> bool:
    """Any HTML page whose head names a paper: citation_title, DC.title or ScholarlyArticle."""
    head = text[:100000].lower()
    if "<" not in head:
        return False
    return (
        "citation_title" in head
        or "dc.title" in head
        or ("application/ld+json" in head and "scholarlyarticle" in head)
    )


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """The one paper a landing page describes."""
    soup = html_soup(text)
    meta = meta_tags(soup)
    ld = _json_ld(soup)
    if not meta and not ld:
        raise ParseError("no paper metadata (citation_*, DC.* or JSON-LD) on this page")
    listing = Listing(kind=KIND, url=url)
    paper = _paper(meta, ld, url)
    if paper is None:
        listing.problems.append(Problem(_any_id(meta, ld) or "page", "page names no paper title"))
        return listing
    listing.papers.append(paper)
    return listing


def _paper(meta: dict[str, list[str]], ld: dict[str, Any], url: str | None) -> Paper | None:
    title = clean_field(
        _first(meta, "citation_title", "dc.title")
        or _text(ld.get("name"))
        or _text(ld.get("headline"))
    )
    if not title:
        return None
    doi = _doi(meta, ld)
    ref = _arxiv_ref(meta, ld)
    paper = Paper(id=ref.id if ref else (doi_id(doi) if doi else None) or title_id(title))
    paper.version = ref.version if ref else None
    paper.title = title
    paper.doi = doi
    paper.authors = [_display_name(n) for n in _all(meta, "citation_author", "dc.creator")] or (
        _ld_authors(ld.get("author"))
    )
    paper.abstract = clean_field(
        _first(meta, "citation_abstract", "dc.description", "dcterms.abstract")
        or _text(ld.get("abstract"))
        or _text(ld.get("description"))
    )
    dates = [meta[k][0] for k in _DATE_KEYS if k in meta] + [_text(ld.get("datePublished"))]
    paper.published = next((d for d in map(iso_date, dates) if d), None)
    venue = _first(
        meta, "citation_journal_title", "citation_conference_title", "citation_inbook_title"
    )
    paper.journal_ref = clean(venue) or None
    paper.url = _landing_url(meta, ld, url)
    return paper


def _first(meta: dict[str, list[str]], *keys: str) -> str:
    return next((meta[k][0] for k in keys if k in meta), "")


def _all(meta: dict[str, list[str]], *keys: str) -> list[str]:
    return next((meta[k] for k in keys if k in meta), [])


def _json_ld(soup: BeautifulSoup) -> dict[str, Any]:
    """The first article-like object in the page's JSON-LD blocks, {} when none."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = budget.load_json(script.get_text())
        except (ValueError, RecursionError):
            continue
        found = _find_article(data)
        if found:
            return found
    return {}


def _find_article(data: Any, depth: int = 0) -> dict[str, Any] | None:
    """Search lists and @graph for an object whose @type is an article type."""
    if depth > 5:
        return None
    if isinstance(data, list):
        return next((f for d in data if (f := _find_article(d, depth + 1))), None)
    if not isinstance(data, dict):
        return None
    kinds = data.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
        return data
    return _find_article(data.get("@graph"), depth + 1)


def _text(value: Any) -> str:
    """A JSON-LD value as text: strings as-is, {'@value'|'name'|'value': ...} unwrapped."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _text(value.get("@value") or value.get("name") or value.get("value"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return ""


def _ld_authors(value: Any) -> list[str]:
    """Author names from JSON-LD: strings, {'name'}, or {'givenName', 'familyName'}."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict) and not item.get("name"):
            name = f"{_text(item.get('givenName'))} {_text(item.get('familyName'))}"
        else:
            name = _text(item)
        if clean(name):
            names.append(_display_name(name))
    return names


def _display_name(name: str) -> str:
    """'Moreau, Ada' as 'Ada Moreau'; other forms as given."""
    last, sep, first = name.partition(",")
    return clean(f"{first} {last}") if sep and first.strip() else clean(name)


def _identifiers(meta: dict[str, list[str]], ld: dict[str, Any]) -> list[str]:
    """Every identifier-like string the page offers, most specific first."""
    values = _all(meta, "citation_doi") + _all(meta, "dc.identifier") + _all(meta, "prism.doi")
    for key in ("identifier", "sameAs", "url", "@id"):
        raw = ld.get(key)
        for item in raw if isinstance(raw, list) else [raw]:
            values.append(_text(item))
    return [v for v in values if v]


def _doi(meta: dict[str, list[str]], ld: dict[str, Any]) -> str | None:
    """The paper's DOI without any 'doi:' or resolver prefix."""
    for value in _identifiers(meta, ld):
        m = _DOI.search(value)
        if m:
            return m[0].rstrip(".,;")
    return None


def _arxiv_ref(meta: dict[str, list[str]], ld: dict[str, Any]) -> Ref | None:
    """The arXiv id from citation_arxiv_id or any arxiv.org link among the identifiers."""
    ref = canonical(_first(meta, "citation_arxiv_id"))
    if ref:
        return ref
    links = [_first(meta, k) for k in ("citation_pdf_url", "citation_abstract_html_url")]
    for value in links + _identifiers(meta, ld):
        m = _ARXIV_LINK.search(value)
        ref = canonical("https://" + m[0]) if m else None
        if ref:
            return ref
    return None


def _any_id(meta: dict[str, list[str]], ld: dict[str, Any]) -> str | None:
    ref = _arxiv_ref(meta, ld)
    doi = _doi(meta, ld)
    return ref.id if ref else (doi_id(doi) if doi else None)


def _landing_url(meta: dict[str, list[str]], ld: dict[str, Any], url: str | None) -> str | None:
    """The page's http(s) URL; for a saved file (file: URI), the abstract URL the page names."""
    own = _first(meta, "citation_abstract_html_url", "og:url") or _text(ld.get("url"))
    return sanitize.link(url) or sanitize.link(own)
