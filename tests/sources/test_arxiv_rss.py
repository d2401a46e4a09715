"""arxiv_rss reads arXiv announcement feeds (RSS 2.0, its Atom twin, old RSS 1.0) field by field."""

from pathlib import Path

import pytest

from server import sources
from server.models import Appearance, Listing, Problem
from server.sources import ParseError, arxiv_atom, arxiv_rss

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CS_AI = "arxiv/rss/2026-04-27_cs_ai_rss2-trimmed-3items_jmamath-distill.xml"
CS_LG = "arxiv/rss/2026-04-27_cs_lg_rss2-trimmed-3items_jmamath-distill.xml"


def read(path: Path, url: str | None = None) -> Listing:
    text = path.read_text(encoding="utf-8")
    assert sources.detect(text, url) is arxiv_rss
    return arxiv_rss.parse(text, url)


def test_corpus_cs_ai_feed(corpus):
    listing = read(corpus / CS_AI)
    assert (listing.kind, listing.url) == ("arxiv-rss", "http://rss.arxiv.org/rss/cs.AI")
    assert (listing.date, listing.total, listing.problems) == ("2026-04-27", None, [])
    assert [(p.id, p.version) for p in listing.papers] == [
        ("2604.21935", 1),
        ("2604.21936", 1),
        ("2604.21937", 1),
    ]
    math, medical, molclaw = listing.papers
    assert math.title == (
        "Math Takes Two: A test for emergent mathematical reasoning in communication"
    )
    assert math.abstract.startswith("Although language models demonstrate remarkable")
    assert math.abstract.endswith("models with emergent numerical reasoning capabilities.")
    assert math.authors == ["Michael Cooper", "Samuel Cooper"]
    assert math.categories == ["cs.AI", "cs.LG"]
    assert math.published is None and math.updated is None  # the feed has no submission dates
    assert medical.categories == ["cs.AI", "cs.CV", "cs.MA"]
    assert "\\textbf{adaptability}" in medical.abstract
    assert len(medical.authors) == 18
    assert medical.authors[:2] == ["Lianrui Zuo", "Yihao Liu"]
    assert medical.authors[-1] == "Bennett A. Landman"
    assert molclaw.title.startswith("MolClaw: An Autonomous Agent with Hierarchical Skills")
    assert (len(molclaw.authors), molclaw.authors[-1]) == (17, "Zhengwei Xie")
    assert listing.appearances == [
        Appearance(pid, "arxiv-rss", "2026-04-27", "cs.AI", rank=rank, section="new")
        for rank, pid in enumerate(["2604.21935", "2604.21936", "2604.21937"], start=1)
    ]


def test_corpus_cs_lg_feed(corpus):
    listing = read(corpus / CS_LG, "https://rss.arxiv.org/rss/cs.LG")
    assert (listing.url, listing.date, listing.problems) == (
        "https://rss.arxiv.org/rss/cs.LG",
        "2026-04-27",
        [],
    )
    assert [p.id for p in listing.papers] == ["2604.21952", "2604.21953", "2604.21956"]
    focus, athletics, harmonic = listing.papers
    assert focus.categories == ["cs.LG", "cs.AI", "cs.AR", "cs.NE", "cs.RO"]
    assert focus.authors[:3] == ["Muhammad Shafique", "Abdul Basit", "Muhammad Abdullah Hanif"]
    assert len(focus.authors) == 6
    assert athletics.authors == ["Blessed Madukoma", "Prasenjit Mitra"]
    assert athletics.categories == ["cs.LG", "cs.CY"]
    assert athletics.abstract.startswith("Anti-doping programs rely on biological testing")
    assert harmonic.title.startswith("Conditional anomaly detection using soft harmonic")
    assert harmonic.authors[0] == "Michal Valko" and len(harmonic.authors) == 5
    assert {a.category for a in listing.appearances} == {"cs.LG"}
    assert [a.rank for a in listing.appearances] == [1, 2, 3]


def test_demo_feed():
    listing = read(DEMO / "arxiv-rss-cs.LG-2024-08-02.xml")
    assert (listing.date, listing.problems) == ("2024-08-02", [])
    kv, reward, protein = listing.papers
    assert (kv.id, kv.version) == ("2408.90006", 1)
    assert kv.authors == ["Wei Zhang", "María García"]
    assert "$r \\ll d$" in kv.abstract and not kv.abstract.startswith("arXiv:")
    assert reward.journal_ref == "Proceedings of the Workshop on Robust Alignment, 2024"
    assert protein.categories == ["q-bio.BM", "cs.LG"]
    assert protein.authors == ["Lena Hofmann", "Tomás Ruiz"]
    assert [(a.paper_id, a.rank, a.section) for a in listing.appearances] == [
        ("2408.90006", 1, "new"),
        ("2408.90007", 2, "new"),
        ("2408.90002", 3, "cross-list"),
    ]
    assert {(a.list, a.date, a.category) for a in listing.appearances} == {
        ("arxiv-rss", "2024-08-02", "cs.LG")
    }


def test_old_rdf_feed():
    listing = read(FIXTURES / "arxiv-rss1-cs.LG-2023-12-15.xml")
    # dc:date 2023-12-14T20:30-05:00 is the evening announcement of the 15 December mailing.
    assert (listing.url, listing.date, listing.problems) == (
        "http://arxiv.org/rss/cs.LG",
        "2023-12-15",
        [],
    )
    speech, conformal, moe, old = listing.papers
    assert (speech.id, speech.version) == ("2312.90101", 1)
    assert speech.title == "Tiny Recurrent Memories for Streaming Speech"
    assert speech.authors == ["Astrid Lindqvist", "Kofi Mensah"]
    assert speech.abstract == (
        "We attach a small recurrent memory to a streaming speech encoder so that latency stays "
        "below $50$ ms when $k<8$ frames of lookahead are used. Word error rates match offline "
        "models on two benchmarks."
    )
    assert speech.categories == ["cs.LG"]
    assert (conformal.authors, conformal.categories) == (["Chidi Okonkwo"], ["stat.ML"])
    assert (moe.version, moe.authors[0]) == (2, "Petra Novák")
    assert (old.id, old.version, old.categories) == ("math/0601001", 3, ["math.OC"])
    assert [(a.rank, a.section) for a in listing.appearances] == [
        (1, "new"),
        (2, "cross-list"),
        (3, "replacement"),
        (4, "replacement"),
    ]
    assert {a.category for a in listing.appearances} == {"cs.LG"}


ANNOUNCE_ATOM = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/math.OC</id>
  <title>math.OC updates on arXiv.org</title>
  <updated>2024-08-02T04:00:02.941605+00:00</updated>
  <link href="http://rss.arxiv.org/atom/math.OC" rel="self" type="application/atom+xml"/>
  <entry>
    <id>oai:arXiv.org:2203.91250v3</id>
    <title>Mass Concentration in Toy Functionals</title>
    <link href="https://arxiv.org/abs/2203.91250" rel="alternate" type="text/html"/>
    <summary>arXiv:2203.91250v3 Announce Type: replace-cross
Abstract: We consider $\\min \\int f(u)$ under a mass constraint.</summary>
    <category term="math.AP"/>
    <category term="math.OC"/>
    <published>2024-08-02T00:00:00-04:00</published>
    <arxiv:announce_type>replace-cross</arxiv:announce_type>
    <arxiv:journal_reference>Demo J. Math. 11 (2024) 1-9</arxiv:journal_reference>
    <arxiv:DOI>10.5555/demo.2203</arxiv:DOI>
    <dc:creator>Ann Example, Bo Sample and Cy Test</dc:creator>
  </entry>
</feed>"""


def test_announcement_atom_feed():
    assert not arxiv_atom.matches(ANNOUNCE_ATOM, None)
    assert sources.detect(ANNOUNCE_ATOM) is arxiv_rss
    listing = arxiv_rss.parse(ANNOUNCE_ATOM)
    assert (listing.url, listing.date, listing.problems) == (
        "http://rss.arxiv.org/atom/math.OC",
        "2024-08-02",
        [],
    )
    [paper] = listing.papers
    assert (paper.id, paper.version, paper.title) == (
        "2203.91250",
        3,
        "Mass Concentration in Toy Functionals",
    )
    assert paper.abstract == "We consider $\\min \\int f(u)$ under a mass constraint."
    assert paper.authors == ["Ann Example", "Bo Sample", "Cy Test"]
    assert paper.categories == ["math.AP", "math.OC"]
    assert (paper.journal_ref, paper.doi) == ("Demo J. Math. 11 (2024) 1-9", "10.5555/demo.2203")
    assert listing.appearances == [
        Appearance("2203.91250", "arxiv-rss", "2024-08-02", "math.OC", 1, section="replacement")
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ann Lee, Bo Wu", ["Ann Lee", "Bo Wu"]),
        ("Ann Lee and Bo Wu", ["Ann Lee", "Bo Wu"]),
        ("Ann Lee, Bo Wu, and Cy Ng", ["Ann Lee", "Bo Wu", "Cy Ng"]),
        ("John Smith, Jr., Alexander Anderson", ["John Smith, Jr.", "Alexander Anderson"]),
        ("  ", []),
    ],
)
def test_split_authors(text, names):
    assert arxiv_rss.split_authors(text) == names


@pytest.mark.parametrize(
    ("stamp", "day"),
    [
        ("Mon, 27 Apr 2026 00:00:00 -0400", "2026-04-27"),
        ("Mon, 27 Apr 2026 04:00:00 +0000", "2026-04-27"),
        ("2018-05-23T20:30:00-05:00", "2018-05-24"),
        ("2024-08-02", "2024-08-02"),
        ("soon", None),
    ],
)
def test_announce_date(stamp, day):
    assert arxiv_rss.announce_date(stamp) == day


ITEM = """<item><title>{title}</title><link>{link}</link>
<description>arXiv:2401.0000{n}v1 Announce Type: new
Abstract: Text {n}.</description><dc:creator>A. Person</dc:creator></item>"""


def channel(*items: str) -> str:
    return (
        '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
        "<title>cs.CL updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.CL</link>"
        "<pubDate>Fri, 05 Jan 2024 00:00:00 -0500</pubDate>" + "".join(items) + "</channel></rss>"
    )


def test_broken_items_are_skipped_and_reported():
    text = channel(
        ITEM.format(title="Kept", link="https://arxiv.org/abs/2401.00001", n=1),
        ITEM.format(title="No id", link="https://example.com/post", n=2),
        ITEM.format(title="", link="https://arxiv.org/abs/2401.00003", n=3),
        ITEM.format(title="Twice", link="https://arxiv.org/abs/2401.00001", n=4),
        ITEM.format(title="Also kept", link="https://arxiv.org/abs/2401.00005", n=5),
    )
    listing = arxiv_rss.parse(text)
    assert [p.id for p in listing.papers] == ["2401.00001", "2401.00005"]
    assert [p.abstract for p in listing.papers] == ["Text 1.", "Text 5."]
    assert [(a.rank, a.category, a.date) for a in listing.appearances] == [
        (1, "cs.CL", "2024-01-05"),
        (5, "cs.CL", "2024-01-05"),
    ]
    assert listing.problems == [
        Problem("item 2", "no arXiv id in 'https://example.com/post'"),
        Problem("2401.00003", "no title"),
        Problem("2401.00001", "duplicate id 2401.00001"),
    ]


def test_empty_feed_is_an_empty_listing():
    listing = arxiv_rss.parse(channel())
    assert (listing.papers, listing.appearances, listing.date) == ([], [], "2024-01-05")


def test_truncated_demo_feeds():
    for path in (
        DEMO / "arxiv-rss-cs.LG-2024-08-02.xml",
        FIXTURES / "arxiv-rss1-cs.LG-2023-12-15.xml",
    ):
        text = path.read_text(encoding="utf-8")
        for end in range(0, len(text), 173):
            try:
                assert isinstance(arxiv_rss.parse(text[:end]), Listing)
            except ParseError:
                pass
    text = (DEMO / "arxiv-rss-cs.LG-2024-08-02.xml").read_text(encoding="utf-8")
    listing = arxiv_rss.parse(text[: text.index("<item>", text.index("2408.90007"))])
    assert [p.id for p in listing.papers] == ["2408.90006", "2408.90007"]
    assert listing.problems[0].item == "page"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html><body>arXiv</body></html>", "not an arXiv RSS or Atom feed"),
        ('<rss version="2.0"></rss>', "without a <channel>"),
        ('<rss version="2.0"><channel><title>My blog</title></channel></rss>', "not an arXiv one"),
        (
            '<feed xmlns="http://www.w3.org/2005/Atom"><id>http://arxiv.org/api/x</id></feed>',
            "arXiv API response",
        ),
        ("plain words", "not"),
    ],
)
def test_wrong_shapes_raise(text, message):
    with pytest.raises(ParseError, match=message):
        arxiv_rss.parse(text)


def test_sniff():
    assert arxiv_rss.matches(channel(), None)
    assert not arxiv_rss.matches(
        '<rss version="2.0"><channel><title>Blog</title></channel></rss>', None
    )
    assert not arxiv_rss.matches((DEMO / "arxiv-api-demo.xml").read_text(encoding="utf-8"), None)
    assert not arxiv_rss.matches("<html><head><title>arXiv rss</title></head></html>", None)
