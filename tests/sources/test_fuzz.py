"""No input makes a parser raise anything but ParseError: random text, mutations, truncations."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import sources
from server.models import Listing
from server.sources import ParseError

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
PAGES = sorted(p.read_text(encoding="utf-8") for p in DEMO.iterdir() if p.is_file())
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


def parses_or_refuses(module, text: str, url: str | None = None) -> None:
    """The contract: a Listing, or the parser's own error type."""
    try:
        result = module.parse(text, url)
    except ParseError:
        return
    assert isinstance(result, Listing)


@st.composite
def mutated_pages(draw):
    """A demo page with a slice cut out, a junk string spliced in, or cut short."""
    page = draw(st.sampled_from(PAGES))
    i = draw(st.integers(0, len(page)))
    j = draw(st.integers(i, min(len(page), i + 400)))
    junk = draw(
        st.sampled_from(
            [
                "",
                "<",
                ">",
                '"',
                "{",
                "}",
                "]]>",
                "&amp",
                "\x00",
                "</dl>",
                "<article>",
                '"paper":',
                "null",
                "\ufffd",
                "<entry>",
                "v99",
            ]
        )
    )
    return page[:i] + junk + page[j:]


@pytest.mark.parametrize("module", sources.PARSERS, ids=lambda m: m.KIND)
@FUZZ
@given(text=st.text(max_size=400))
def test_random_text(module, text):
    parses_or_refuses(module, text)


@pytest.mark.parametrize("module", sources.PARSERS, ids=lambda m: m.KIND)
@FUZZ
@given(text=mutated_pages())
def test_mutated_demo_pages(module, text):
    parses_or_refuses(module, text, "https://arxiv.org/list/cs/new")


@pytest.mark.parametrize("page", range(len(PAGES)))
def test_truncated_demo_pages(page):
    text = PAGES[page]
    for cut in range(0, len(text), 97):
        for module in sources.PARSERS:
            parses_or_refuses(module, text[:cut])


def test_truncated_corpus_pages(corpus):
    files = [
        p
        for p in corpus.rglob("*")
        if p.is_file() and "bulk" not in p.parts and p.suffix in {".html", ".xml", ".json"}
    ]
    assert files
    for path in files:
        text, url = sources.unwrap(path.read_text(encoding="utf-8"), None)
        module = sources.detect(text, url)
        step = max(1024, len(text) // 48)
        for cut in range(1024, len(text), step):
            parses_or_refuses(module, text[:cut], url)


def test_numbers_too_long_for_int_are_junk_not_crashes():
    huge = "9" * 5000  # Python's int() refuses strings over 4,300 digits
    oai = (DEMO / "arxiv-oai-demo.xml").read_text(encoding="utf-8")
    oai = oai.replace('completeListSize="', f'completeListSize="{huge}', 1)
    assert sources.arxiv_oai.parse(oai).total is None
    item = f'[{{"paper": {{"id": "2408.90001", "title": "T", "upvotes": "{huge}"}}}}]'
    listing = sources.hf_api.parse(item, "https://huggingface.co/api/daily_papers?date=2024-08-02")
    assert listing.appearances[0].upvotes is None
