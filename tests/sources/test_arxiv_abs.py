"""arxiv_abs: the real full 2020 and head-only 2023 abstract pages, our demo, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.sources import arxiv_abs
from server.sources.errors import ParseError

DEMO = Path(__file__).resolve().parents[2] / "server" / "demo" / "arxiv-abs-2408.90003.html"
FULL = "arxiv/abs/2004.10162_browse-0.3.0_2020_gfournier-document-scraper.html"
HEAD = "arxiv/abs/1902.02534v2_head-only-trimmed_browse-0.3.4_2023_front-matter-commonmeta-py.html"


def _only(listing):
    assert listing.kind == "arxiv-abs"
    assert listing.appearances == [] and listing.problems == []
    assert len(listing.papers) == 1
    return listing.papers[0]


def test_full_2020_page(corpus):
    paper = _only(arxiv_abs.parse((corpus / FULL).read_text(encoding="utf-8"), None))
    assert paper.id == "2004.10162" and paper.version == 1
    assert paper.title == (
        "EMPIR: Ensembles of Mixed Precision Deep Networks for Increased "
        "Robustness against Adversarial Attacks"
    )
    assert paper.authors == ["Sanchari Sen", "Balaraman Ravindran", "Anand Raghunathan"]
    assert paper.abstract.startswith(
        "Ensuring robustness of Deep Neural Networks (DNNs) is crucial "
        "to their adoption in safety-critical applications"
    )
    assert "(<25% in our evaluations)" in paper.abstract
    assert paper.abstract.endswith("without sacrificing accuracy on the unperturbed inputs.")
    assert (paper.published, paper.updated) == ("2020-04-21", "2020-04-21")
    assert paper.categories == ["cs.LG", "cs.CV", "stat.ML"]
    assert paper.comments == "Published as a conference paper at ICLR 2020"
    assert paper.journal_ref is None and paper.doi is None


def test_head_only_page_uses_meta_tags(corpus):
    paper = _only(arxiv_abs.parse((corpus / HEAD).read_text(encoding="utf-8"), None))
    assert paper.id == "1902.02534"
    assert paper.version == 2  # from og:url https://arxiv.org/abs/1902.02534v2
    assert paper.title == (
        "Crowdsourcing open citations with CROCI -- An analysis of the current "
        "status of open citations, and a proposal"
    )
    assert paper.authors == ["Ivan Heibi", "Silvio Peroni", "David Shotton"]
    assert paper.abstract.startswith(
        "In this paper, we analyse the current availability of open citations data"
    )
    assert paper.abstract.endswith("CROCI, the Crowdsourced Open Citations Index.")
    assert (paper.published, paper.updated) == ("2019-02-07", "2019-06-21")
    assert paper.categories == [] and paper.comments is None


def test_demo_2024_page():
    paper = _only(
        arxiv_abs.parse(DEMO.read_text(encoding="utf-8"), "https://arxiv.org/abs/2408.90003")
    )
    assert (paper.id, paper.version) == ("2408.90003", 2)
    assert paper.title == "Self-Correcting Agents with Verifier Feedback"
    assert paper.authors == ["Marcus Chen", "Ife Okafor", "Sara Lind"]
    assert paper.abstract == (
        "Language-model agents often commit to early mistakes. We pair an agent with a learned "
        "verifier that scores intermediate steps and triggers targeted revisions, raising task "
        "success on web and coding benchmarks by 12 points without extra human labels."
    )
    assert (paper.published, paper.updated) == ("2024-08-01", "2024-08-05")
    assert paper.categories == ["cs.AI"]
    assert paper.comments == "22 pages; the verifier doubles as a process reward model"
    assert paper.doi is None  # the arXiv-issued DataCite DOI is not a journal DOI


def test_journal_reference_and_doi_rows():
    row = (
        '<tr><td class="tablecell label">Journal&nbsp;reference:</td>'
        '<td class="tablecell jref">Nature 600, 1-5 (2024)</td></tr>'
        '<tr><td class="tablecell label"><abbr>DOI</abbr>:</td><td class="tablecell msc_classes">'
        '<a href="https://doi.org/10.1038/s41586-024-00001-x">10.1038/s41586-024-00001-x</a>'
        '</td></tr><tr><td class="tablecell label">Report&nbsp;number:</td>'
        '<td class="tablecell jref">TR-7</td></tr>'
    )
    page = DEMO.read_text(encoding="utf-8").replace(
        '<tr>\n          <td class="tablecell label">Cite',
        row + '<tr>\n          <td class="tablecell label">Cite',
    )
    paper = _only(arxiv_abs.parse(page, None))
    assert paper.journal_ref == "Nature 600, 1-5 (2024)"
    assert paper.doi == "10.1038/s41586-024-00001-x"


def test_detection(corpus):
    assert arxiv_abs.matches(DEMO.read_text(encoding="utf-8"), None)
    assert arxiv_abs.matches((corpus / HEAD).read_text(encoding="utf-8"), None)
    assert arxiv_abs.matches("", "https://arxiv.org/abs/2408.90003v2")
    plain = '<html><head><meta name="citation_title" content="X"></head></html>'
    assert not arxiv_abs.matches(plain, "https://openreview.net/forum?id=abc")


def test_page_without_title_is_a_problem():
    page = DEMO.read_text(encoding="utf-8").replace(
        "Self-Correcting Agents with Verifier Feedback", ""
    )
    listing = arxiv_abs.parse(page, None)
    assert listing.papers == []
    assert [(p.item, p.reason) for p in listing.problems] == [("2408.90003", "page has no title")]


def test_page_without_any_id_is_a_parse_error():
    with pytest.raises(ParseError, match="no arXiv id"):
        arxiv_abs.parse('<html><head><meta name="citation_title" content="A paper"></head></html>')


def test_truncated_pages_degrade(corpus):
    for text in (DEMO.read_text(encoding="utf-8"), (corpus / FULL).read_text(encoding="utf-8")):
        for cut in range(0, len(text), max(1, len(text) // 50)):
            try:
                listing = arxiv_abs.parse(text[:cut], None)
            except ParseError:
                continue
            assert len(listing.papers) + len(listing.problems) == 1
