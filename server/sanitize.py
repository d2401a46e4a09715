"""What stored text and links may hold: no control or direction characters, http(s) links only.

Every parser's output, every listing the store writes and every link the API serves passes
through here, so no title, author or link can carry a terminal escape (ESC/CSI screen clears,
OSC 8 links, OSC 52 clipboard writes, C1 controls), a bidi control that reorders what a reader
sees, or a file:, javascript: or data: URL. No stored field keeps line breaks (parsers collapse
whitespace), so tabs and newlines become spaces like the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from urllib.parse import urlsplit

from server.models import Appearance, Listing, Paper, Problem

# C0 and C1 controls and DEL; Arabic letter mark, LRM/RLM, bidi embeddings, overrides and
# isolates; lone surrogates (which SQLite cannot store as UTF-8 either).
UNSAFE_CHARS = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
_SPACES = re.compile("[\t\n\x0b\x0c\r]")
_LINKS = ("url", "code_url", "project_url")


def text(value: str | None) -> str | None:
    """The text with tabs and line breaks as spaces and every other unsafe character dropped."""
    if not value or not _UNSAFE.search(value):
        return value
    return _UNSAFE.sub("", _SPACES.sub(" ", value))


def is_clean(value: str) -> bool:
    """True when the text holds no control or direction character."""
    return _UNSAFE.search(value) is None


def link(url: str | None) -> str | None:
    """The URL, cleaned, when it is an absolute http(s) URL with a host; else None."""
    url = (text(url) or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def names(values: list[str]) -> list[str]:
    """Each string cleaned; those left empty dropped (authors, categories)."""
    cleaned = (text(v) for v in values if isinstance(v, str))
    return [v.strip() for v in cleaned if v and v.strip()]


def names_json(value: str | None) -> str | None:
    """A stored JSON list of names, cleaned (for the store's migration); other values as given."""
    try:
        data = json.loads(value) if value else None
    except ValueError:
        return value
    if not isinstance(data, list):
        return value
    cleaned = names(data)
    return value if cleaned == data else json.dumps(cleaned, ensure_ascii=False)


def paper(p: Paper) -> Paper:
    """The paper with every text field cleaned and every link http(s) or None."""
    changes: dict[str, object] = {}
    for f in fields(p):
        value = getattr(p, f.name)
        if f.name in _LINKS:
            new = link(value)
        elif isinstance(value, str):
            new = text(value)
        elif isinstance(value, list):
            new = names(value)
        else:
            continue
        if new != value:
            changes[f.name] = new
    return replace(p, **changes) if changes else p


def appearance(a: Appearance) -> Appearance:
    """The appearance with every text field cleaned."""
    changes = {
        f.name: text(getattr(a, f.name))
        for f in fields(a)
        if isinstance(getattr(a, f.name), str) and not is_clean(getattr(a, f.name))
    }
    return replace(a, **changes) if changes else a


def listing(found: Listing) -> Listing:
    """The listing with clean papers, appearances and problems; its next page http(s) only."""
    return replace(
        found,
        kind=text(found.kind),
        url=text(found.url),  # where the page came from (a file: URI for an import), not a link
        date=text(found.date),
        papers=[paper(p) for p in found.papers],
        appearances=[appearance(a) for a in found.appearances],
        problems=[Problem(text(p.item), text(p.reason)) for p in found.problems],
        next_url=link(found.next_url),
    )
