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
# A URL `link` keeps as it is: http(s), a host, no space, no bracket (urlsplit's IPv6 check)
_PLAIN_HTTP = re.compile(r"(?i)https?://[^/?#\[\]\s][^\[\]\s]*")
_LINKS = ("url", "code_url", "project_url", "thumbnail")
_LISTS = tuple(f.name for f in fields(Paper) if f.default_factory is list)  # authors, categories...
_SCALARS = tuple(f.name for f in fields(Paper) if f.name not in _LINKS + _LISTS)
_APPEARANCE_FIELDS = tuple(f.name for f in fields(Appearance))


def text(value: str | None) -> str | None:
    """The text with tabs and line breaks as spaces and every other unsafe character dropped."""
    if not value or not _UNSAFE.search(value):
        return value
    return _UNSAFE.sub("", _SPACES.sub(" ", value))


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


def _is_clean_paper(p: Paper) -> bool:
    """True when `paper` would change nothing: one search over all the text, then the links."""
    texts = [v for v in map(p.__getattribute__, _SCALARS) if isinstance(v, str)]
    for name in _LISTS:
        items = getattr(p, name)
        if not all(isinstance(x, str) and x and x.strip() == x for x in items):
            return False
        texts += items
    if _UNSAFE.search(" ".join(texts)):
        return False
    return all(u is None or _is_plain_http(u) for u in map(p.__getattribute__, _LINKS))


def _is_plain_http(url: str) -> bool:
    """True for a URL that `link` returns unchanged, found without parsing it."""
    return _PLAIN_HTTP.fullmatch(url) is not None and not _UNSAFE.search(url)


def paper(p: Paper) -> Paper:
    """The paper with every text field cleaned and every link http(s) or None."""
    if _is_clean_paper(p):
        return p  # the common case, and the cheap one
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
    texts = {name: v for name in _APPEARANCE_FIELDS if isinstance(v := getattr(a, name), str)}
    if not _UNSAFE.search(" ".join(texts.values())):
        return a  # the common case: one search
    return replace(a, **{name: text(v) for name, v in texts.items()})


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
