"""Read arXiv's daily announcement feeds: papers and their place on the day's list.

Three layouts: RSS 2.0 (rss.arxiv.org/rss/<cat>, since 2024), its Atom twin
(rss.arxiv.org/atom/<cat>), and the older RSS 1.0 / RDF feed (export.arxiv.org/rss/<cat>,
before 2024), whose item titles end "(arXiv:IDvN [cat] UPDATED)" and whose text is HTML.
Each layout is read into the same raw _Item; one function turns items into papers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from server.models import Appearance, Listing, Paper, Problem
from server.sources import budget
from server.sources.arxiv_atom import (
    ARXIV,
    ATOM,
    arxiv_categories,
    has_arxiv_id,
    local_name,
    paper_for,
    root_name,
    text_of,
    xml_root,
)
from server.sources.common import add_paper, clean, clean_field, iso_date, safe_output
from server.sources.errors import ParseError

KIND = "arxiv-rss"
DESCRIPTION = (
    "arXiv RSS/Atom announcement feeds (rss.arxiv.org/rss/cs.AI, export.arxiv.org/rss/...)"
)

DC = "{http://purl.org/dc/elements/1.1/}"
RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
SECTIONS = {
    "new": "new",
    "cross": "cross-list",
    "replace": "replacement",
    "replace-cross": "replacement",
    "cross listed": "cross-list",
    "updated": "replacement",
}

_ANNOUNCE = re.compile(r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]*)", re.I)
_RDF_TITLE = re.compile(
    r"^(?P<title>.*?)\.?\s*\(arXiv:(?P<id>\S+)\s*\[(?P<cat>[^\]]*)\]\s*(?P<type>[A-Z ]*)\)\s*$",
    re.S,
)
_FEED_PATH = re.compile(r"/(?:rss|atom)/(?P<cat>[\w.+-]+?)/?$")
_TITLE_CAT = re.compile(r"^\s*(?P<cat>[\w.+-]+) updates on arXiv", re.I)
_AUTHOR_SEP = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_SUFFIXES = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"}
_LINK = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")


@dataclass
class _Item:
    """One feed item's raw strings, before any checking."""

    ids: list[str]
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    announce: str = ""
    journal_ref: str | None = None
    doi: str | None = None


@dataclass
class _Feed:
    """A feed's header (title, own link, date) and its items in order."""

    title: str
    link: str
    date: str | None
    items: list[_Item]


def matches(text: str, url: str | None) -> bool:
    """An RSS/RDF feed naming arXiv, or an Atom feed from rss.arxiv.org."""
    name, head = root_name(text), text[:4096].lower()
    if name == "feed":
        return "rss.arxiv.org" in head or "rss.arxiv.org" in (url or "")
    return name in ("rss", "rdf:RDF") and "arxiv" in head


def announce_date(text: str | None) -> str | None:
    """The day a feed timestamp announces, taken in UTC: arXiv stamps RSS 2.0 feeds at
    midnight New York time and the old RDF feeds at 20:30 the evening before."""
    s = clean(text)
    try:
        when = parsedate_to_datetime(s) if s[:1].isalpha() else datetime.fromisoformat(s)
        if when.tzinfo is not None:
            return when.astimezone(UTC).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    return iso_date(s)


def split_authors(text: str) -> list[str]:
    """Authors from one 'A, B, and C' / 'A and B' string; 'Jr.' stays with its name."""
    names: list[str] = []
    for part in _AUTHOR_SEP.split(clean(text)):
        if part in _SUFFIXES and names:
            names[-1] += ", " + part
        elif part:
            names.append(part)
    return names


def _description(text: str) -> tuple[str, str]:
    """The abstract and announce type from 'arXiv:IDvN Announce Type: new Abstract: ...'."""
    m = _ANNOUNCE.match(text)
    rest = text[m.end() :] if m else text
    return clean_field(rest), (m["type"] if m else "")


def _rss2_item(item: etree._Element) -> _Item:
    abstract, kind = _description(text_of(item, "description"))
    return _Item(
        ids=[text_of(item, "guid"), text_of(item, "link")],
        title=text_of(item, "title"),
        abstract=abstract,
        authors=split_authors(text_of(item, DC + "creator")),
        categories=[c.text or "" for c in item.iterfind("category")],
        announce=text_of(item, ARXIV + "announce_type") or kind,
        journal_ref=text_of(item, ARXIV + "journal_reference"),
        doi=text_of(item, ARXIV + "DOI"),
    )


def _rss2(root: etree._Element) -> _Feed:
    channel = root.find("channel")
    if channel is None:
        raise ParseError("an RSS feed without a <channel>")
    date = text_of(channel, "pubDate") or text_of(channel, "lastBuildDate")
    items = [_rss2_item(item) for item in channel.iterfind("item")]
    return _Feed(text_of(channel, "title"), text_of(channel, "link"), announce_date(date), items)


def _atom_item(entry: etree._Element) -> _Item:
    abstract, kind = _description(text_of(entry, ATOM + "summary"))
    link = entry.find(ATOM + "link")
    return _Item(
        ids=[text_of(entry, ATOM + "id"), link.get("href", "") if link is not None else ""],
        title=text_of(entry, ATOM + "title"),
        abstract=abstract,
        authors=split_authors(text_of(entry, DC + "creator")),
        categories=[c.get("term", "") for c in entry.iterfind(ATOM + "category")],
        announce=text_of(entry, ARXIV + "announce_type") or kind,
        journal_ref=text_of(entry, ARXIV + "journal_reference"),
        doi=text_of(entry, ARXIV + "DOI"),
    )


def _atom(root: etree._Element) -> _Feed:
    link = text_of(root, ATOM + "id")
    if "/api/" in link:
        raise ParseError("an arXiv API response, not an announcement feed (read it as arxiv-atom)")
    for element in root.iterfind(ATOM + "link"):
        link = element.get("href") if element.get("rel") == "self" else link
    items = [_atom_item(entry) for entry in root.iterfind(ATOM + "entry")]
    date = announce_date(text_of(root, ATOM + "updated"))
    return _Feed(text_of(root, ATOM + "title"), link or "", date, items)


def _rdf_authors(text: str) -> list[str]:
    """The old feed's dc:creator is HTML: one <a> link per author."""
    names = [clean(_TAG.sub("", name)) for name in _LINK.findall(text)]
    return [name for name in names if name] or split_authors(_TAG.sub(" ", text))


def _rdf_item(item: etree._Element) -> _Item:
    raw_title = clean(text_of(item, RSS1 + "title"))
    m = _RDF_TITLE.match(raw_title)
    return _Item(
        ids=[m["id"] if m else "", item.get(RDF + "about", ""), text_of(item, RSS1 + "link")],
        title=m["title"] if m else raw_title,
        # The description is escaped HTML: drop tags before clean() decodes &lt; in the text.
        abstract=clean_field(_TAG.sub(" ", text_of(item, RSS1 + "description"))),
        authors=_rdf_authors(text_of(item, DC + "creator")),
        categories=[m["cat"]] if m else [],
        announce=(m["type"] or "new").strip().lower() if m else "",
    )


def _rdf(root: etree._Element) -> _Feed:
    channel = root.find(RSS1 + "channel")
    if channel is None:
        raise ParseError("an RSS 1.0 feed without a <channel>")
    link = channel.get(RDF + "about") or text_of(channel, RSS1 + "link")
    items = [_rdf_item(item) for item in root.iterfind(RSS1 + "item")]
    date = announce_date(text_of(channel, DC + "date"))
    return _Feed(text_of(channel, RSS1 + "title"), link, date, items)


_READERS = {"rss": _rss2, ATOM + "feed": _atom, RDF + "RDF": _rdf}


def _category(url: str | None, feed: _Feed) -> str:
    """The feed's category: from the page URL, the feed's own link, else its title."""
    for link in (url or "", feed.link):
        m = _FEED_PATH.search(link.strip().split("?", 1)[0]) if "://" in link else None
        if m:
            return m["cat"]
    m = _TITLE_CAT.match(clean(feed.title))
    return m["cat"] if m else ""


def _paper(item: _Item, label: str, problems: list[Problem]) -> Paper | None:
    """One item as a Paper; None (with a Problem) when it has no arXiv id or no title."""
    raw_ids = [clean(raw) for raw in item.ids if clean(raw)]
    raw = next((r for r in raw_ids if has_arxiv_id(r)), raw_ids[0] if raw_ids else "")
    paper = paper_for(raw, problems, label)
    if paper is None:
        return None
    paper.title = clean_field(item.title)
    if not paper.title:
        problems.append(Problem(paper.id, "no title"))
        return None
    paper.abstract = item.abstract
    paper.authors = item.authors
    paper.categories = arxiv_categories(item.categories)
    paper.journal_ref = clean(item.journal_ref) or None
    paper.doi = clean(item.doi) or None
    return paper


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """Read an arXiv announcement feed into papers and their appearances on the day's list."""
    root, problems = xml_root(text)
    reader = _READERS.get(root.tag)
    if reader is None:
        raise ParseError(f"not an arXiv RSS or Atom feed: the document is <{local_name(root)}>")
    feed = reader(root)
    if not any("arxiv" in (s or "").lower() for s in (feed.title, feed.link, url)):
        raise ParseError(f"a feed, but not an arXiv one: {clean(feed.title) or 'untitled'}")
    listing = Listing(kind=KIND, url=url or clean(feed.link) or None, date=feed.date)
    listing.problems = problems
    category = _category(url, feed)
    seen: set[str] = set()
    for rank, item in enumerate(feed.items, start=1):
        budget.check()
        paper = _paper(item, f"item {rank}", listing.problems)
        if paper is None or not add_paper(listing, seen, paper):
            continue
        section = SECTIONS.get(item.announce.strip().lower(), item.announce.strip() or None)
        listing.appearances.append(
            Appearance(paper.id, "arxiv-rss", listing.date, category, rank=rank, section=section)
        )
    return listing
