"""arxiv_list: real old /new and 2024 monthly pages, our 2024 /new demo, recent, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.sources import arxiv_list
from server.sources.errors import ParseError

DEMO = Path(__file__).resolve().parents[2] / "server" / "demo" / "arxiv-cs-new-2024-08-02.html"
OLD_NEW = "arxiv/list-new/cs_2018-07-20_old-layout_from-python-string_ravoro-arxiv-helper.html"
MONTH = "arxiv/list-month/cs_2301_show3_browse-0.3.4_nullbio-arxiv-scraper.html"
EMPTY_MONTH = "arxiv/list-month/cs_9101_empty_browse-0.3.4_nullbio-arxiv-scraper.html"


def _read(corpus: Path, name: str) -> str:
    return (corpus / name).read_text(encoding="utf-8")


def _by_id(listing):
    papers = {p.id: p for p in listing.papers}
    places = {a.paper_id: a for a in listing.appearances}
    return papers, places


def test_old_new_page_counts_and_sections(corpus):
    listing = arxiv_list.parse(_read(corpus, OLD_NEW), "https://arxiv.org/list/cs/new")
    assert listing.kind == "arxiv-list"
    assert listing.date == "2018-07-20"
    assert listing.total == 188
    assert listing.problems == []
    # The repo author cut items 7-107: 6 new, 16 cross-lists, 65 replacements remain.
    sections = [a.section for a in listing.appearances]
    assert (sections.count("new"), sections.count("cross-list"), sections.count("replacement")) == (
        6,
        16,
        65,
    )
    assert {a.list for a in listing.appearances} == {"arxiv-new"}
    assert {a.category for a in listing.appearances} == {"cs"}
    assert {a.date for a in listing.appearances} == {"2018-07-20"}
    assert [a.rank for a in listing.appearances][:7] == [1, 2, 3, 4, 5, 6, 108]
    assert listing.appearances[-1].rank == 188


def test_old_new_page_new_submission_fields(corpus):
    papers, places = _by_id(arxiv_list.parse(_read(corpus, OLD_NEW), None))
    first = papers["1807.07067"]
    assert first.title == (
        "A Fixed-Parameter Linear-Time Algorithm to Compute Principal Typings "
        "of Planar Flow Networks"
    )
    assert first.authors == ["Assaf Kfoury"]
    assert first.comments == (
        "12 pages, 0 figures, 13 references. arXiv admin note: text overlap with arXiv:1807.04186"
    )
    assert first.categories == ["cs.DS"]
    assert first.abstract.startswith(
        "We present an alternative and simpler method for computing "
        "principal typings of flow networks."
    )
    assert first.abstract.endswith("the networks' underlying graphs.")
    assert first.version is None and first.journal_ref is None
    second = papers["1807.07091"]
    assert second.title == "Language Preservation Problems in Parametric Timed Automata"
    assert second.authors == ["Étienne André", "Didier Lime", "Nicolas Markey"]
    assert places["1807.07091"].rank == 2 and places["1807.07091"].section == "new"
    sixth = papers["1807.07126"]
    assert sixth.authors[-1] == "Sumohana S. Channappayya" and len(sixth.authors) == 8
    assert sixth.categories == ["cs.MM"] and sixth.comments is None


def test_old_new_page_cross_list_fields(corpus):
    papers, places = _by_id(arxiv_list.parse(_read(corpus, OLD_NEW), None))
    ricci = papers["1807.07095"]
    assert ricci.title == "Ricci curvature for parametric statistics via optimal transport"
    assert ricci.authors == ["Wuchen Li", "Guido Montufar"]
    assert ricci.categories == ["math.ST", "cs.IT"]
    assert ricci.abstract.startswith("We elaborate the notion of a Ricci curvature lower bound")
    assert places["1807.07095"].section == "cross-list" and places["1807.07095"].rank == 108
    ftir = papers["1807.07099"]
    assert ftir.categories == ["eess.SP", "cs.LG", "cs.NA", "stat.ML"]
    kmeans = papers["1807.07547"]
    assert kmeans.title == "Partial recovery bounds for clustering with the relaxed $K$means"
    assert kmeans.comments == "33 pages"
    assert places["1807.07547"].rank == 123


def test_old_new_page_replacement_fields(corpus):
    papers, places = _by_id(arxiv_list.parse(_read(corpus, OLD_NEW), None))
    channels = papers["1309.6610"]
    assert channels.title == "Adversarial Multiple Access Channels with Individual Injection Rates"
    assert channels.journal_ref == (
        "Adversarial multiple access channels with individual injection "
        "rates. Theory of Computing Systems, 61(3): 820 - 850, 2017"
    )
    assert channels.categories == ["cs.DC", "cs.NI"]
    assert channels.abstract == ""  # replacements carry no abstract on /new
    assert places["1309.6610"].section == "replacement" and places["1309.6610"].rank == 124
    hashing = papers["1802.06645"]
    assert hashing.title == (
        "Simultaneous Compression and Quantization: A Joint Approach for "
        "Efficient Unsupervised Hashing"
    )
    assert len(hashing.authors) == 5 and hashing.authors[1] == "Thanh-Toan Do"
    last = papers["1807.06576"]
    assert last.categories == ["cs.LG", "stat.ML"] and last.comments == "12 pages"


def test_old_new_page_category_from_page_links_without_url(corpus):
    listing = arxiv_list.parse(_read(corpus, OLD_NEW), None)
    assert {a.category for a in listing.appearances} == {"cs"}
    assert {a.list for a in listing.appearances} == {"arxiv-new"}


def test_month_page(corpus):
    listing = arxiv_list.parse(_read(corpus, MONTH), None)
    assert (listing.date, listing.total, listing.problems) == ("2023-01-01", 5648, [])
    assert [p.id for p in listing.papers] == ["2301.00001", "2301.00002", "2301.00003"]
    assert [(a.list, a.date, a.category, a.rank, a.section) for a in listing.appearances] == [
        ("arxiv-month", "2023-01-01", "cs", n, None) for n in (1, 2, 3)
    ]
    nftrig, glyphs, emotion = listing.papers
    assert nftrig.title == "NFTrig"
    assert nftrig.authors == [
        "Jordan Thompson",
        "Ryan Benac",
        "Kidus Olana",
        "Talha Hassan",
        "Andrew Sward",
        "Tauheed Khan Mohd",
    ]
    assert nftrig.categories == ["cs.HC"] and nftrig.abstract == ""
    assert glyphs.title == (
        "Evaluating Alternative Glyph Design for Showing Large-Magnitude-Range Quantum Spins"
    )
    assert glyphs.authors[1] == "Garnett W. Bryant"
    assert glyphs.categories == ["cs.HC", "cs.GR", "quant-ph"]
    assert glyphs.comments.endswith("substantial text overlap with arXiv:1905.02586")
    assert emotion.comments.startswith("Presented at HAI'22 workshop")
    assert emotion.categories == ["cs.HC", "cs.AI"]


def test_month_from_url_beats_heading(corpus):
    listing = arxiv_list.parse(_read(corpus, MONTH), "https://arxiv.org/list/cs.HC/2301?skip=0")
    assert {(a.category, a.date) for a in listing.appearances} == {("cs.HC", "2023-01-01")}


def test_empty_month_page_is_an_empty_listing(corpus):
    listing = arxiv_list.parse(_read(corpus, EMPTY_MONTH), None)
    assert (listing.papers, listing.appearances, listing.problems) == ([], [], [])
    assert listing.date == "1991-01-01"


def test_demo_new_page_2024_layout():
    listing = arxiv_list.parse(DEMO.read_text(encoding="utf-8"), None)
    assert (listing.date, listing.total, listing.problems) == ("2024-08-02", 8, [])
    order = [
        "2408.90001",
        "2408.90003",
        "2408.90004",
        "2408.90005",
        "2408.90006",
        "2408.90007",
        "2408.90002",
        "2408.90008",
    ]
    assert [p.id for p in listing.papers] == order
    assert [(a.rank, a.section) for a in listing.appearances] == [
        (1, "new"),
        (2, "new"),
        (3, "new"),
        (4, "new"),
        (5, "new"),
        (6, "new"),
        (7, "cross-list"),
        (8, "cross-list"),
    ]
    assert {(a.list, a.date, a.category) for a in listing.appearances} == {
        ("arxiv-new", "2024-08-02", "cs")
    }
    papers, _ = _by_id(listing)
    assert papers["2408.90001"].abstract.startswith("We introduce Sparse Lattice Transformers")
    assert "$O(n \\log n)$" in papers["2408.90001"].abstract
    assert papers["2408.90006"].authors == ["Wei Zhang", "María García"]
    assert (
        papers["2408.90007"].journal_ref == "Proceedings of the Workshop on Robust Alignment, 2024"
    )
    assert papers["2408.90008"].categories == ["physics.ao-ph", "cs.LG"]
    assert papers["2408.90005"].comments == "Dataset and leaderboard: this https URL"


def test_demo_is_detected_by_content():
    assert arxiv_list.matches(DEMO.read_text(encoding="utf-8"), "file:///tmp/page.html")
    assert arxiv_list.matches("", "https://arxiv.org/list/cs.LG/new")
    assert not arxiv_list.matches("<html><body><p>arXiv is great</p></body></html>", None)


RECENT_2024 = """<html><body><div id='dlpage'><h1>Machine Learning</h1>
<h2>Authors and titles for recent submissions</h2>
<div class='paging'>Total of 3 entries</div>
<dl id='articles'><h3>Fri, 2 Aug 2024 (showing 2 of 2 entries )</h3>
<dt><a name='item1'>[1]</a><a
 href ="/abs/2408.90006" title="Abstract" id="2408.90006">arXiv:2408.90006</a></dt>
<dd><div class='meta'><div class='list-title mathjax'><span class='descriptor'>Title:</span>
 Efficient KV-Cache Compression via Low-Rank Projection</div></div></dd>
<dt><a name='item2'>[2]</a><a
 href ="/abs/2408.90007" title="Abstract" id="2408.90007">arXiv:2408.90007</a></dt>
<dd><div class='meta'><div class='list-title mathjax'>Robust Reward Models under Distribution Shift
</div></div></dd>
</dl>
<dl id='articles'><h3>Thu, 1 Aug 2024 (showing 1 of 1 entries )</h3>
<dt><a name='item3'>[3]</a><a
 href ="/abs/2407.12345" title="Abstract" id="2407.12345">arXiv:2407.12345</a></dt>
<dd><div class='meta'><div class='list-title mathjax'>An Older Paper</div></div></dd>
</dl></div></body></html>"""


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://arxiv.org/list/cs.LG/recent", "arxiv-recent"),
        ("https://arxiv.org/list/cs.LG/pastweek?skip=0&show=2000", "arxiv-pastweek"),
    ],
)
def test_recent_and_pastweek_give_each_paper_its_day(url, name):
    listing = arxiv_list.parse(RECENT_2024, url)
    assert listing.date == "2024-08-02" and listing.total == 3
    assert [(a.paper_id, a.list, a.date, a.rank, a.category) for a in listing.appearances] == [
        ("2408.90006", name, "2024-08-02", 1, "cs.LG"),
        ("2408.90007", name, "2024-08-02", 2, "cs.LG"),
        ("2407.12345", name, "2024-08-01", 1, "cs.LG"),
    ]


def test_old_layout_pastweek_day_headings_before_each_dl():
    page = RECENT_2024.replace(
        "<dl id='articles'><h3>Fri, 2 Aug 2024 (showing 2 of 2 entries )</h3>",
        "<h3>Fri, 2 Aug 24</h3><dl>",
    ).replace(
        "<dl id='articles'><h3>Thu, 1 Aug 2024 (showing 1 of 1 entries )</h3>",
        "<h3>Thu, 1 Aug 24</h3><dl>",
    )
    listing = arxiv_list.parse(page, "https://arxiv.org/list/math/pastweek?show=500")
    assert [a.date for a in listing.appearances] == ["2024-08-02", "2024-08-02", "2024-08-01"]
    assert {a.category for a in listing.appearances} == {"math"}


def test_recent_kind_from_headings_without_url():
    listing = arxiv_list.parse(RECENT_2024, None)
    assert {a.list for a in listing.appearances} == {"arxiv-recent"}
    assert listing.problems[-1].reason == "no arXiv category in the URL or the page"


def test_item_without_title_or_id_is_skipped():
    page = DEMO.read_text(encoding="utf-8")
    page = page.replace("Self-Correcting Agents with Verifier Feedback", "", 1)
    page = page.replace(
        'href ="/abs/2408.90004" title="Abstract"', 'href ="/help" title="Abstract"'
    )
    page = page.replace("arXiv:2408.90004", "see help", 1)
    listing = arxiv_list.parse(page, None)
    assert len(listing.papers) == 6
    assert "2408.90003" not in {p.id for p in listing.papers}
    reasons = {(p.item, p.reason) for p in listing.problems}
    assert ("2408.90003", "entry has no title") in reasons
    assert any(item == "item 3" and "no arXiv id" in reason for item, reason in reasons)
    assert [a.rank for a in listing.appearances] == [1, 4, 5, 6, 7, 8]


def test_duplicate_id_keeps_the_first():
    page = DEMO.read_text(encoding="utf-8").replace("/abs/2408.90008", "/abs/2408.90001")
    listing = arxiv_list.parse(page, None)
    assert len(listing.papers) == 7
    assert [(p.item, p.reason) for p in listing.problems] == [("item 8", "duplicate id 2408.90001")]


def test_wrong_shape_is_a_parse_error():
    with pytest.raises(ParseError, match="no arXiv listing entries"):
        arxiv_list.parse("<html><body><h1>Hello</h1></body></html>", None)


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.35, 0.5, 0.62, 0.8, 0.97])
def test_truncated_pages_degrade(corpus, fraction):
    for text in (DEMO.read_text(encoding="utf-8"), _read(corpus, OLD_NEW), _read(corpus, MONTH)):
        cut = text[: int(len(text) * fraction)]
        try:
            listing = arxiv_list.parse(cut, None)
        except ParseError:
            continue
        assert all(p.title for p in listing.papers)
        assert len(listing.appearances) <= len(listing.papers)
