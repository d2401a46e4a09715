"""The parsers, one module per page kind, and `detect`, which picks the parser for a page.

Every parser module has KIND (a short name), DESCRIPTION (what pages it reads),
`matches(text, url) -> bool` (a cheap sniff of the URL and content) and the pure
`parse(text, url=None) -> Listing`. Parsers degrade: a broken item is skipped and
reported in `Listing.problems`; a page they cannot read at all raises ParseError.
`parse` here runs each page within a time and memory budget (budget.py). hf_hub.py reads the
Hugging Face Hub's repository lists (no papers, so not a page kind): `artifacts` runs it within
the same budget.
"""

from __future__ import annotations

from types import ModuleType

from server.models import Artifact, Listing, Problem
from server.sources import (
    arxiv_abs,
    arxiv_atom,
    arxiv_list,
    arxiv_oai,
    arxiv_rss,
    arxiv_search,
    budget,
    hf_api,
    hf_hub,
    hf_page,
    meta_page,
    text_listing,
)
from server.sources.budget import PAGE_SECONDS, BudgetExceeded
from server.sources.errors import ParseError

__all__ = [
    "BudgetExceeded",
    "PAGE_SECONDS",
    "PARSERS",
    "ParseError",
    "artifacts",
    "decode",
    "detect",
    "parse",
    "unwrap",
]

# Order matters: the most specific sniffs first, plain text last.
PARSERS: tuple[ModuleType, ...] = (
    hf_api,
    arxiv_oai,
    arxiv_atom,
    arxiv_rss,
    hf_page,
    arxiv_list,
    arxiv_search,
    arxiv_abs,
    meta_page,
    text_listing,
)


def decode(data: bytes) -> str:
    """Page bytes as text; ParseError for empty or binary data."""
    if not data.strip():
        raise ParseError("the file is empty")
    if b"\x00" in data[:8192]:
        raise ParseError("the file is binary, not a page or a data dump")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def unwrap(text: str, url: str | None) -> tuple[str, str | None]:
    """Unwrap a recorded HTTP response ({url, status_code, body}) into its body and URL."""
    head = text.lstrip()[:400]
    if not head.startswith("{") or '"body"' not in text or '"status_code"' not in text:
        return text, url
    try:
        record = budget.load_json(text)
    except (ValueError, RecursionError):
        return text, url
    if isinstance(record, dict) and isinstance(record.get("body"), str):
        saved_url = record.get("url") if isinstance(record.get("url"), str) else None
        return _repair_mojibake(record["body"]), url or saved_url
    return text, url


def _repair_mojibake(text: str) -> str:
    """Undo UTF-8 bytes that a recorder decoded as Latin-1 ('WÃ¼bben' -> 'Wübben')."""
    if "\u00c3" not in text and "\u00c2" not in text:
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def detect(text: str, url: str | None = None) -> ModuleType:
    """The parser module for this page; ParseError naming the supported kinds if none fits."""
    if not text.strip():
        raise ParseError("the page is empty")
    for module in PARSERS:
        if module.matches(text, url):
            return module
    kinds = "; ".join(f"{m.KIND} ({m.DESCRIPTION})" for m in PARSERS)
    raise ParseError(f"not a page kind Paperboy knows. Supported kinds: {kinds}")


def parse(
    text: str,
    url: str | None = None,
    page: str | None = None,
    seconds: float = budget.PAGE_SECONDS,
    memory_mb: int = budget.PAGE_MEMORY_MB,
) -> Listing:
    """Detect the page kind and parse it within a time and memory budget (errors name `page`)."""
    with budget.page_budget(page or url or "the page", seconds, memory_mb):
        text, url = unwrap(text, url)
        return detect(text, url).parse(text, url)


def artifacts(
    text: str,
    url: str,
    kind: str,
    seconds: float = budget.PAGE_SECONDS,
    memory_mb: int = budget.PAGE_MEMORY_MB,
) -> tuple[list[Artifact], list[Problem]]:
    """The Hub repositories (of `kind`) in one /api/models, /api/datasets or /api/spaces answer,
    read within the page budget; ParseError naming url when it is no list of repositories."""
    with budget.page_budget(url, seconds, memory_mb):
        return hf_hub.read(text, url, kind)
