"""Read arXiv API Atom responses (export.arxiv.org/api/query): papers and the query's total.

Both server generations are read: the classic one (hard-wrapped text, per-element namespaces)
and the 2025+ one (one-line text, namespaces on <feed>, a different element order). The API
reports errors as a feed with one entry titled "Error"; that becomes a ParseError.

The XML helpers here (`xml_root`, `root_name`, `text_of`, `local_name`, `arxiv_categories`,
`has_arxiv_id`, `paper_for`, `add_paper`) are shared with arxiv_rss and arxiv_oai.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from server.models import Listing, Paper, Problem, canonical
from server.sources import budget
from server.sources.common import (
    add_paper,
    arxiv_paper,
    clean,
    clean_field,
    iso_date,
    safe_output,
    to_int,
)
from server.sources.errors import ParseError

KIND = "arxiv-atom"
DESCRIPTION = (
    "arXiv API Atom responses (export.arxiv.org/api/query?search_query=... or id_list=...)"
)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

_CHUNK = 1 << 16  # XML is fed in pieces of this size, the page's budget checked after each
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)")
# arXiv category names ("cs.LG", "hep-th", "q-bio.BM", "cond-mat.mes-hall"); Atom category terms
# also carry MSC ("53D10, 53D15") and ACM ("I.2.6") classes, which are not categories.
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[a-z]+)?)?")


def root_name(text: str) -> str:
    """The qualified name of the first element in the first 4 KB of XML text, '' if none."""
    m = _FIRST_TAG.search(_COMMENT.sub("", text[:4096]))
    return m[1] if m else ""


def xml_root(text: str) -> tuple[etree._Element, list[Problem]]:
    """Parse XML safely (no entities, DTDs or network); a damaged or cut file is read as far
    as it goes, with a Problem saying so. ParseError when nothing can be read."""
    # The text is already decoded, so the encoding its declaration names no longer applies.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
        encoding="utf-8",
    )
    data = text.strip().encode("utf-8", errors="replace")
    try:
        for start in range(0, len(data), _CHUNK):
            parser.feed(data[start : start + _CHUNK])
            budget.check()
        root = parser.close()
    except (etree.LxmlError, ValueError) as err:
        raise ParseError(f"the page is not readable XML ({err})") from None
    if root is None:
        raise ParseError("the page is not XML")
    errors = [e for e in parser.feed_error_log if e.level >= etree.ErrorLevels.ERROR]
    if not errors:
        return root, []
    first = errors[0]
    reason = f"damaged or cut-short XML (line {first.line}: {first.message}); read what was there"
    return root, [Problem("page", reason)]


def local_name(element: etree._Element) -> str:
    """An element's name without its namespace."""
    # Not etree.QName: it raises on the odd namespaces a damaged page can declare.
    return str(element.tag).rpartition("}")[2]


def text_of(element: etree._Element, path: str) -> str:
    """All text inside the first element at path, '' when there is none."""
    found = element.find(path)
    return "".join(found.itertext()) if found is not None else ""


def arxiv_categories(terms: Iterable[str | None]) -> list[str]:
    """The arXiv category names among terms, in order, once each."""
    out: list[str] = []
    for term in terms:
        name = (term or "").strip()
        if _CATEGORY.fullmatch(name) and name not in out:
            out.append(name)
    return out


def has_arxiv_id(text: str) -> bool:
    """True when text names an arXiv paper (False, not ValueError, for a malformed URL)."""
    try:
        return canonical(text) is not None
    except ValueError:  # urlsplit rejects hosts like "[x"; models.canonical lets that through
        return False


def paper_for(raw_id: str, problems: list[Problem], item: str) -> Paper | None:
    """common.arxiv_paper, with a malformed URL-like id reported instead of raised."""
    if not has_arxiv_id(raw_id):
        problems.append(Problem(item, f"no arXiv id in {raw_id!r}" if raw_id else "no arXiv id"))
        return None
    return arxiv_paper(raw_id, problems, item)


def matches(text: str, url: str | None) -> bool:
    """An Atom <feed> that mentions arXiv, but not the rss.arxiv.org announcement feed."""
    head = text[:4096].lower()
    if root_name(text) != "feed" or "rss.arxiv.org" in head or "rss.arxiv.org" in (url or ""):
        return False
    return "arxiv" in head or "arxiv.org/api" in (url or "")


def _raise_api_error(root: etree._Element) -> None:
    """The API answers a bad query with a feed whose single entry is the error message."""
    for entry in root.iterfind(ATOM + "entry"):
        entry_id = clean(text_of(entry, ATOM + "id"))
        is_error = clean(text_of(entry, ATOM + "title")) == "Error" and not has_arxiv_id(entry_id)
        if "/api/errors" in entry_id or is_error:
            message = clean(text_of(entry, ATOM + "summary"))
            raise ParseError(f"arXiv API error: {message or entry_id.rpartition('#')[2]}")


def _optional(entry: etree._Element, path: str) -> str | None:
    return clean(text_of(entry, path)) or None


def _categories(entry: etree._Element) -> list[str]:
    primary = entry.find(ARXIV + "primary_category")
    terms = [primary.get("term")] if primary is not None else []
    return arxiv_categories(terms + [c.get("term") for c in entry.iterfind(ATOM + "category")])


def _paper(entry: etree._Element, item: str, problems: list[Problem]) -> Paper | None:
    """One entry as a Paper; None (with a Problem) when it has no arXiv id or no title."""
    paper = paper_for(clean(text_of(entry, ATOM + "id")), problems, item)
    if paper is None:
        return None
    paper.title = clean_field(text_of(entry, ATOM + "title"))
    if not paper.title:
        problems.append(Problem(paper.id, "no title"))
        return None
    paper.abstract = clean_field(text_of(entry, ATOM + "summary"))
    names = (clean(text_of(author, ATOM + "name")) for author in entry.iterfind(ATOM + "author"))
    paper.authors = [name for name in names if name]
    paper.published = iso_date(text_of(entry, ATOM + "published"))
    paper.updated = iso_date(text_of(entry, ATOM + "updated"))
    paper.categories = _categories(entry)
    paper.comments = _optional(entry, ARXIV + "comment")
    paper.journal_ref = _optional(entry, ARXIV + "journal_ref")
    paper.doi = _optional(entry, ARXIV + "doi")
    return paper


def _feed_url(root: etree._Element) -> str | None:
    for link in root.iterfind(ATOM + "link"):
        if link.get("rel") == "self" or link.get("type") == "application/atom+xml":
            return link.get("href") or None
    return None


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """Read an arXiv API Atom response into papers (no appearances: a query is not a list)."""
    root, problems = xml_root(text)
    if root.tag != ATOM + "feed":
        raise ParseError(f"not an arXiv API Atom feed: the document is <{local_name(root)}>")
    _raise_api_error(root)
    listing = Listing(kind=KIND, url=url or _feed_url(root), problems=problems)
    listing.date = iso_date(text_of(root, ATOM + "updated"))
    listing.total = to_int(clean(text_of(root, OPENSEARCH + "totalResults")))
    seen: set[str] = set()
    for n, entry in enumerate(root.iterfind(ATOM + "entry"), start=1):
        budget.check()
        paper = _paper(entry, f"entry {n}", listing.problems)
        if paper is not None:
            add_paper(listing, seen, paper)
    return listing
