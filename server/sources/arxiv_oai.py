"""Read arXiv OAI-PMH responses (export.arxiv.org/oai2, metadataPrefix=arXiv): papers in bulk.

One ListRecords page holds up to 1,000 records; its resumptionToken gives the size of the
whole harvest (Listing.total) and the next page (Listing.next_url). Deleted records and
records without arXiv metadata are skipped with a Problem. lxml.etree is used directly:
a page is ~2 MB, and BeautifulSoup would be ten times slower.
"""

from __future__ import annotations

from urllib.parse import quote

from lxml import etree

from server.models import Listing, Paper, Problem
from server.sources import budget
from server.sources.arxiv_atom import (
    arxiv_categories,
    local_name,
    paper_for,
    root_name,
    xml_root,
)
from server.sources.common import (
    add_paper,
    clean,
    clean_field,
    iso_date,
    safe_output,
    to_int,
)
from server.sources.errors import ParseError

KIND = "arxiv-oai"
DESCRIPTION = "arXiv OAI-PMH ListRecords/GetRecord responses with metadataPrefix=arXiv"

OAI = "{http://www.openarchives.org/OAI/2.0/}"
AR = "{http://arxiv.org/OAI/arXiv/}"
_RECORDS = (f"{OAI}ListRecords/{OAI}record", f"{OAI}GetRecord/{OAI}record")


def matches(text: str, url: str | None) -> bool:
    """An OAI-PMH response document."""
    return root_name(text) == "OAI-PMH"


def _check_error(root: etree._Element) -> bool:
    """ParseError for an OAI-PMH error; True for 'noRecordsMatch', an empty harvest."""
    error = root.find(OAI + "error")
    if error is None:
        return False
    code = error.get("code", "")
    if code == "noRecordsMatch":
        return True
    raise ParseError(f"OAI-PMH error {code}: {clean(error.text) or 'no message'}")


def _check_format(records: list[etree._Element]) -> None:
    """Records in another metadata format (oai_dc, arXivRaw...) cannot be read here."""
    for record in records:
        meta = record.find(OAI + "metadata")
        if meta is not None and len(meta):
            if meta[0].tag != AR + "arXiv":
                name = local_name(meta[0])
                raise ParseError(
                    f"OAI-PMH records in the {name} format; harvest with metadataPrefix=arXiv"
                )
            return


def _author(author: etree._Element) -> str:
    parts = (author.findtext(AR + tag) for tag in ("forenames", "keyname", "suffix"))
    return clean(" ".join(part for part in parts if part))


def _optional(meta: etree._Element, tag: str) -> str | None:
    return clean(meta.findtext(AR + tag)) or None


def _fill(paper: Paper, meta: etree._Element) -> None:
    paper.abstract = clean_field(meta.findtext(AR + "abstract"))
    names = (_author(a) for a in meta.iterfind(f"{AR}authors/{AR}author"))
    paper.authors = [name for name in names if name]
    paper.published = iso_date(meta.findtext(AR + "created"))
    paper.updated = iso_date(meta.findtext(AR + "updated"))
    paper.categories = arxiv_categories((meta.findtext(AR + "categories") or "").split())
    paper.comments = _optional(meta, "comments")
    paper.journal_ref = _optional(meta, "journal-ref")
    paper.doi = _optional(meta, "doi")


def _record(record: etree._Element, n: int, problems: list[Problem]) -> Paper | None:
    """One record as a Paper; None (with a Problem) when deleted, empty, or without id/title."""
    header = record.find(OAI + "header")
    ident = clean(header.findtext(OAI + "identifier")) if header is not None else ""
    item = ident.removeprefix("oai:arXiv.org:") or f"record {n}"
    if header is not None and header.get("status") == "deleted":
        problems.append(Problem(item, "deleted record"))
        return None
    meta = record.find(f"{OAI}metadata/{AR}arXiv")
    if meta is None:
        problems.append(Problem(item, "no arXiv metadata in the record"))
        return None
    paper = paper_for(clean(meta.findtext(AR + "id")), problems, item)
    if paper is None:
        return None
    paper.title = clean_field(meta.findtext(AR + "title"))
    if not paper.title:
        problems.append(Problem(paper.id, "no title"))
        return None
    _fill(paper, meta)
    return paper


def _base_url(root: etree._Element, url: str | None) -> str:
    """The repository's base URL: the response's <request>, else the page URL without query."""
    base = clean(root.findtext(OAI + "request"))
    if not base and url and "://" in url:
        base = url
    return base.split("?", 1)[0].split("#", 1)[0]


def _paging(root: etree._Element, url: str | None, listing: Listing) -> None:
    """Total and next page from the resumptionToken (an empty token marks the last page)."""
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    if token is None:
        return
    listing.total = to_int(token.get("completeListSize"))
    value = clean(token.text)
    base = _base_url(root, url)
    if value and base.startswith(("http://", "https://")):
        listing.next_url = f"{base}?verb=ListRecords&resumptionToken={quote(value, safe='')}"


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """Read one OAI-PMH response page into papers (no appearances: a harvest is not a list)."""
    root, problems = xml_root(text)
    if root.tag != OAI + "OAI-PMH":
        raise ParseError(f"not an OAI-PMH response: the document is <{local_name(root)}>")
    listing = Listing(kind=KIND, url=url, problems=problems)
    listing.date = iso_date(root.findtext(OAI + "responseDate"))
    if _check_error(root):
        listing.total = 0
        return listing
    if root.find(OAI + "ListRecords") is None and root.find(OAI + "GetRecord") is None:
        raise ParseError("an OAI-PMH response without records (expected verb=ListRecords)")
    records = [r for path in _RECORDS for r in root.iterfind(path)]
    _check_format(records)
    seen: set[str] = set()
    for n, record in enumerate(records, start=1):
        budget.check()
        paper = _record(record, n, listing.problems)
        if paper is not None:
            add_paper(listing, seen, paper)
    _paging(root, url, listing)
    return listing
