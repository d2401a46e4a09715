"""text_listing reads plain-text copies of a listing: header, then title / blank / abstract."""

from pathlib import Path

import pytest

from server import sources
from server.models import Problem, title_id
from server.sources import ParseError, text_listing

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
TRENDING = DEMO / "trending-2024-08-02.txt"
ENTRY = "A Title Line\n\n" + "An abstract sentence that goes on for a while. " * 4 + "\n"


def seed_blocks(seed: Path) -> tuple[list[str], list[str]]:
    """Titles and abstracts read straight from the seed's lines: 5 header lines, then pairs."""
    lines = [line for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[:5] == [
        "new",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "byAK and the research community",
        "Mar 13",
    ]
    return lines[5::2], lines[6::2]


def test_seed_titles_and_abstracts(seed):
    titles, abstracts = seed_blocks(seed)
    listing = text_listing.parse(seed.read_text(encoding="utf-8"))
    assert (listing.kind, len(listing.papers), listing.problems) == ("text", 112, [])
    assert [p.title for p in listing.papers] == titles
    assert [p.abstract for p in listing.papers] == abstracts
    first = listing.papers[0]
    assert first.title == "ModuleFormer: Learning Modular Large Language Models From Uncurated Data"
    assert first.id == title_id(first.title)
    assert (first.authors, first.published) == ([], None)


def test_seed_date_has_no_year_so_no_appearances(seed):
    listing = text_listing.parse(seed.read_text(encoding="utf-8"), seed.as_uri())
    assert (listing.date, listing.appearances) == (None, [])


def test_url_date_gives_appearances(seed):
    listing = text_listing.parse(seed.read_text(encoding="utf-8"), "file:///copies/2024-03-13.txt")
    assert listing.date == "2024-03-13"
    assert [(a.list, a.rank, a.date) for a in listing.appearances[:2]] == [
        ("text", 1, "2024-03-13"),
        ("text", 2, "2024-03-13"),
    ]
    assert len(listing.appearances) == 112


def test_demo_copy_with_a_full_date():
    listing = text_listing.parse(TRENDING.read_text(encoding="utf-8"))
    assert (listing.date, listing.problems) == ("2024-08-02", [])
    assert [p.title for p in listing.papers] == [
        "Sparse Lattice Transformers for Long-Context Reasoning",
        "Self-Correcting Agents with Verifier Feedback",
        "Efficient KV-Cache Compression via Low-Rank Projection",
        "Diffusion Priors for Protein Backbone Design",
        "Robust Reward Models under Distribution Shift",
    ]
    assert "a learned low-rank subspace of dimension $r \\ll d$." in listing.papers[2].abstract
    assert [(a.paper_id, a.rank) for a in listing.appearances] == [
        (p.id, i) for i, p in enumerate(listing.papers, start=1)
    ]
    assert listing.papers[0].id == title_id(
        "Sparse Lattice Transformers for Long-Context Reasoning"
    )


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ("Aug 2, 2024", "2024-08-02"),
        ("Fri, 2 Aug 2024", "2024-08-02"),
        ("2024-08-02", "2024-08-02"),
        ("August 2", None),
        ("Mar 13", None),
    ],
)
def test_header_dates(date_line, expected):
    assert text_listing.parse(f"Daily Papers\n\n{date_line}\n\n{ENTRY}").date == expected


def test_hard_wrapped_abstracts_are_unwrapped():
    text = "Subscribe\n\nWrapped Title\n\nFirst line of the abstract\ncontinues here " + "x" * 300
    listing = text_listing.parse(text)
    assert listing.papers[0].abstract.startswith("First line of the abstract continues here x")


def test_broken_entries_are_skipped_and_reported():
    paragraph = "A paragraph with no title above it, which cannot be a paper. " * 6
    text = (
        ENTRY
        + "\nLonely Title Without Abstract\n\n"
        + ENTRY
        + "\nOther Title\n\n"
        + paragraph
        + "\n\n"
        + paragraph
        + "\n"
    )
    listing = text_listing.parse(text)
    assert [(p.title, bool(p.abstract)) for p in listing.papers] == [
        ("A Title Line", True),
        ("Lonely Title Without Abstract", False),
        ("Other Title", True),
    ]
    assert listing.problems == [
        Problem("A Title Line", f"duplicate id {title_id('A Title Line')}"),
        Problem(paragraph[:60], "a paragraph without a title"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html><body>x</body></html>", "HTML or JSON"),
        ('{"a": 1}', "HTML or JSON"),
        ("just one line", "no papers in this text"),
        ("Title\n\nshort", "no papers in this text"),
    ],
)
def test_unreadable_text_is_a_parse_error(text, message):
    with pytest.raises(ParseError, match=message):
        text_listing.parse(text)


def test_truncated_copies_give_listing_or_parse_error(seed):
    for text in (seed.read_text(encoding="utf-8"), TRENDING.read_text(encoding="utf-8")):
        for cut in range(0, len(text), len(text) // 17):
            try:
                listing = text_listing.parse(text[:cut])
            except ParseError:
                continue
            assert all(p.title for p in listing.papers)


def test_matches_plain_text_listings_only(seed):
    assert text_listing.matches(seed.read_text(encoding="utf-8"), None)
    assert text_listing.matches(TRENDING.read_text(encoding="utf-8"), TRENDING.as_uri())
    assert text_listing.matches(ENTRY, None)
    assert not text_listing.matches("  <html>\n\n" + ENTRY, None)
    assert not text_listing.matches("[" + ENTRY, None)
    assert not text_listing.matches("hello\n\nworld", None)
