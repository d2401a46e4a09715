"""Read a plain-text copy of a listing: header lines, then title / blank line / abstract blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from server.models import Appearance, Listing, Paper, Problem, title_id
from server.sources import budget
from server.sources.common import add_paper, clean, clean_field, iso_date, safe_output
from server.sources.errors import ParseError
from server.sources.hf_api import url_date

KIND = "text"
DESCRIPTION = "plain-text copy of a listing (title, blank line, abstract, repeated)"

_SNIFF = 20000
_MAX_TITLE = 300
_BLANK = re.compile(r"\n[ \t\r\f\v]*\n")
# Site chrome a copy of the Hugging Face Papers page carries; never a paper title.
_SITE_LINES = {
    "new",
    "subscribe",
    "get trending papers in your email inbox!",
    "daily papers",
    "trending papers",
    "byak and the research community",
    "by ak and the research community",
}
_CARD_NOISE = re.compile(r"^(?:\d+|submitted by\b.*|·?\s*\d+ authors?)$", re.I)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_WEEKDAYS = "mon tue wed thu fri sat sun".split()


def matches(text: str, url: str | None) -> bool:
    """Plain text (not markup or JSON) with at least one title / blank / paragraph block."""
    head = text[:_SNIFF]
    stripped = head.lstrip()
    if not stripped or stripped[0] in "<{[":
        return False
    return _first_entry(_blocks(head)) is not None


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """Papers (ids from titles); 'text' appearances only when the date carries a year."""
    if text.lstrip()[:1] in ("<", "{", "["):
        raise ParseError("this looks like HTML or JSON, not a plain-text listing")
    blocks = _blocks(text)
    start = _first_entry(blocks)
    if start is None:
        raise ParseError("no papers in this text: expected a title line, a blank line, an abstract")
    day = _header_date(blocks[:start]) or url_date(url)
    listing = Listing(kind=KIND, url=url, date=day)
    seen: set[str] = set()
    for rank, (title, abstract) in enumerate(_entries(blocks[start:], listing), start=1):
        paper = Paper(id=title_id(title), title=title, abstract=abstract)
        if not add_paper(listing, seen, paper, title):
            continue
        if day:
            listing.appearances.append(Appearance(paper.id, "text", day, rank=rank))
    return listing


def _blocks(text: str) -> list[str]:
    """The blank-line separated blocks, each unwrapped into one line, site chrome dropped."""
    blocks = (clean(b) for b in _BLANK.split(text.replace("\r\n", "\n")))
    return [b for b in blocks if b and not _is_noise(b)]


def _is_noise(block: str) -> bool:
    return block.lower() in _SITE_LINES or bool(_CARD_NOISE.match(block))


def _is_title(block: str) -> bool:
    return len(block) <= _MAX_TITLE and not _is_date_line(block)


def _is_paragraph(block: str) -> bool:
    """Abstract-like: long, or fairly long and ending as a sentence does."""
    return len(block) > _MAX_TITLE or (len(block) >= 120 and block.rstrip(")\"'").endswith("."))


def _starts_entry(blocks: list[str], i: int) -> bool:
    return i + 1 < len(blocks) and _is_title(blocks[i]) and _is_paragraph(blocks[i + 1])


def _first_entry(blocks: list[str]) -> int | None:
    """Index of the first title that an abstract follows; what comes before is header."""
    return next((i for i in range(len(blocks)) if _starts_entry(blocks, i)), None)


def _entries(blocks: list[str], listing: Listing) -> Iterator[tuple[str, str]]:
    """(title, abstract) pairs in page order; a title right before another entry has none."""
    i = 0
    while i < len(blocks):
        budget.check()
        if not _is_title(blocks[i]):
            if not _is_date_line(blocks[i]):  # a stray date line is no paper; a paragraph is
                listing.problems.append(Problem(blocks[i][:60], "a paragraph without a title"))
            i += 1
            continue
        has_abstract = i + 1 < len(blocks) and not _starts_entry(blocks, i + 1)
        has_abstract = has_abstract and not _is_date_line(blocks[i + 1])
        title = clean_field(blocks[i])
        if title:
            yield title, clean_field(blocks[i + 1]) if has_abstract else ""
        i += 2 if has_abstract else 1


def _is_date_line(block: str) -> bool:
    """'Mar 13', 'Aug 2, 2024', 'Fri, 2 Aug 2024', '2024-08-02': a date and nothing else."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", block):
        return True
    words = re.findall(r"[A-Za-z]+|\d+", block)
    alpha = [w[:3].lower() for w in words if w.isalpha()]
    return (
        len(block) <= 40
        and any(a in _MONTHS for a in alpha)
        and any(w.isdigit() for w in words)
        and all(a in _MONTHS or a in _WEEKDAYS or a in ("st", "nd", "rd", "th") for a in alpha)
        and not re.search(r"[^\w\s,.\-]", block)
    )


def _header_date(header: list[str]) -> str | None:
    """The ISO date of the header's date line; None when it has no year (never guessed)."""
    for block in header:
        if _is_date_line(block):
            return iso_date(block)
    return None
