"""Text as every surface shows it: what a terminal, a page or a mail may safely print."""

from __future__ import annotations

import re

# C0 (but tab and newline), DEL, C1, and the direction marks, embeddings, overrides and isolates
# that reorder what a reader sees (U+061C, U+200E/F, U+202A-E, U+2066-9).
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


def printable(text: str) -> str:
    """Text safe to print on a terminal: each control or direction character becomes U+FFFD,
    one for one, so match spans computed on the text still hold."""
    return CONTROLS.sub(REPLACEMENT, text)
