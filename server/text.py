"""What every surface (the API, the CLI, the site, the digest) shows of a paper alike: list
labels and badges, author lines, a paper's links, and text a terminal may print. Pure: no I/O."""

from __future__ import annotations

import hashlib
import re

from server import sanitize
from server.models import RANKED_LISTS, Appearance, Paper, is_arxiv_id
from server.sanitize import UNSAFE_CHARS

LIST_LABELS = {
    "hf-daily": "HF daily",
    "hf-weekly": "HF weekly",
    "hf-monthly": "HF monthly",
    "arxiv-new": "arXiv new",
    "arxiv-recent": "arXiv recent",
    "arxiv-pastweek": "arXiv past week",
    "arxiv-month": "arXiv month",
    "arxiv-rss": "arXiv RSS",
    "text": "Listing copy",
}
# Beyond what sanitize.text drops (controls, which Python-Markdown uses as placeholders, bidi
# controls, surrogates): byte-order marks, non-characters and private use.
_UNSHOWN = re.compile("[\ufeff\ufffe\uffff\ue000-\uf8ff]")
_PLAIN_ID = re.compile(r"[0-9]{4}\.[0-9]{4,5}")
# what sanitize drops from stored text, but tab and newline, which a terminal shows as such
CONTROLS = re.compile(f"(?![\t\n])[{UNSAFE_CHARS}]")
REPLACEMENT = "\ufffd"


def clean(text: str | None) -> str:
    """Text as a page or a mail shows it: no control, direction, byte-order or private-use
    characters, whitespace collapsed."""
    if not text:
        return ""
    return " ".join(_UNSHOWN.sub("", sanitize.text(text)).split())


def is_ranked(list_name: str) -> bool:
    """True for a list whose order is a ranking (Hugging Face's), not an announcement order."""
    return list_name in RANKED_LISTS


def where(a: Appearance) -> str:
    """Where a paper appeared, as one label: 'HF daily #3' or 'arXiv new cs.LG'."""
    text = LIST_LABELS.get(a.list, a.list) + (f" {a.category}" if a.category else "")
    return text + (f" #{a.rank}" if a.rank and is_ranked(a.list) else "")


def badge(a: Appearance) -> str:
    """An appearance in one line: 'HF daily #3 · 2024-08-01 · 142▲'."""
    parts = [where(a), a.date or ""]
    if a.upvotes is not None:
        parts.append(f"{a.upvotes}\u25b2")
    return " \u00b7 ".join(p for p in parts if p)


def stars_text(count: int | None, readings: list[tuple[str, int]] | None = None) -> str:
    """'★ 1,221 GitHub stars', with '(+60 since 2024-07-22)' when read on two days or more
    (the popup's render.js starsText says it alike); '' when never read."""
    if count is None:
        return ""
    line = f"\u2605 {count:,} GitHub star{'' if count == 1 else 's'}"
    if not readings or len(readings) < 2:
        return line
    day, first = readings[0]
    growth = count - first
    return f"{line} ({'+' if growth >= 0 else chr(0x2212)}{abs(growth):,} since {day})"


def comments_text(count: int) -> str:
    """'1 comment', '12 comments'; '' for none."""
    return f"{count} comment{'' if count == 1 else 's'}" if count else ""


def authors_line(authors: list[str], most: int, count: bool = False) -> str:
    """'A, B, C et al.' from a list of names, with '(N authors)' past `most` when asked for."""
    names = [n for n in map(clean, authors) if n]
    line = ", ".join(names[:most])
    if len(names) > most:
        line += f" et al. ({len(names)} authors)" if count else " et al."
    return line


def authors_more(authors: list[str], most: int = 10) -> str:
    """'A, B, ..., J +523 more': the first `most` names, and how many more there are."""
    names = [n for n in map(clean, authors) if n]
    more = f" +{len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def first_sentence(text: str, most: int = 300) -> str:
    """The first sentence of a text (an abstract's opening line), cut at `most` characters."""
    first = _SENTENCE_END.split(clean(text), 1)[0]
    return first if len(first) <= most else first[: most - 1].rstrip() + "\u2026"


def arxiv_abs(paper_id: str) -> str:
    """The arXiv abstract page of an arXiv id."""
    return f"https://arxiv.org/abs/{paper_id}"


def links(paper: Paper, appearances: list[Appearance]) -> dict[str, str]:
    """The paper's arXiv abstract, PDF, Hugging Face, DOI, code and project links that apply.

    Every kind is an http(s) URL or left out, whatever the store holds (sanitize.link).
    """
    out: dict[str, str | None] = {}
    if is_arxiv_id(paper.id):
        out["arxiv"] = arxiv_abs(paper.id)
        out["pdf"] = f"https://arxiv.org/pdf/{paper.id}"
        if any(a.list.startswith("hf-") for a in appearances):
            out["hf"] = f"https://huggingface.co/papers/{paper.id}"
    else:
        out["page"] = paper.url
    if paper.doi:
        out["doi"] = f"https://doi.org/{paper.doi}"
    out["code"], out["project"] = paper.code_url, paper.project_url
    return {name: safe for name, url in out.items() if (safe := sanitize.link(url))}


def slug(paper_id: str) -> str:
    """A file-name-safe, collision-free name for a paper id."""
    if _PLAIN_ID.fullmatch(paper_id):
        return paper_id
    if paper_id.startswith("title:"):
        return "title-" + paper_id[6:]
    safe = re.sub(r"[^A-Za-z0-9.-]+", "-", paper_id).strip("-.")[:60]
    if re.fullmatch(r"[a-z-]+/\d{7}", paper_id):  # old arXiv ids: the slash is the only special
        return safe
    return f"{safe}-{hashlib.sha1(paper_id.encode()).hexdigest()[:8]}"


def paper_page(paper_id: str) -> str:
    """The archive site's page of a paper (path without extension): the site writes it, the
    digest links to it."""
    return f"paper/{slug(paper_id)}"


def printable(text: str) -> str:
    """Text safe to print on a terminal: each control or direction character becomes U+FFFD,
    one for one, so match spans computed on the text still hold."""
    return CONTROLS.sub(REPLACEMENT, text)
