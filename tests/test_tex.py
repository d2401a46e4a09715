"""TeX spans to MathML (server/tex.py): what renders, what stays text, and that nothing hostile
gets through the allowlist."""

from __future__ import annotations

import html
import re

import pytest
from xss_payloads import load

from server import tex


def test_a_span_becomes_mathml_and_the_rest_is_escaped():
    out = tex.render("Sort <fast> in $O(n \\log n)$ time", html.escape)
    assert out.startswith("Sort &lt;fast&gt; in <math ")
    assert "<mi>log</mi>" in out and out.endswith("</math> time")
    assert tex.count("Sort in $O(n \\log n)$ and $x_i^2$") == (2, 0)


@pytest.mark.parametrize(
    "text",
    ["costs $5 and $10", "a $ sign", "$$", "$ x$", "escaped \\$x$ dollar", "$$x^2$$"],
)
def test_dollars_that_are_not_math_stay_text(text):
    assert tex.render(text, html.escape) == html.escape(text)


@pytest.mark.parametrize(
    "span",
    [
        "\\frac{a}{",
        "\\href{javascript:alert(1)}{x}",
        "\\url{http://evil.example}",
        "\\includegraphics{/etc/passwd}",
        "x" * (tex.MAX_SPAN + 1),
    ],
)
def test_what_does_not_parse_or_links_stays_its_source(span):
    text = f"before ${span}$ after"
    out = tex.render(text, html.escape)
    assert "<math" not in out and out == html.escape(text)


def test_hostile_text_in_and_around_spans_never_makes_markup():
    for payload in load():
        for text in (payload, f"${payload}$", f"x ${payload[:200]}$ y {payload}"):
            out = tex.render(text, html.escape)
            for tag, attrs in re.findall(r"<([a-zA-Z][\w-]*)([^>]*)>", out):
                assert tag in tex.ELEMENTS, (text[:80], tag)
                names = re.findall(r"([\w:-]+)=", attrs)
                assert set(names) <= tex.ATTRIBUTES, (text[:80], names)


def test_spans_per_text_are_bounded():
    text = " ".join(["$x$"] * (tex.MAX_SPANS + 10))
    assert tex.count(text)[0] == tex.MAX_SPANS


def test_the_spaces_around_math_stay_with_an_escaper_that_trims():
    out = tex.render("sort in $O(n)$ time", lambda text: text.strip().upper())
    assert out.startswith("SORT IN <math ") and out.endswith("</math> TIME")
