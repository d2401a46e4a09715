"""Helpers every parser shares: the parser error type, text cleaning, dates, soups."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Callable
from datetime import date
from email.utils import parsedate_to_datetime
from functools import wraps

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

from server import sanitize
from server.models import Listing, Paper, Problem, canonical
from server.sources.budget import BudgetedTreeBuilder

_SPACE = re.compile(r"\s+")
_LABEL = re.compile(r"^\s*(title|abstract|authors?|comments?|subjects?|journal-ref)\s*:\s*", re.I)
_MONTHS = {
    m.lower(): i
    for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)
}


def clean(text: object) -> str:
    """Decode entities, drop control and direction characters, unwrap lines, collapse spaces.

    LaTeX is kept as written.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if text.isprintable() and "&" not in text and "  " not in text:
        # nothing to do but strip (a parse cleans 20 strings a paper, most of them plain): a
        # printable string holds no control or direction character and no white space but
        # single spaces, and without "&" no entity
        return text.strip()
    return _clean_fully(text)


def _clean_fully(text: str) -> str:
    collapsed = _SPACE.sub(" ", html.unescape(text))
    safe = sanitize.text(collapsed)  # after collapsing: line breaks no longer count as unsafe
    return (safe if safe is collapsed else _SPACE.sub(" ", safe)).strip()


def safe_output(parse: Callable[..., Listing]) -> Callable[..., Listing]:
    """Decorate a parser's parse: its Listing holds no control character and no non-http link."""

    @wraps(parse)
    def parse_safely(text: str, url: str | None = None) -> Listing:
        return sanitize.listing(parse(text, url))

    return parse_safely


def strip_label(text: str) -> str:
    """Drop a leading 'Title:' / 'Abstract:' / 'Authors:' style label."""
    return _LABEL.sub("", text, count=1).strip()


def clean_field(text: object) -> str:
    """clean() then strip_label(): the form used for titles and abstracts."""
    return strip_label(clean(text))


def to_int(value: object) -> int | None:
    """An int from an int or digit string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    digits = value.strip() if isinstance(value, str) else ""
    # a count on a page never has 19 digits; longer ones are junk (and int() refuses > 4300)
    if digits.isdecimal() and len(digits) <= 18:
        return int(digits)
    return None


def _two_digit_year(y: int) -> int:
    return y + (2000 if y < 90 else 1900)


def _from_words(text: str) -> date | None:
    """'Fri, 20 Jul 18', '17 Jun 2021', '2 December, 2025', 'December 2, 2025', 'Jan 2023'."""
    words = re.findall(r"[A-Za-z]+|\d+", text)
    day = month = year = None
    for w in words:
        if w[:3].lower() in _MONTHS and w.isalpha() and month is None:
            month = _MONTHS[w[:3].lower()]
        elif w.isdigit() and len(w) == 4 and year is None:
            year = int(w)
        elif w.isdigit() and len(w) <= 2 and day is None and (month is None or year is None):
            day = int(w)
        elif w.isdigit() and len(w) == 2 and year is None:
            year = _two_digit_year(int(w))
    if month is None or year is None:
        return None
    try:
        return date(year, month, day or 1)
    except ValueError:
        return None


def iso_date(text: object) -> str | None:
    """Any date form the sites use, as YYYY-MM-DD; None when it holds no full date."""
    s = clean(text)
    if not s:
        return None
    m = re.match(r"(\d{4})[-/](\d{2})[-/](\d{2})", s)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(s).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    found = _from_words(s)
    return found.isoformat() if found else None


def month_date(text: object) -> str | None:
    """'January 2023' or '2301' as the first day of that month, YYYY-MM-01."""
    s = clean(text)
    m = re.fullmatch(r"(\d{2})(\d{2})", s)
    if m and 1 <= int(m[2]) <= 12:
        return date(_two_digit_year(int(m[1])), int(m[2]), 1).isoformat()
    return iso_date(s) if re.search(r"[A-Za-z]{3}", s) else None


def encodable(text: str) -> str:
    """Text with lone surrogates (a JSON body may hold "\\ud800") made U+FFFD, so lxml takes it."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def html_soup(text: str) -> BeautifulSoup:
    """Parse HTML with lxml, quietly, within the page's budget (a tree costs ~500 B a tag)."""

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(encodable(text), builder=BudgetedTreeBuilder)


def arxiv_paper(raw_id: str, problems: list[Problem], item: str) -> Paper | None:
    """A Paper for an arXiv id string, or None with a problem recorded when it is not one."""
    ref = canonical(raw_id)
    if ref is None:
        problems.append(Problem(item, f"no arXiv id in {raw_id!r}" if raw_id else "no arXiv id"))
        return None
    return Paper(id=ref.id, version=ref.version)


def add_paper(listing: Listing, seen: set[str], paper: Paper, item: str | None = None) -> bool:
    """Add the paper unless its id is already on the listing (then record a Problem)."""
    if paper.id in seen:
        listing.problems.append(Problem(item or paper.id, f"duplicate id {paper.id}"))
        return False
    seen.add(paper.id)
    listing.papers.append(paper)
    return True


def meta_tags(soup: BeautifulSoup) -> dict[str, list[str]]:
    """Meta tag contents by lower-cased name or property, in page order."""
    found: dict[str, list[str]] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("name") or tag.get("property") or "").strip().lower()
        content = tag.get("content")
        if key and isinstance(content, str) and content.strip():
            found.setdefault(key, []).append(content.strip())
    return found
