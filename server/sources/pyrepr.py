"""Python-repr text of JSON-like data (dicts, lists, strings, numbers, True/False/None) as JSON.

Some saved Hugging Face API dumps hold each item as `repr(item)` (single quotes, True, None).
ast.literal_eval reads those but compiles the text first, at ~480 bytes of memory per input
byte and without letting other threads run; this tokenizer converts the same subset to JSON in
linear time and memory, so the JSON parser can read it.
"""

from __future__ import annotations

import json
import re
import unicodedata

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")
    | (?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<word>True|False|None)
    | (?P<punct>[{}\[\]:,])
    )""",
    re.X | re.S,
)
_WORDS = {"True": "true", "False": "false", "None": "null"}
_ESCAPE = re.compile(
    r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|[0-7]{1,3}|.)", re.S
)
_SIMPLE = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\n": "",
}


class ReprError(ValueError):
    """Text that is not the Python repr of JSON-like data."""


def to_json(text: str) -> str:
    """The JSON form of a Python literal of dicts, lists, strings, numbers, True/False/None."""
    out: list[str] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ReprError(f"unexpected {text[pos : pos + 20]!r} at character {pos}")
        pos = m.end()
        if m["string"] is not None:
            out.append(json.dumps(_unquote(m["string"]), ensure_ascii=False))
        elif m["number"] is not None:
            out.append(_number(m["number"]))
        elif m["word"] is not None:
            out.append(_WORDS[m["word"]])
        else:
            if m["punct"] in "]}" and out and out[-1] == ",":
                out.pop()  # Python allows a trailing comma, JSON does not
            out.append(m["punct"])
    return "".join(out)


def _number(token: str) -> str:
    if any(c in token for c in ".eE"):
        return json.dumps(float(token))
    return str(int(token))  # int() refuses more than 4300 digits: a ValueError, as wanted


def _unquote(literal: str) -> str:
    """The value of a quoted Python string literal (no prefix), escapes decoded."""
    return _ESCAPE.sub(_unescape, literal[1:-1])


def _unescape(m: re.Match) -> str:
    code = m[1]
    if code[0] in "xuU" and len(code) > 1:
        return chr(int(code[1:], 16))  # ValueError above U+10FFFF
    if code[0] == "N" and code.startswith("N{"):
        try:
            return unicodedata.lookup(code[2:-1])
        except KeyError:
            raise ReprError(f"unknown character name {code!r}") from None
    if code[0] in "01234567":
        return chr(int(code, 8))
    return _SIMPLE.get(code, "\\" + code)  # Python keeps an unknown escape as written
