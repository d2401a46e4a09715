"""BibTeX entries read back by a real BibTeX parser (pybtex): no title, author, URL or DOI can
close its field, add a field or an entry, or carry a file or shell command into LaTeX."""

from __future__ import annotations

import re

import pytest
from pybtex.database import parse_string
from xss_payloads import load

from server.bibtex import bibtex, cite_key
from server.models import Paper

UNSAFE = re.compile(r"\\(input|include|write|immediate|openin|def|catcode|csname)(?![A-Za-z])")
PAYLOADS = load()


def _read(entry: str):
    """The one entry pybtex reads from the text (pybtex is strict: bad syntax raises)."""
    entries = parse_string(entry, "bibtex").entries
    assert len(entries) == 1, entry
    return next(iter(entries.items()))


def _words(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def _in_order(needle: str, haystack: str) -> bool:
    """True when every character of needle appears in haystack, in order."""
    found = iter(haystack)
    return all(c in found for c in needle)


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"p{i}" for i in range(len(PAYLOADS))])
def test_a_hostile_title_stays_in_its_field(payload):
    paper = Paper(id="2401.00001", title=payload, authors=["Ada Lovelace"], published="2024-01-02")
    key, entry = _read(bibtex(paper))
    assert key == cite_key(paper)
    assert set(entry.fields) == {"title", "year", "eprint", "archivePrefix", "url"}
    assert entry.fields["url"] == "https://arxiv.org/abs/2401.00001"
    assert entry.fields["year"] == "2024" and entry.fields["eprint"] == "2401.00001"
    assert [str(p) for p in entry.persons["author"]] == ["Lovelace, Ada"]
    title = entry.fields["title"]
    assert not UNSAFE.search(title), title[:200]
    assert _in_order(_words(payload), _words(title)), "the title's words were lost"


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"p{i}" for i in range(len(PAYLOADS))])
def test_a_hostile_author_is_one_author(payload):
    paper = Paper(id="2401.00001", title="Plain", authors=[payload, "Ada Lovelace"])
    _, entry = _read(bibtex(paper))
    assert set(entry.fields) == {"title", "eprint", "archivePrefix", "url"}
    people = entry.persons["author"]
    assert len(people) <= 2 and str(people[-1]) == "Lovelace, Ada"  # a name of symbols: dropped
    assert not UNSAFE.search(str(people[0]))


def test_the_field_closing_title_of_the_issue():
    title = r"a}}, note = {\input{/etc/passwd}}, x = {{b"
    _, entry = _read(bibtex(Paper(id="2401.00001", title=title)))
    assert "note" not in entry.fields and "x" not in entry.fields
    assert "/etc/passwd" in entry.fields["title"]  # kept, as text


def test_nested_math_braces_are_kept():
    title = r"Sorting in $O(n^{2})$ with {BERT} and 50\% less \emph{time} & space"
    _, entry = _read(bibtex(Paper(id="2401.00001", title=title)))
    assert entry.fields["title"] == (
        r"{Sorting in $O(n^{2})$ with {BERT} and 50\% less \emph{time} \& space}"
    )


def test_urls_and_dois_cannot_close_their_field():
    paper = Paper(
        id="doi:10.1/x",
        title="T",
        url="https://example.org/a}, note={x",
        doi="10.1/x}, note = {y",
    )
    _, entry = _read(bibtex(paper))
    assert set(entry.fields) == {"title", "url", "doi"}
    assert entry.fields["url"] == "https://example.org/a,note=x"
