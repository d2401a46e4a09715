"""The shared hostile strings of tests/xss_payloads.txt, decoded: load() gives them as a list."""

from __future__ import annotations

import functools
import re
from pathlib import Path

FILE = Path(__file__).resolve().parent / "xss_payloads.txt"
_ESCAPE = re.compile(r"\\(?:([ntr\\])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def decode(line: str) -> str:
    """One payload line with its escapes (\\n, \\t, \\xNN, \\uNNNN, ...) turned into characters."""

    def char(match: re.Match) -> str:
        simple, *codes = match.groups()
        return _SIMPLE[simple] if simple else chr(int(next(c for c in codes if c), 16))

    text = _ESCAPE.sub(char, line)
    if line.startswith("@long "):
        _, size, unit = _ESCAPE.sub(char, line).split(" ", 2)
        text = (unit * (int(size) // len(unit) + 1))[: int(size)]
    return text


@functools.cache
def _load() -> tuple[str, ...]:
    lines = FILE.read_text(encoding="utf-8").split("\n")
    return tuple(decode(line) for line in lines if line and not line.startswith("#"))


def load() -> list[str]:
    """Every payload in the file, decoded, in file order."""
    return list(_load())
