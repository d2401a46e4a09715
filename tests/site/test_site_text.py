"""Scraped text escaped for Markdown renders as exactly that text, in both renderers."""

from __future__ import annotations

import html
import re

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from payloads import LATEX, XSS

from server.site.markup import md, md_url, rel
from server.text import clean, slug

PY_MD = markdown.Markdown(extensions=["tables", "fenced_code"])
MD_IT = MarkdownIt("commonmark").enable("table")


def python_markdown(text: str) -> str:
    PY_MD.reset()
    return PY_MD.convert(text)


def paragraph_text(rendered: str) -> str:
    """The text of a rendered one-paragraph document (the only tags allowed are <p>)."""
    inner = re.fullmatch(r"<p>(.*)</p>\n?", rendered, re.S)
    assert inner, rendered
    assert "<" not in inner[1], rendered
    return html.unescape(inner[1])


def test_payloads_render_as_their_text_in_both_renderers():
    for payload in [*XSS, LATEX]:
        for render in (python_markdown, MD_IT.render):
            assert paragraph_text(render(md(payload))) == clean(payload), payload


def test_payloads_in_headings_and_link_text_stay_text():
    for payload in XSS:
        rendered = python_markdown(f"# {md(payload)}\n\n[{md(payload)}](paper/x.md)\n")
        assert re.findall(r"<(\w+)", rendered) == ["h1", "p", "a"], payload
        assert re.findall(r'<a href="([^"]*)"', rendered) == ["paper/x.md"]


def test_latex_stays_as_written():
    assert paragraph_text(python_markdown(md(LATEX))) == LATEX


def test_clean_drops_controls_and_direction_overrides():
    assert clean("a\x02b\u202ec\u2066d\x00e\n\tf") == "abcde f"


def test_urls_must_be_http_and_lose_their_specials():
    assert md_url("javascript:alert(1)") == ""
    assert md_url(" data:text/html,x") == ""
    assert md_url('https://ok.example/a)b<c>"d e') == "https://ok.example/a%29b%3Cc%3E%22d%20e"


def test_slugs_are_safe_and_distinct():
    ids = [
        "2401.12345",
        "hep-th/9901001",
        "title:0123456789abcdef",
        "doi:10.1/a(b)",
        "doi:10.1/a-b-",
    ]
    slugs = [slug(i) for i in ids]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[A-Za-z0-9.-]+", s) for s in slugs)


def test_relative_links():
    assert rel("day/2024-08-02", "paper/2401.1") == "../paper/2401.1.md"
    assert rel("index", "day/2024-08-02", ".html") == "day/2024-08-02.html"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_text_renders_as_itself(text):
    expected = clean(text)
    if not expected:
        return
    assert paragraph_text(python_markdown(md(text))) == expected
    assert paragraph_text(MD_IT.render(md(text))) == expected
