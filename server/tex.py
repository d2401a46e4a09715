"""TeX math in titles and abstracts (`$O(n \\log n)$`) as MathML, for pages read without
JavaScript: the archive site and the e-mail digest. The popup shows the source text.

`render(text, escape)` is the one entry: the text between math spans goes through the surface's
own escaper (Markdown for the site, HTML for the digest); each `$...$` span becomes MathML made
by latex2mathml, or stays its escaped source when it does not parse, is too long, or holds a
command that names a link or a file (`\\href`, `\\url`, `\\includegraphics`...). What
latex2mathml writes is then checked against an allowlist of MathML elements and attributes, so
no input can smuggle a script, a link or a style through it: anything else falls back to the
source too. `count(text)` says how many spans render and how many fall back (the benchmark).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from xml.etree import ElementTree

MAX_SPAN = 300  # characters of TeX in one span: longer ones stay text
MAX_SPANS = 60  # per text: the rest stay text
# $...$ with no $ inside, not $$, not empty, not starting or ending with a space (so "$5 and
# $10" is not math), and no backslash-escaped dollar
_SPAN = re.compile(
    r"(?<![\\$])\$(?!\s)([^$\n]{1,LONGEST}?)(?<![\s\\])\$(?!\$)".replace("LONGEST", str(MAX_SPAN))
)
_REFUSED = re.compile(r"\\(href|url|includegraphics|input|include|write|def|newcommand|html)\b")
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot mover munder "
    "munderover mtable mtr mtd mstyle mpadded mphantom menclose mfenced semantics annotation "
    "mmultiscripts mprescripts none merror".split()
)
ATTRIBUTES = frozenset(
    "xmlns display mathvariant stretchy fence separator lspace rspace accent accentunder "
    "movablelimits largeop symmetric minsize maxsize columnalign rowalign columnspacing "
    "rowspacing columnlines rowlines frame linethickness width height depth notation "
    "displaystyle scriptlevel form open close separators encoding".split()
)


def spans(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_math) in order; math pieces without their dollars."""
    out: list[tuple[str, bool]] = []
    last = 0
    for n, m in enumerate(_SPAN.finditer(text)):
        if n >= MAX_SPANS:
            break
        out += [(text[last : m.start()], False), (m[1], True)]
        last = m.end()
    out.append((text[last:], False))
    return [(piece, math) for piece, math in out if piece]


@lru_cache(maxsize=4096)
def mathml(tex: str) -> str | None:
    """The MathML of one TeX span, or None when it does not parse or fails the allowlist."""
    if _REFUSED.search(tex):
        return None
    try:
        from latex2mathml.converter import convert

        made = convert(tex)
    except Exception:  # latex2mathml raises many kinds on bad input: each means "not math"
        return None
    try:
        tree = ElementTree.fromstring(made)
    except ElementTree.ParseError:
        return None
    for node in tree.iter():
        name = node.tag.removeprefix(_MATHML)
        if name not in ELEMENTS or any(a not in ATTRIBUTES for a in node.attrib):
            return None
    return made


def render(text: str, escape: Callable[[str], str]) -> str:
    """The text with each math span as MathML (or its escaped source) and the rest escaped."""
    out = []
    for piece, is_math in spans(text):
        made = mathml(piece.strip()) if is_math else None
        if made is not None:
            out.append(made)
        elif is_math:
            out.append(escape(f"${piece}$"))
        else:  # an escaper may trim (the site's md() does): the spaces around math stay
            core = piece.strip()
            lead, tail = piece[: len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()) :]
            out.append(lead + escape(core) + tail if core else piece)
    return "".join(out)


def count(text: str) -> tuple[int, int]:
    """(spans that render, spans that stay text) in a text."""
    done = [mathml(piece.strip()) is not None for piece, is_math in spans(text) if is_math]
    return sum(done), len(done) - sum(done)
