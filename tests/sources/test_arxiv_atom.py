"""arxiv_atom reads arXiv API Atom responses of both server generations, field by field."""

from pathlib import Path

import pytest

from server import sources
from server.models import Listing, Problem
from server.sources import ParseError, arxiv_atom

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
ATOM_DIR = "arxiv/atom"
OLD = "2018-02-05_all-Einstein_ThomPijnenburg-di-proposal.xml"
NEW = "2026-07-17_all-nicotine_saeedrafsharx-arxiv-digest.xml"
REC = "2026-04-12_{}_recorded-response_lukasschwab-arxiv.py.json"


def read(corpus: Path, name: str) -> Listing:
    """Unwrap a recorded response if need be, check the sniff, and parse."""
    text, url = sources.unwrap((corpus / ATOM_DIR / name).read_text(encoding="utf-8"), None)
    assert arxiv_atom.matches(text, url)
    return arxiv_atom.parse(text, url)


def by_id(listing: Listing) -> dict:
    return {p.id: p for p in listing.papers}


def test_old_server_feed(corpus):
    listing = read(corpus, OLD)
    assert listing.kind == "arxiv-atom"
    assert listing.total == 28637
    assert listing.date == "2018-02-05"
    assert listing.url.startswith("http://arxiv.org/api/query?search_query%3Dall%3AEinstein")
    assert len(listing.papers) == 10
    assert listing.problems == [] and listing.appearances == []
    first = listing.papers[0]
    assert (first.id, first.version) == ("1801.05533", 1)
    assert first.title == "Einstein-Weyl structures on almost cosymplectic manifolds"
    assert first.abstract.startswith("In this article, we study the Einstein-Weyl structures on")
    assert "almost cosymplectic $(\\kappa,\\mu)$-manifold is Einstein" in first.abstract
    assert first.abstract.endswith("two special Einstein-Weyl structures is cosymplectic.")
    assert first.authors == ["Xiaomin Chen"]
    assert (first.published, first.updated) == ("2018-01-17", "2018-01-17")
    assert first.categories == ["math.DG"]  # the MSC term "53D10, 53D15" is not a category
    assert first.comments == "12 pages, no figures"
    assert first.journal_ref is None and first.doi is None


def test_old_server_feed_more_entries(corpus):
    papers = by_id(read(corpus, OLD))
    second = papers["0802.2137"]
    assert second.version == 3
    assert (second.published, second.updated) == ("2008-02-15", "2008-04-01")
    assert second.comments == "18 pages, added Theorem 5"
    wrapped = papers["1505.03319"]
    assert wrapped.title == (
        "Quasi-Einstein and Generalized Quasi-Einstein Warped Products with an Affine Connection"
    )
    old_style = papers["math/0502287"]
    assert (old_style.version, old_style.categories) == (1, ["math.DG"])
    assert old_style.title == "On pseudo-Hermitian Einstein spaces"
    assert 'K{\\"a}hler-Einstein metrics' in old_style.abstract
    assert papers["math/0507289"].authors == ["Alessandro Ghigi", "János Kollár"]
    assert papers["1207.1944"].authors == ["Xiaoling Zhang", "Yi-Bing Shen"]
    assert papers["1209.5181"].categories == ["physics.hist-ph"]


def test_new_server_feed(corpus):
    listing = read(corpus, NEW)
    assert (listing.total, listing.date, len(listing.papers)) == (58, "2026-07-17", 10)
    assert (
        listing.url
        == "https://arxiv.org/api/query?search_query=all:nicotine&start=0&max_results=10&id_list="
    )
    assert listing.problems == []
    paper = by_id(listing)["q-bio/0509018"]
    assert paper.version == 2
    assert paper.title.startswith("A Hydrophobic Gate in an Ion Channel: The ClosedState")
    assert paper.authors == ["Oliver Beckstein", "Mark S. P. Sansom"]
    assert (paper.published, paper.updated) == ("2005-09-15", "2006-06-15")
    assert paper.categories == ["q-bio.BM", "q-bio.SC"]
    assert paper.journal_ref == "Physical Biology, 3(2):147-159, 2006"
    assert paper.doi == "10.1088/1478-3975/3/2/007"
    assert paper.comments.startswith("Accepted by Physical Biology; includes asupplement")
    first = listing.papers[0]
    assert (first.id, first.doi, first.comments) == ("1509.01687", "10.1063/1.4904358", "4 figures")
    assert first.categories == ["cond-mat.mes-hall", "physics.comp-ph"]
    assert first.authors == ["S. J. Ray"]


def test_recorded_query_page_one(corpus):
    listing = read(corpus, REC.format("q-testing_s0_m10"))
    assert (listing.total, len(listing.papers), listing.problems) == (214881, 10, [])
    assert listing.url.startswith("https://export.arxiv.org/api/query?search_query=testing")
    first = listing.papers[0]
    assert (first.id, first.version) == ("2202.12139", 1)
    assert first.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert first.authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert first.categories == ["cs.SE", "cs.LG"]
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.comments == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.journal_ref.startswith("Artificial Intelligence in Software Testing @ 2022 IEEE")
    fuzz = by_id(listing)["2005.14124"]
    assert (fuzz.version, fuzz.published, fuzz.updated) == (2, "2020-05-28", "2020-07-16")
    assert fuzz.categories == ["cs.SE", "cs.CR", "cs.LG"]
    assert fuzz.authors[2] == "Christopher M. Poskitt" and len(fuzz.authors) == 5
    assert fuzz.journal_ref.endswith("pages 14-26. ACM, 2020")


def test_recorded_query_page_two(corpus):
    one = read(corpus, REC.format("q-testing_s0_m10"))
    two = read(corpus, REC.format("q-testing_s10_m10"))
    assert two.total == one.total == 214881
    assert len(two.papers) == 10
    assert not {p.id for p in one.papers} & {p.id for p in two.papers}
    first = two.papers[0]
    assert (first.id, first.version, first.updated) == ("2403.16981", 2, "2025-05-24")
    assert first.categories == ["math.ST", "cs.IT", "stat.ML"]  # primary first
    rao = by_id(two)["2406.19956"]
    assert rao.title == "Three Scores and 15 Years (1948-2023) of Rao's Score Test: A Brief History"
    assert rao.authors == ["Anil K. Bera", "Yannis Bilias"]
    assert rao.categories == ["econ.EM"]


def test_recorded_old_style_id(corpus):
    listing = read(corpus, REC.format("id-astro-ph_0601001"))
    assert (listing.total, listing.problems) == (1, [])
    [paper] = listing.papers
    assert (paper.id, paper.version) == ("astro-ph/0601001", 1)
    assert paper.title.startswith("Frequency of Hot Jupiters and Very Hot Jupiters")
    assert paper.authors == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"]
    assert paper.categories == ["astro-ph"]
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert paper.published == "2006-01-02"
    assert "Gould & Morgan (2003)" in paper.abstract and "V_max<17.5" in paper.abstract


def test_recorded_34_authors(corpus):
    listing = read(corpus, REC.format("id-list-1invalid-1valid"))
    [paper] = listing.papers
    assert (listing.total, paper.id, paper.categories) == (1, "1707.08567", ["cs.IT"])
    assert len(paper.authors) == 34
    assert paper.authors[:2] == ["Kees A. Schouhamer Immink", "Stan Baggen"]
    assert paper.authors[4] == "Peter H. N. de With"
    assert paper.authors[-1] == "Hirosuke Yamamoto"


def test_recorded_empty_result(corpus):
    listing = read(corpus, REC.format("empty-result"))
    assert (listing.papers, listing.total, listing.problems) == ([], 0, [])


def test_recorded_error_feed_raises_the_api_message(corpus):
    text = (corpus / ATOM_DIR / REC.format("error-400-bad-id")).read_text(encoding="utf-8")
    with pytest.raises(ParseError, match="^arXiv API error: incorrect id format for abc$"):
        sources.parse(text)


def test_demo_feed():
    listing = arxiv_atom.parse((DEMO / "arxiv-api-demo.xml").read_text(encoding="utf-8"))
    assert [p.id for p in listing.papers] == ["2408.90001", "2408.90003", "2408.90005"]
    assert (listing.total, listing.date, listing.problems) == (3, "2024-08-21", [])
    lattice, agents, proofs = listing.papers
    assert lattice.title == "Sparse Lattice Transformers for Long-Context Reasoning"
    assert "$O(n \\log n)$" in lattice.abstract
    assert lattice.authors == ["Ada Moreau", "Kenji Ito", "Priya Raman"]
    assert (lattice.categories, lattice.comments) == (["cs.CL"], "18 pages, 7 figures")
    assert (agents.version, agents.published, agents.updated) == (2, "2024-08-01", "2024-08-20")
    assert proofs.categories == ["cs.LO"]  # the ACM class F.4.1 is dropped


ENTRY = """<entry><id>http://arxiv.org/abs/{id}v1</id><title>{title}</title>
<summary>Text.</summary><author><name>A. Person</name></author></entry>"""


def feed(*entries: str) -> str:
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query: x</title>'
        + "".join(entries)
        + "</feed>"
    )


def test_broken_entries_are_skipped_and_reported():
    text = feed(
        ENTRY.format(id="2401.00001", title="Kept"),
        ENTRY.format(id="not-an-id", title="No id"),
        ENTRY.format(id="2401.00003", title="  "),
        ENTRY.format(id="2401.00001", title="Again"),
        ENTRY.format(id="2401.00005", title="Also kept"),
    )
    listing = arxiv_atom.parse(text)
    assert [p.id for p in listing.papers] == ["2401.00001", "2401.00005"]
    assert listing.papers[0].title == "Kept"
    assert listing.problems == [
        Problem("entry 2", "no arXiv id in 'http://arxiv.org/abs/not-an-idv1'"),
        Problem("2401.00003", "no title"),
        Problem("2401.00001", "duplicate id 2401.00001"),
    ]


def test_old_server_error_entry_raises():
    error = """<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.1234x</id>
    <title>Error</title><summary>incorrect id format for 1234.1234x</summary></entry>"""
    with pytest.raises(ParseError, match="incorrect id format for 1234.1234x"):
        arxiv_atom.parse(feed(error))


def test_truncated_demo_keeps_whole_entries():
    text = (DEMO / "arxiv-api-demo.xml").read_text(encoding="utf-8")
    cut = text[: text.index("<entry>", text.index("abs/2408.90003v2</id>"))]
    listing = arxiv_atom.parse(cut)
    assert [p.id for p in listing.papers] == ["2408.90001", "2408.90003"]
    assert listing.problems[0].item == "page"
    assert "cut-short" in listing.problems[0].reason
    for end in range(0, len(text), 211):
        try:
            assert isinstance(arxiv_atom.parse(text[:end]), Listing)
        except ParseError:
            pass


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html><body><p>Not a feed</p></body></html>", "not an arXiv API Atom feed"),
        ('<rss version="2.0"><channel/></rss>', "not an arXiv API Atom feed"),
        ("just words", "not"),
        ("", "not"),
    ],
)
def test_wrong_shapes_raise(text, message):
    with pytest.raises(ParseError, match=message):
        arxiv_atom.parse(text)


def test_sniff():
    assert arxiv_atom.matches((DEMO / "arxiv-api-demo.xml").read_text(encoding="utf-8"), None)
    rss = (DEMO / "arxiv-rss-cs.LG-2024-08-02.xml").read_text(encoding="utf-8")
    assert not arxiv_atom.matches(rss, None)
    announce = feed().replace("<title>", "<id>http://rss.arxiv.org/atom/cs.AI</id><title>")
    assert not arxiv_atom.matches(announce, None)
    assert not arxiv_atom.matches('<feed xmlns="http://www.w3.org/2005/Atom"/>', None)
    assert not arxiv_atom.matches("<html><body>arxiv</body></html>", None)
    assert arxiv_atom.root_name("<?xml version='1.0'?>\n<!-- <rss> -->\n<feed>") == "feed"


def test_xml_root_refuses_entities_and_network():
    text = """<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>"""
    root, _ = arxiv_atom.xml_root(text)
    assert "root:" not in "".join(root.itertext())
