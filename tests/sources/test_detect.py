"""detect() picks the right parser for every page kind, and names the kinds it knows otherwise."""

from pathlib import Path

import pytest

from server import sources
from server.sources import ParseError, decode, detect, unwrap

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
META = Path(__file__).resolve().parent.parent / "fixtures" / "meta"

DEMO_KINDS = {
    "hf-daily-2024-08-02.html": "hf-page",
    "hf-daily-2024-08-05.html": "hf-page",
    "hf-api-2024-08-05.json": "hf-api",
    "trending-2024-08-02.txt": "text",
    "arxiv-cs-new-2024-08-02.html": "arxiv-list",
    "arxiv-search-reward.html": "arxiv-search",
    "arxiv-abs-2408.90003.html": "arxiv-abs",
    "arxiv-api-demo.xml": "arxiv-atom",
    "arxiv-rss-cs.LG-2024-08-02.xml": "arxiv-rss",
    "arxiv-oai-demo.xml": "arxiv-oai",
}

CORPUS_KINDS = {
    "hf/daily": "hf-page",
    "hf/api-daily-papers": "hf-api",
    "arxiv/abs": "arxiv-abs",
    "arxiv/atom": "arxiv-atom",
    "arxiv/list-month": "arxiv-list",
    "arxiv/list-new": "arxiv-list",
    "arxiv/rss": "arxiv-rss",
}


def kind_of(path: Path, url: str | None = None) -> str:
    text, url = unwrap(decode(path.read_bytes()), url or path.resolve().as_uri())
    return detect(text, url).KIND


@pytest.mark.parametrize(("name", "kind"), sorted(DEMO_KINDS.items()))
def test_every_demo_page_is_detected(name, kind):
    assert kind_of(DEMO / name) == kind


def test_every_demo_page_is_listed_here():
    assert sorted(p.name for p in DEMO.iterdir() if p.is_file()) == sorted(DEMO_KINDS)


def test_generic_paper_pages_are_detected():
    pages = sorted(META.glob("*.html"))
    assert len(pages) >= 4
    assert {kind_of(p) for p in pages} == {"meta-page"}


@pytest.mark.parametrize(("folder", "kind"), sorted(CORPUS_KINDS.items()))
def test_every_corpus_page_is_detected(corpus, folder, kind):
    files = sorted((corpus / folder).iterdir())
    assert files
    for path in files:
        assert kind_of(path) == kind, path.name


def test_seed_is_a_text_listing(seed):
    assert kind_of(seed) == "text"


def test_bulk_samples_are_detected(corpus):
    hf = sorted((corpus / "bulk").glob("hf-daily-papers-api_*/*.json"))
    oai = sorted((corpus / "bulk").glob("arxiv-oai-pmh-*/*.xml"))
    for path in hf[:3] + hf[200:203] + hf[-3:]:
        assert kind_of(path) == "hf-api", path
    assert kind_of(oai[0]) == "arxiv-oai"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "<html><body><h1>Cooking with garlic</h1><p>Chop it.</p></body></html>",
            "Supported kinds",
        ),
        ('{"weather": "sunny", "temperature": 21}', "Supported kinds"),
        ("   \n\t ", "empty"),
    ],
)
def test_unknown_pages_get_a_clear_error(text, message):
    with pytest.raises(ParseError, match=message) as info:
        sources.parse(text, "https://example.com/page")
    if message == "Supported kinds":
        for module in sources.PARSERS:
            assert module.KIND in str(info.value)


def test_decode_refuses_empty_and_binary():
    with pytest.raises(ParseError, match="empty"):
        decode(b"")
    with pytest.raises(ParseError, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert decode("caf\u00e9".encode("cp1252")) == "caf\u00e9"
    assert decode("\ufeff<html>".encode()) == "<html>"


def test_recorded_responses_are_unwrapped_and_repaired(corpus):
    name = "2026-04-12_id-list-1invalid-1valid_recorded-response_lukasschwab-arxiv.py.json"
    path = corpus / "arxiv" / "atom" / name
    listing = sources.parse(path.read_text(encoding="utf-8"))
    assert listing.kind == "arxiv-atom"
    assert "Dirk W\u00fcbben" in listing.papers[0].authors
