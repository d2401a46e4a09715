"""sanitize: whatever text and links go in, none that comes out carries an unsafe character."""

from __future__ import annotations

import re
from dataclasses import astuple

from hypothesis import given, settings
from hypothesis import strategies as st

from server import sanitize
from server.models import Appearance, Paper

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
TRICKY = st.sampled_from(
    [
        "\x1b[2J",
        "\x9b",
        "\u202e",
        "\u2066",
        "\x00",
        "\t",
        "\n",
        " ",
        "https://",
        "http://a.b/",
        "javascript:",
        "file:///",
        "data:,",
        "[",
        "]",
        "a",
        "é",
        "\ud800",
        "HTTPS://X",
    ]
)
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=8)), max_size=6).map("".join)
OPTIONAL = st.one_of(st.none(), TEXT)


@st.composite
def papers(draw) -> Paper:
    """A Paper whose every text, list and link field is hostile text."""
    return Paper(
        id=draw(TEXT),
        title=draw(TEXT),
        abstract=draw(TEXT),
        authors=draw(st.lists(TEXT)),
        published=draw(OPTIONAL),
        categories=draw(st.lists(TEXT)),
        doi=draw(OPTIONAL),
        comments=draw(OPTIONAL),
        journal_ref=draw(OPTIONAL),
        code_url=draw(OPTIONAL),
        project_url=draw(OPTIONAL),
        url=draw(OPTIONAL),
    )


@settings(max_examples=500, derandomize=True)
@given(papers())
def test_a_cleaned_paper_is_safe_and_cleaning_it_again_changes_nothing(paper):
    clean = sanitize.paper(paper)
    texts = [v for v in astuple(clean) if isinstance(v, str)] + clean.authors + clean.categories
    assert not any(UNSAFE.search(v) for v in texts)
    for url in (clean.url, clean.code_url, clean.project_url):
        assert url is None or url.lower().startswith(("http://", "https://"))
    assert sanitize.paper(clean) is clean  # the quick check agrees with the full one


@settings(max_examples=300, derandomize=True)
@given(TEXT, OPTIONAL, OPTIONAL, OPTIONAL)
def test_a_cleaned_appearance_is_safe(paper_id, category, submitter, section):
    a = Appearance(paper_id, "hf-daily", "2024-08-02", category or "", 1, 2, 3, submitter, section)
    clean = sanitize.appearance(a)
    assert not any(UNSAFE.search(v) for v in astuple(clean) if isinstance(v, str))
    assert sanitize.appearance(clean) is clean
