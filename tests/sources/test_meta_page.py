"""meta_page: hand-made landing pages in the styles of OpenReview, ACL Anthology, PMLR, bioRxiv."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.models import title_id
from server.sources import meta_page
from server.sources.errors import ParseError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def read_fixture(name: str) -> str:
    """One of our hand-written pages under tests/fixtures."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def _only(listing):
    assert listing.kind == "meta-page"
    assert listing.appearances == [] and listing.problems == []
    assert len(listing.papers) == 1
    return listing.papers[0]


def test_openreview_style_page_gets_a_title_id():
    url = "https://openreview.net/forum?id=Qx7Gt2Unc8"
    paper = _only(meta_page.parse(read_fixture("meta/openreview.html"), url))
    assert paper.id == title_id("Calibrated Uncertainty for Graph Transformers")
    assert paper.title == "Calibrated Uncertainty for Graph Transformers"
    assert paper.authors == ["Mina Park", "Omar Farouk", "Lucía Fernández"]
    assert paper.abstract.startswith(
        "We calibrate the predictive uncertainty of graph transformers "
        "with a temperature that depends on node degree."
    )
    assert paper.published == "2024-01-16"
    assert paper.journal_ref == "The Twelfth International Conference on Learning Representations"
    assert paper.url == url and paper.doi is None and paper.version is None


def test_acl_style_page_gets_a_doi_id():
    paper = _only(meta_page.parse(read_fixture("meta/acl.html"), None))
    assert paper.id == "doi:10.18653/v1/2024.acl-long.412"
    assert paper.doi == "10.18653/v1/2024.acl-long.412"
    assert paper.title == "Cross-Lingual Transfer for Low-Resource Summarization"
    assert paper.authors == ["Chiamaka Okonkwo", "Erik Lindqvist"]  # from "Last, First"
    assert paper.published is None  # "2024/8" is not a full date
    assert paper.abstract == ""  # the page has no citation_abstract; og:description is a citation
    assert paper.journal_ref.startswith("Proceedings of the 62nd Annual Meeting")
    assert paper.url == "https://aclanthology.org/2024.acl-long.412"


def test_pmlr_style_page():
    url = "https://proceedings.mlr.press/v235/zhang24kv.html"
    paper = _only(meta_page.parse(read_fixture("meta/pmlr.html"), url))
    assert paper.id == title_id("Efficient KV-Cache Compression via Low-Rank Projection")
    assert paper.authors == ["Wei Zhang", "María García"]
    assert paper.published == "2024-07-08"
    assert (
        paper.journal_ref == "Proceedings of the 41st International Conference on Machine Learning"
    )
    assert paper.url == url


def test_biorxiv_style_page_with_highwire_and_dublin_core():
    paper = _only(meta_page.parse(read_fixture("meta/biorxiv.html"), "file:///tmp/biorxiv.html"))
    assert paper.id == "doi:10.1101/2024.08.02.606123"
    assert paper.title == "Single-Cell Atlas of Axolotl Limb Regeneration"
    assert paper.authors == ["Ines Duarte", "Karl Weber"]
    assert paper.abstract.startswith("We profile 210,000 cells")
    assert paper.published == "2024-08-04"
    assert paper.journal_ref == "bioRxiv"
    # A saved file's own URL is no landing page: use the one the page names.
    assert paper.url == "https://www.biorxiv.org/content/10.1101/2024.08.02.606123v1.abstract"


def test_json_ld_page_with_arxiv_same_as():
    paper = _only(meta_page.parse(read_fixture("meta/jsonld.html"), None))
    assert (paper.id, paper.version) == ("2408.90008", 1)
    assert paper.title == "Graph Neural Operators for Weather Nowcasting"
    assert paper.authors == ["Jonas Berg", "Aiko Sato"]
    assert paper.published == "2024-08-01"
    assert paper.abstract.startswith("We model precipitation fields as functions on a mesh")
    assert paper.url == "https://papers.example.org/2408.90008"


def test_dublin_core_only_page():
    page = """<html><head><meta name="DC.title" content="Title: A Dublin Core Paper">
    <meta name="DC.creator" content="Moreau, Ada"><meta name="DC.creator" content="Kenji Ito">
    <meta name="DC.date" content="2024-08-02">
    <meta name="DC.identifier" content="doi:10.1234/ABC.5">
    <meta name="dc.description" content="An abstract."></head><body></body></html>"""
    paper = _only(meta_page.parse(page, "https://example.org/p/5"))
    assert (paper.id, paper.doi) == ("doi:10.1234/abc.5", "10.1234/ABC.5")
    assert paper.title == "A Dublin Core Paper"
    assert paper.authors == ["Ada Moreau", "Kenji Ito"]
    assert (paper.published, paper.abstract) == ("2024-08-02", "An abstract.")


def test_arxiv_id_from_citation_tags_wins_over_doi():
    page = """<html><head><meta name="citation_title" content="Sparse Lattice Transformers">
    <meta name="citation_doi" content="10.9999/slt"><meta name="citation_pdf_url"
    content="https://arxiv.org/pdf/2408.90001v3"></head></html>"""
    paper = _only(meta_page.parse(page, None))
    assert (paper.id, paper.version, paper.doi) == ("2408.90001", 3, "10.9999/slt")
    page = (
        '<html><head><meta name="citation_title" content="Sparse Lattice Transformers">'
        '<meta name="citation_arxiv_id" content="arXiv:2408.90001"></head></html>'
    )
    assert _only(meta_page.parse(page, None)).id == "2408.90001"


@pytest.mark.parametrize("name", ["openreview", "acl", "pmlr", "biorxiv", "jsonld"])
def test_detection(name):
    assert meta_page.matches(read_fixture(f"meta/{name}.html"), None)


def test_detection_rejects_plain_pages():
    assert not meta_page.matches("<html><body><h1>My blog</h1></body></html>", None)
    assert not meta_page.matches("citation_title appears in this text file", None)


def test_page_without_title_is_a_problem():
    page = '<html><head><meta name="citation_doi" content="10.1234/x"></head></html>'
    listing = meta_page.parse(page, None)
    assert listing.papers == []
    assert [(p.item, p.reason) for p in listing.problems] == [
        ("doi:10.1234/x", "page names no paper title")
    ]


def test_page_without_metadata_is_a_parse_error():
    with pytest.raises(ParseError, match="no paper metadata"):
        meta_page.parse("<html><body><p>hello</p></body></html>", None)


def test_broken_json_ld_is_ignored():
    page = (
        '<html><head><script type="application/ld+json">{"@type": "ScholarlyArticle", '
        '</script><meta name="citation_title" content="Still Here"></head></html>'
    )
    assert _only(meta_page.parse(page, None)).title == "Still Here"


def test_truncated_pages_degrade():
    for name in ("openreview", "acl", "pmlr", "biorxiv", "jsonld"):
        text = read_fixture(f"meta/{name}.html")
        for cut in range(0, len(text), 53):
            try:
                listing = meta_page.parse(text[:cut], None)
            except ParseError:
                continue
            assert len(listing.papers) + len(listing.problems) <= 1
