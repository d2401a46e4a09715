"""Text as every surface shows it: what a terminal, a page or a mail may safely print."""

from __future__ import annotations

import re

from server.sanitize import UNSAFE_CHARS

# what sanitize drops from stored text, but tab and newline, which a terminal shows as such
CONTROLS = re.compile(f"(?![\t\n])[{UNSAFE_CHARS}]")
REPLACEMENT = "\ufffd"


def printable(text: str) -> str:
    """Text safe to print on a terminal: each control or direction character becomes U+FFFD,
    one for one, so match spans computed on the text still hold."""
    return CONTROLS.sub(REPLACEMENT, text)
