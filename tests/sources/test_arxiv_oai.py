"""arxiv_oai reads OAI-PMH ListRecords pages (metadataPrefix=arXiv): the whole bulk sample,
records field by field, paging, and OAI-PMH errors."""

from pathlib import Path

import pytest

from server import sources
from server.models import Listing, Problem
from server.sources import ParseError, arxiv_oai

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
BULK = "bulk/arxiv-oai-pmh-cs-2016_shishir167"
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2024-08-03T02:10:44Z</responseDate>
<request verb="ListRecords" metadataPrefix="arXiv">http://export.arxiv.org/oai2</request>"""
RECORD = """<record><header{status}><identifier>oai:arXiv.org:{id}</identifier></header>
<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{id}</id><title>{title}</title>
<authors><author><keyname>Person</keyname><forenames>A.</forenames></author></authors>
</arXiv></metadata></record>"""


def page(name: str, corpus: Path) -> Listing:
    text = (corpus / BULK / name).read_text(encoding="utf-8")
    assert arxiv_oai.matches(text, None)
    return arxiv_oai.parse(text)


def records(*items: str, token: str = "") -> str:
    return HEAD + "<ListRecords>" + "".join(items) + token + "</ListRecords></OAI-PMH>"


def test_bulk_sample_gives_every_paper_once(corpus):
    files = sorted((corpus / BULK).glob("*.xml"))
    assert len(files) == 27
    ids: set[str] = set()
    count = 0
    for path in files:
        listing = arxiv_oai.parse(path.read_text(encoding="utf-8"))
        assert listing.problems == [], path.name
        assert listing.total == 102538
        count += len(listing.papers)
        ids.update(p.id for p in listing.papers)
    assert count == len(ids) == 26538


def test_first_page_records(corpus):
    listing = page("1.xml", corpus)
    assert (listing.kind, listing.date, len(listing.papers)) == ("arxiv-oai", "2016-03-09", 1000)
    assert listing.next_url == (
        "http://export.arxiv.org/oai2?verb=ListRecords&resumptionToken=1122234%7C1001"
    )
    assert listing.appearances == []
    first = listing.papers[0]
    assert (first.id, first.version) == ("0704.0002", None)
    assert first.title == "Sparsity-certifying Graph Decompositions"
    assert first.authors == ["Ileana Streinu", "Louis Theran"]
    assert (first.published, first.updated) == ("2007-03-30", "2008-12-13")
    assert first.categories == ["math.CO", "cs.CG"]
    assert first.comments == "To appear in Graphs and Combinatorics"
    assert first.journal_ref is None and first.doi is None
    assert first.abstract.startswith("We describe a new algorithm, the $(k,\\ell)$-pebble game")
    assert first.abstract.endswith("Gabow, Gabow and Westermann and Hendrickson.")
    second = listing.papers[1]
    assert (second.id, second.doi) == ("0704.0046", "10.1063/1.2779138")
    assert second.journal_ref == "J. Math. Phys. 48(2007), 092102."
    assert second.authors == ["I. Csiszar", "F. Hiai", "D. Petz"]
    assert second.categories == ["quant-ph", "cs.IT", "math.IT"]
    assert second.updated is None
    last = listing.papers[-1]
    assert last.id == "0708.2571"
    assert (
        last.title
        == "On the Security of the Cha-Ko-Lee-Han-Cheon Braid Group Public Key Cryptosystem"
    )
    assert last.authors == ["M. M. Chowdhury"]


def test_old_style_ids(corpus):
    papers = {p.id: p for p in page("97.xml", corpus).papers}
    domatic = papers["cs/0212016"]
    assert domatic.title == (
        "Complexity of the Exact Domatic Number Problem and of the Exact Conveyor Flow Shop Problem"
    )
    assert domatic.authors == ["Tobias Riege", "Jörg Rothe"]
    assert (domatic.published, domatic.updated) == ("2002-12-09", "2004-03-23")
    assert (domatic.categories, domatic.comments) == (["cs.CC"], "37 pages; 4 figures")
    assert "{\\em exactly}" in domatic.abstract


def test_last_page(corpus):
    listing = page("103.xml", corpus)
    assert (len(listing.papers), listing.total, listing.next_url) == (538, 102538, None)
    papers = {p.id: p for p in listing.papers}
    kerdock = papers["math/9310227"]
    assert kerdock.authors == [
        "A. R. Calderbank",
        "A. Roger Hammons Jr.",
        "P. Vijay Kumar",
        "N. J. A. Sloane",
        "Patrick Solé",
    ]
    assert kerdock.journal_ref == "Bull. Amer. Math. Soc. (N.S.) 29 (1993) 218-222"
    assert (kerdock.published, kerdock.categories) == (
        "1993-09-30",
        ["math.CO", "cs.IT", "math.IT"],
    )
    chaos = listing.papers[-1]
    assert chaos.id == "quant-ph/9912100"
    assert chaos.categories == [
        "quant-ph",
        "chao-dyn",
        "cond-mat.mes-hall",
        "cs.CC",
        "nlin.CD",
        "physics.atom-ph",
    ]


def test_demo_page():
    listing = arxiv_oai.parse((DEMO / "arxiv-oai-demo.xml").read_text(encoding="utf-8"))
    assert [p.id for p in listing.papers] == ["2408.90002", "2408.90004", "2408.90008"]
    assert (listing.total, listing.date, listing.problems) == (5, "2024-08-03", [])
    assert listing.next_url.endswith("?verb=ListRecords&resumptionToken=6180339%7C1001")
    protein, retrieval, weather = listing.papers
    assert protein.title == "Diffusion Priors for Protein Backbone Design"
    assert protein.authors == ["Lena Hofmann", "Tomás Ruiz"]
    assert protein.categories == ["q-bio.BM", "cs.LG"]
    assert (retrieval.published, retrieval.updated) == ("2024-08-01", "2024-08-13")
    assert weather.doi == "10.5555/demo.2024.90008"
    assert weather.journal_ref == "Demo Journal of Atmospheric Learning 3 (2024) 41-52"


def test_deleted_empty_and_broken_records_are_skipped():
    text = records(
        RECORD.format(status="", id="2401.00001", title="Kept"),
        '<record><header status="deleted"><identifier>oai:arXiv.org:2401.00002</identifier>'
        "</header></record>",
        "<record><header><identifier>oai:arXiv.org:2401.00003</identifier></header></record>",
        RECORD.format(status="", id="banana", title="No id"),
        RECORD.format(status="", id="2401.00005", title=" "),
        RECORD.format(status="", id="2401.00001", title="Again"),
        RECORD.format(status="", id="hep-th/9901001", title="Old style"),
        token='<resumptionToken cursor="0" completeListSize="7"></resumptionToken>',
    )
    listing = arxiv_oai.parse(text)
    assert [p.id for p in listing.papers] == ["2401.00001", "hep-th/9901001"]
    assert listing.papers[0].authors == ["A. Person"]
    assert (listing.total, listing.next_url) == (7, None)
    assert listing.problems == [
        Problem("2401.00002", "deleted record"),
        Problem("2401.00003", "no arXiv metadata in the record"),
        Problem("banana", "no arXiv id in 'banana'"),
        Problem("2401.00005", "no title"),
        Problem("2401.00001", "duplicate id 2401.00001"),
    ]


def test_oai_errors():
    bad = HEAD + '<error code="badResumptionToken">The token has expired</error></OAI-PMH>'
    with pytest.raises(ParseError, match="^OAI-PMH error badResumptionToken: The token has"):
        arxiv_oai.parse(bad)
    empty = HEAD + '<error code="noRecordsMatch">No records match</error></OAI-PMH>'
    listing = arxiv_oai.parse(empty)
    assert (listing.papers, listing.total, listing.problems) == ([], 0, [])


def test_other_metadata_formats_are_refused():
    dc = """<record><header><identifier>oai:arXiv.org:2401.00001</identifier></header>
    <metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/">
    </oai_dc:dc></metadata></record>"""
    with pytest.raises(ParseError, match="dc format; harvest with metadataPrefix=arXiv"):
        arxiv_oai.parse(records(dc))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEAD + "<Identify><repositoryName>arXiv</repositoryName></Identify></OAI-PMH>",
            "without records",
        ),
        ('<feed xmlns="http://www.w3.org/2005/Atom"/>', "not an OAI-PMH response"),
        ("<OAI-PMH><ListRecords/></OAI-PMH>", "not an OAI-PMH response"),
        ("no xml here", "not"),
    ],
)
def test_wrong_shapes_raise(text, message):
    with pytest.raises(ParseError, match=message):
        arxiv_oai.parse(text)


def test_truncated_pages(corpus):
    text = (corpus / BULK / "1.xml").read_text(encoding="utf-8")
    half = arxiv_oai.parse(text[: len(text) // 2])
    assert 400 < len(half.papers) < 600
    assert half.papers[0].id == "0704.0002"
    assert half.problems[0].item == "page"
    demo = (DEMO / "arxiv-oai-demo.xml").read_text(encoding="utf-8")
    for end in range(0, len(demo), 157):
        try:
            assert isinstance(arxiv_oai.parse(demo[:end]), Listing)
        except ParseError:
            pass


def test_sniff():
    assert arxiv_oai.matches((DEMO / "arxiv-oai-demo.xml").read_text(encoding="utf-8"), None)
    assert not arxiv_oai.matches((DEMO / "arxiv-api-demo.xml").read_text(encoding="utf-8"), None)
    assert not arxiv_oai.matches("<html><body>OAI-PMH</body></html>", None)
