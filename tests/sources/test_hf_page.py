"""hf_page reads Hugging Face Papers pages from their data island, else from the cards."""

import html
import json
from pathlib import Path

import pytest

from server import sources
from server.models import Problem
from server.sources import ParseError, hf_page
from server.sources.common import html_soup

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
DAY2 = DEMO / "hf-daily-2024-08-02.html"
DAY5 = DEMO / "hf-daily-2024-08-05.html"
CORPUS_PAGE = "hf/daily/2024-08-01_slbqc-dailay_paper_info.html"
CORPUS_IDS = [
    "2407.21783",
    "2407.21705",
    "2407.21770",
    "2407.21646",
    "2407.21772",
    "2407.21630",
    "2407.21721",
    "2407.21530",
    "2407.20229",
    "2407.21781",
    "2407.21686",
    "2407.21475",
    "2404.01300",
]


def without_island(text: str, replacement: str | None = None) -> str:
    """The page with the DailyPapers data-props removed (or replaced): only the cards remain."""
    soup = html_soup(text)
    node = soup.select_one('[data-target="DailyPapers"]')
    if replacement is None:
        del node["data-props"]
    else:
        node["data-props"] = replacement
    return str(soup)


def island_page(props: dict, target: str = "DailyPapers") -> str:
    """A minimal page holding one Svelte island with these props."""
    escaped = html.escape(json.dumps(props), quote=True)
    return f'<html><body><div data-target="{target}" data-props="{escaped}"></div></body></html>'


def item(pid: str, title: str, upvotes: int = 1) -> dict:
    return {"paper": {"id": pid, "title": title, "upvotes": upvotes, "authors": []}, "title": title}


def test_corpus_page_from_the_island(corpus):
    path = corpus / CORPUS_PAGE
    listing = hf_page.parse(path.read_text(encoding="utf-8"))
    assert (listing.kind, listing.date, listing.problems) == ("hf-page", "2024-08-01", [])
    assert [p.id for p in listing.papers] == CORPUS_IDS
    llama = listing.papers[0]
    assert (llama.title, llama.published) == ("The Llama 3 Herd of Models", "2024-07-31")
    assert (len(llama.authors), llama.authors[0], llama.authors[-1]) == (
        533,
        "Abhimanyu Dubey",
        "Zhiwei Zhao",
    )
    assert llama.abstract.startswith(
        "Modern artificial intelligence (AI) systems are powered by "
        "foundation models. This paper presents a "
    )
    moma, nerf = listing.papers[2], listing.papers[12]
    assert moma.title == (
        "MoMa: Efficient Early-Fusion Pre-training with Mixture of Modality-Aware Experts"
    )
    assert (len(moma.authors), moma.authors[0], moma.authors[-1]) == (
        8,
        "Xi Victoria Lin",
        "Armen Aghajanyan",
    )
    assert (nerf.published, nerf.authors[-1]) == ("2024-04-01", "Rares Ambrus")
    first, third, last = listing.appearances[0], listing.appearances[2], listing.appearances[12]
    assert (first.list, first.date, first.rank, first.upvotes, first.comments, first.submitter) == (
        "hf-daily",
        "2024-08-01",
        1,
        94,
        5,
        "AK",
    )
    assert (third.rank, third.upvotes, third.comments, third.submitter) == (
        3,
        19,
        5,
        "Victoria Lin",
    )
    assert (last.paper_id, last.rank, last.upvotes) == ("2404.01300", 13, 3)


def test_corpus_author_count_is_the_json_list(corpus):
    text = (corpus / CORPUS_PAGE).read_text(encoding="utf-8")
    props = json.loads(html_soup(text).select_one('[data-target="DailyPapers"]')["data-props"])
    names = [a["name"] for a in props["dailyPapers"][0]["paper"]["authors"]]
    assert hf_page.parse(text).papers[0].authors == names


def test_corpus_cards_without_the_island(corpus):
    path = corpus / CORPUS_PAGE
    listing = hf_page.parse(without_island(path.read_text(encoding="utf-8")), path.as_uri())
    assert (listing.date, listing.problems) == ("2024-08-01", [])
    assert [p.id for p in listing.papers] == CORPUS_IDS
    assert listing.papers[0].title == "The Llama 3 Herd of Models"
    assert (listing.papers[0].abstract, listing.papers[0].authors) == ("", [])
    assert [(a.rank, a.upvotes, a.comments) for a in listing.appearances[:3]] == [
        (1, 94, 5),
        (2, 24, 2),
        (3, 19, 5),
    ]
    assert [a.submitter for a in listing.appearances[:3]] == ["akhaliq", "akhaliq", "VictoriaLinML"]


def test_demo_day_2024_08_02():
    listing = hf_page.parse(DAY2.read_text(encoding="utf-8"), DAY2.as_uri())
    assert (listing.date, listing.problems) == ("2024-08-02", [])
    assert [p.id for p in listing.papers] == [
        "2408.90001",
        "2408.90003",
        "2408.90006",
        "2408.90002",
        "2408.90007",
    ]
    assert [a.upvotes for a in listing.appearances] == [57, 41, 33, 12, 5]
    lattice, agents, kv, protein, _ = listing.papers
    assert lattice.title == "Sparse Lattice Transformers for Long-Context Reasoning"
    assert lattice.authors == ["Ada Moreau", "Kenji Ito", "Priya Raman"]
    assert "so that each layer costs $O(n \\log n)$ instead of quadratic time." in lattice.abstract
    assert agents.authors == ["Marcus Chen", "Ife Okafor", "Sara Lind"]
    assert kv.abstract.startswith("We compress the key-value cache of decoder-only transformers")
    assert protein.authors == ["Lena Hofmann", "Tomás Ruiz"]
    assert {p.published for p in listing.papers} == {"2024-08-01"}
    top = listing.appearances[0]
    assert (top.list, top.date, top.rank, top.comments, top.submitter) == (
        "hf-daily",
        "2024-08-02",
        1,
        4,
        "Ada Moreau",
    )


def test_demo_day_2024_08_05():
    listing = hf_page.parse(DAY5.read_text(encoding="utf-8"))
    assert (listing.date, listing.problems) == ("2024-08-05", [])
    assert [(a.paper_id, a.rank, a.upvotes) for a in listing.appearances] == [
        ("2408.90004", 1, 28),
        ("2408.90005", 2, 19),
        ("2408.90008", 3, 9),
        ("2408.90001", 4, 60),
    ]
    assert listing.papers[0].code_url == "https://github.com/nhaddad/mm-retrieval-scaling"
    assert listing.papers[2].authors == ["Jonas Berg", "Aiko Sato"]


def test_demo_cards_when_the_island_is_removed():
    listing = hf_page.parse(without_island(DAY2.read_text(encoding="utf-8")), DAY2.as_uri())
    assert (listing.date, listing.problems) == ("2024-08-02", [])
    assert [(p.id, p.title) for p in listing.papers[:2]] == [
        ("2408.90001", "Sparse Lattice Transformers for Long-Context Reasoning"),
        ("2408.90003", "Self-Correcting Agents with Verifier Feedback"),
    ]
    assert [(a.rank, a.upvotes, a.comments, a.submitter) for a in listing.appearances] == [
        (1, 57, 4, "adamoreau"),
        (2, 41, 3, "mchen-ai"),
        (3, 33, 2, "weizh"),
        (4, 12, 1, "lhofmann"),
        (5, 5, 1, "rpatel"),
    ]


def test_broken_island_falls_back_to_cards():
    text = without_island(DAY5.read_text(encoding="utf-8"), replacement='{"dailyPapers": [')
    listing = hf_page.parse(text, "https://huggingface.co/papers/date/2024-08-05")
    assert [a.upvotes for a in listing.appearances] == [28, 19, 9, 60]
    assert (listing.date, listing.problems) == ("2024-08-05", [])


def test_bad_cards_are_skipped_and_reported():
    soup = html_soup(without_island(DAY2.read_text(encoding="utf-8")))
    cards = soup.select("article")
    cards[1].select_one("h3").decompose()  # a card without its title link
    cards[4].select_one("h3 a")["href"] = "/papers/2408.90001"  # a repeat of the first card
    listing = hf_page.parse(str(soup), DAY2.as_uri())
    assert [p.id for p in listing.papers] == ["2408.90001", "2408.90006", "2408.90002"]
    assert listing.problems == [
        Problem("item 2", "card without a paper link and title (h3 a)"),
        Problem("2408.90001", "duplicate id 2408.90001"),
    ]


def test_bad_island_items_are_skipped_and_reported():
    items = [item("2408.90001", "One"), item("2408.90002", ""), item("2408.90001", "Again")]
    listing = hf_page.parse(island_page({"dailyPapers": items, "date": "2024-08-02"}))
    assert [p.id for p in listing.papers] == ["2408.90001"]
    assert listing.problems == [
        Problem("2408.90002", "no title"),
        Problem("2408.90001", "duplicate id 2408.90001"),
    ]


@pytest.mark.parametrize(
    ("url", "props", "expected"),
    [
        ("https://huggingface.co/papers/week/2024-W31", {}, ("hf-weekly", "2024-07-29")),
        ("https://huggingface.co/papers/month/2024-08", {}, ("hf-monthly", "2024-08-01")),
        ("https://huggingface.co/papers/date/2024-08-02", {}, ("hf-daily", "2024-08-02")),
        ("https://huggingface.co/papers?date=2024-08-02", {}, ("hf-daily", "2024-08-02")),
        (None, {"periodType": "week", "dateString": "2024-W32"}, ("hf-weekly", "2024-08-05")),
        (None, {"periodType": "month", "dateString": "2024-07"}, ("hf-monthly", "2024-07-01")),
        (None, {"date": "2024-08-01T00:00:00.000Z"}, ("hf-daily", "2024-08-01")),
        (None, {}, ("hf-daily", None)),
    ],
)
def test_list_and_date_from_url_else_props(url, props, expected):
    page = island_page(props | {"dailyPapers": [item("2408.90004", "Scaling Laws")]})
    listing = hf_page.parse(page, url)
    assert (listing.appearances[0].list, listing.date) == expected
    assert listing.appearances[0].date == expected[1]


def test_newer_layout_any_island_with_paper_items():
    props = {"papers": [item("2408.90007", "Robust Reward Models", 5)], "dateString": "2024-08-02"}
    listing = hf_page.parse(island_page(props, target="PapersList"))
    assert [(p.id, p.title) for p in listing.papers] == [("2408.90007", "Robust Reward Models")]
    assert (listing.date, listing.appearances[0].upvotes) == ("2024-08-02", 5)


def test_single_paper_page_gives_a_paper_and_no_appearance():
    paper = {
        "id": "2408.90003",
        "title": "Self-Correcting Agents with Verifier Feedback",
        "summary": "Agents.",
        "authors": [{"name": "Marcus Chen"}],
        "upvotes": 41,
    }
    listing = hf_page.parse(
        island_page({"paper": paper}, target="PaperPage"),
        "https://huggingface.co/papers/2408.90003",
    )
    assert [(p.id, p.authors) for p in listing.papers] == [("2408.90003", ["Marcus Chen"])]
    assert listing.appearances == []


def test_empty_day_is_an_empty_listing():
    listing = hf_page.parse(island_page({"dailyPapers": [], "date": "2024-08-03T00:00:00.000Z"}))
    assert (listing.papers, listing.date, listing.problems) == ([], "2024-08-03", [])


def test_page_without_papers_is_a_parse_error():
    with pytest.raises(ParseError, match="neither the DailyPapers data island nor paper cards"):
        hf_page.parse("<html><body><p>Daily Papers</p></body></html>")


def test_truncated_pages_give_listing_or_parse_error():
    text = DAY2.read_text(encoding="utf-8")
    for cut in range(0, len(text), len(text) // 23):
        try:
            listing = hf_page.parse(text[:cut], DAY2.as_uri())
        except ParseError:
            continue
        assert len(listing.papers) <= 5


def test_matches(corpus):
    page = (corpus / CORPUS_PAGE).read_text(encoding="utf-8")
    assert hf_page.matches(page, None)
    assert hf_page.matches(DAY2.read_text(encoding="utf-8"), DAY2.as_uri())
    assert hf_page.matches("<html></html>", "https://huggingface.co/papers/week/2024-W31")
    assert not hf_page.matches("<html></html>", "https://arxiv.org/list/cs/new")
    assert not hf_page.matches((DEMO / "arxiv-cs-new-2024-08-02.html").read_text(), None)
    assert not hf_page.matches("[]", "https://huggingface.co/papers")


def test_trending_page_gives_papers_only():
    page = island_page({"dailyPapers": [item("2408.90004", "Scaling Laws")]})
    listing = hf_page.parse(page, "https://huggingface.co/papers/trending")
    assert ([p.id for p in listing.papers], listing.appearances) == (["2408.90004"], [])


def test_signals_from_the_page_s_island():
    """The daily page's hydration data carries the same fields as the API: the same are kept."""
    entry = item("2408.90007", "Lattice Robots", 9)
    entry["paper"] |= {
        "githubRepo": "https://github.com/example/robots",
        "githubStars": 88,
        "ai_summary": "Robots fold lattices.",
        "ai_keywords": ["origami", "robots"],
    }
    entry |= {"organization": {"name": "lab", "fullname": "The Lab"}, "numComments": 2}
    entry["thumbnail"] = "https://cdn.example/t.png"
    listing = hf_page.parse(island_page({"date": "2024-08-06", "dailyPapers": [entry]}))
    paper = listing.papers[0]
    assert (paper.github_stars, paper.org_name, paper.hf_summary) == (
        88,
        "The Lab",
        "Robots fold lattices.",
    )
    assert (
        paper.hf_keywords == ["origami", "robots"]
        and paper.thumbnail == "https://cdn.example/t.png"
    )
    assert listing.appearances[0].comments == 2
