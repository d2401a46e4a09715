"""Scraped text made safe for Markdown, page paths and the relative links between pages.

Scraped text is data, never markup: every Markdown special is backslash-escaped and < > & become
entities, so neither Python-Markdown nor a CommonMark renderer can turn it into a tag or a link.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from datetime import date
from urllib.parse import quote

from server import sanitize, tex, text
from server.models import Paper
from server.text import clean

_INLINE = re.compile(r"([\\`*_\[\]#|])")
_LIST_START = re.compile(r"^([-+])(?=[\s-]|$)|^(\d+)([.)])(?=\s|$)")
_SAFE_URL = "/:?#@!$&+,;=%~-._"


def md(text: str | None) -> str:
    """Scraped text as Markdown that renders exactly that text, in any position on a line."""
    return _escape(clean(text))


def _escape(text: str) -> str:
    """Cleaned text as Markdown that renders exactly that text (md() without the cleaning)."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _INLINE.sub(r"\\\1", out)
    # list markers only count at the start of a line, where the text may begin
    return _LIST_START.sub(lambda m: m[1] and "\\" + m[1] or f"{m[2]}\\{m[3]}", out)


def md_math(text: str | None) -> str:
    """md() with each TeX span that renders (server/tex.py) kept as a code span of its source,
    `` `$O(n \\log n)$` ``: the .md page shows the TeX, and the site's renderer (render.py) turns
    exactly these code spans into MathML. Scraped text cannot make a code span (md() escapes
    every backtick), and a span that does not render stays escaped source text."""
    out = []
    for piece, is_math in tex.spans(clean(text)):
        if is_math and "`" not in piece and tex.mathml(piece.strip()) is not None:
            out.append(f"`${piece}$`")
        else:
            out.append(_escape(f"${piece}$" if is_math else piece))
    return "".join(out)


def md_url(url: str) -> str:
    """A scraped http(s) URL for a link target: specials percent-encoded; '' if not http(s)."""
    safe = sanitize.link(url)
    return quote(clean(safe), safe=_SAFE_URL) if safe else ""


def clean_paper(paper: Paper) -> Paper:
    """A copy of the paper with every text field cleaned, for pages and feeds alike."""
    return replace(
        paper,
        title=clean(paper.title) or "(untitled)",
        abstract=clean(paper.abstract),
        authors=[a for a in map(clean, paper.authors) if a],
        categories=[clean(c) for c in paper.categories],
        comments=clean(paper.comments) or None,
        org_name=clean(paper.org_name) or None,
        hf_summary=clean(paper.hf_summary) or None,
        hf_keywords=[k for k in map(clean, paper.hf_keywords) if k],
        journal_ref=clean(paper.journal_ref) or None,
        doi=clean(paper.doi) or None,
    )


def rel(from_page: str, to_page: str, ext: str = ".md") -> str:
    """The relative link from one page to another (paths without extension)."""
    start = posixpath.dirname(from_page) or "."
    return posixpath.relpath(to_page, start) + ext


HF_SUMMARY = "Hugging Face's summary:"  # its AI summary, always shown as Hugging Face's
ABSTRACT = "Abstract"  # a paper page's heading over its abstract
# The headings of a paper page whose text Pagefind indexes (render.py marks them; pagefind.py)
SEARCHED = (ABSTRACT, HF_SUMMARY.rstrip(":"))


def root_of(page: str) -> str:
    """The relative prefix from a page to the site root ('' or '../'...)."""
    return "../" * page.count("/")


def authors_line(authors: list[str], limit: int = 12) -> str:
    """Authors as escaped Markdown, shortened with 'et al. (N authors)' past the limit."""
    return md(text.authors_line(authors, limit, count=True))


def long_date(day: str) -> str:
    """'Friday, 2 August 2024' for an ISO date."""
    d = date.fromisoformat(day)
    return f"{d:%A}, {d.day} {d:%B %Y}"


def iso_week(day: str) -> str:
    """The ISO week name of a day, e.g. '2024-W31'."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def plural(n: int, word: str) -> str:
    """'1 paper', '3 papers'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
