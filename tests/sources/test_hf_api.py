"""hf_api reads Hugging Face /api/daily_papers JSON in every shape the corpus holds."""

import json
from pathlib import Path

import pytest

from server import sources
from server.models import Problem
from server.sources import ParseError, hf_api

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
API_DEMO = DEMO / "hf-api-2024-08-05.json"
SUFFIX = "_daily_papers-api_2404589803-hf-daily-paper-newsletter-chinese.json"


def read(corpus: Path, day: str):
    """Parse one of the single API fixtures the way the importer would (with its file URI)."""
    path = corpus / "hf" / "api-daily-papers" / f"{day}{SUFFIX}"
    return hf_api.parse(path.read_text(encoding="utf-8"), path.as_uri())


def item(pid="2408.90001", title="A Title", **extra) -> dict:
    """A minimal daily-papers item in the API's shape."""
    paper = {"id": pid, "title": title, "summary": "An abstract.", "authors": [{"name": "A B"}]}
    return {"paper": paper | extra, "title": title, "numComments": 0}


def test_bulk_gives_every_paper_and_appearance_without_problems(corpus):
    files = sorted((corpus / "bulk").glob("hf-daily-papers-api_2404589803/*.json"))
    assert len(files) == 580
    ids, seen, problems = set(), set(), []
    for path in files:
        listing = hf_api.parse(path.read_text(encoding="utf-8"), path.as_uri())
        assert listing.date == path.stem
        problems += listing.problems
        ids.update(p.id for p in listing.papers)
        seen.update((a.paper_id, a.date) for a in listing.appearances)
    assert problems == []
    assert len(ids) == 9877
    assert len(seen) == 9881


def test_2024_05_list_of_objects_field_by_field(corpus):
    listing = read(corpus, "2024-05-27")
    assert (listing.kind, listing.date, len(listing.papers), listing.problems) == (
        "hf-api",
        "2024-05-27",
        13,
        [],
    )
    first, last = listing.papers[0], listing.papers[12]
    assert first.id == "2405.15738"
    assert first.title == (
        "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models"
    )
    assert first.abstract.startswith(
        "High-resolution Large Multimodal Models (LMMs) encounter the challenges of excessive visua"
    )
    assert first.abstract.endswith("available at https://github.com/alibaba/conv-llava.")
    assert (len(first.authors), first.authors[0], first.authors[-1]) == (
        9,
        "Chunjiang Ge",
        "Bo Zheng",
    )
    assert (first.published, first.code_url, first.project_url) == ("2024-05-24", None, None)
    assert last.title == (
        "HDR-GS: Efficient High Dynamic Range Novel View Synthesis at 1000x Speed"
        " via Gaussian Splatting"
    )
    assert (last.authors[0], last.authors[-1], last.published) == (
        "Yuanhao Cai",
        "Alan Yuille",
        "2024-05-24",
    )
    top, bottom = listing.appearances[0], listing.appearances[-1]
    assert (top.paper_id, top.list, top.rank, top.upvotes, top.comments, top.submitter) == (
        "2405.15738",
        "hf-daily",
        1,
        32,
        3,
        None,
    )
    assert (bottom.paper_id, bottom.rank, bottom.upvotes, bottom.comments) == (
        "2405.15125",
        13,
        3,
        0,
    )
    assert {a.category for a in listing.appearances} == {""}


def test_python_repr_items_are_read(corpus):
    listing = read(corpus, "2024-12-11")
    assert (listing.date, len(listing.papers), listing.problems) == ("2024-12-11", 26, [])
    stiv = listing.papers[0]
    assert (stiv.id, stiv.title) == (
        "2412.07730",
        "STIV: Scalable Text and Image Conditioned Video Generation",
    )
    assert (len(stiv.authors), stiv.authors[0], stiv.authors[-1]) == (
        17,
        "Zongyu Lin",
        "Yinfei Yang",
    )
    assert listing.papers[1].abstract.endswith("alignment.\\url{https://codearenaeval.github.io/ }")
    first, last = listing.appearances[0], listing.appearances[-1]
    assert (first.upvotes, first.comments, first.submitter) == (54, 2, "Alex Yang")
    assert (last.paper_id, last.rank, last.upvotes, last.submitter) == (
        "2412.07187",
        26,
        2,
        "Pengxin Guo",
    )


def test_wrapper_object_gives_date_and_count(corpus):
    path = corpus / "hf" / "api-daily-papers" / f"2025-01-10{SUFFIX}"
    listing = hf_api.parse(path.read_text(encoding="utf-8"))  # no URL: the wrapper's date
    assert (listing.date, listing.total, len(listing.papers), listing.problems) == (
        "2025-01-10",
        9,
        9,
        [],
    )
    gan, turkish = listing.papers[0], listing.papers[-1]
    assert (gan.id, gan.title, gan.published) == (
        "2501.05441",
        "The GAN is dead; long live the GAN! A Modern GAN Baseline",
        "2025-01-09",
    )
    assert gan.authors == ["Yiwen Huang", "Aaron Gokaslan", "Volodymyr Kuleshov", "James Tompkin"]
    assert turkish.title == (
        "Building Foundations for Natural Language Processing of Historical"
        " Turkish: Resources and Models"
    )
    assert (turkish.authors[0], turkish.authors[-1]) == (
        "Şaziye Betül Özateş",
        "Esma F. Bilgin Taşdemir",
    )
    assert listing.appearances[0].submitter == "Aaron Gokaslan"
    assert {a.date for a in listing.appearances} == {"2025-01-10"}


def test_2025_schema_has_code_and_project_urls(corpus):
    listing = read(corpus, "2025-03-19")
    assert (listing.date, len(listing.papers), listing.problems) == ("2025-03-19", 18, [])
    rwkv, videos, roco = listing.papers[0], listing.papers[1], listing.papers[17]
    assert rwkv.title == 'RWKV-7 "Goose" with Expressive Dynamic State Evolution'
    assert (rwkv.code_url, rwkv.project_url) == (
        "https://github.com/RWKV/RWKV-LM",
        "https://rwkv.cn",
    )
    assert (rwkv.authors[0], rwkv.authors[-1], len(rwkv.authors)) == (
        "Bo Peng",
        "Christian Zhou-Zheng",
        15,
    )
    assert (videos.id, videos.title, videos.project_url) == (
        "2503.14378",
        "Impossible Videos",
        "https://showlab.github.io/Impossible-Videos/",
    )
    assert roco.title == (
        "RoCo-Sim: Enhancing Roadside Collaborative Perception through Foreground Simulation"
    )
    assert (roco.code_url, roco.published) == (None, "2025-03-13")
    assert [(a.rank, a.upvotes, a.comments, a.submitter) for a in listing.appearances[:2]] == [
        (1, 56, 5, "Zhang Ruichong"),
        (2, 35, 1, "Zechen Bai"),
    ]


def test_2026_schema(corpus):
    listing = read(corpus, "2026-08-21")
    assert (listing.date, len(listing.papers), listing.problems) == ("2026-08-21", 17, [])
    env, naru = listing.papers[0], listing.papers[-1]
    assert (env.id, env.title, env.published) == (
        "2608.19880",
        "EnvHarness: Awakening Static Worlds for Agent Learning",
        "2026-08-20",
    )
    assert env.code_url == "https://github.com/google-research/envharness"
    assert (naru.id, naru.project_url, naru.authors[-1]) == (
        "2608.13210",
        "https://ma-labo.github.io/naru/",
        "Lei Ma",
    )
    assert (listing.appearances[0].upvotes, listing.appearances[0].submitter) == (163, "taesiri")


def test_date_without_url_comes_from_submitted_on_daily_at(corpus):
    path = corpus / "hf" / "api-daily-papers" / f"2025-03-19{SUFFIX}"
    # item publishedAt says 2025-03-18 for most items; the daily date is what counts
    assert hf_api.parse(path.read_text(encoding="utf-8")).date == "2025-03-19"


def test_demo_day_field_by_field():
    listing = hf_api.parse(API_DEMO.read_text(encoding="utf-8"), API_DEMO.as_uri())
    assert (listing.date, listing.problems) == ("2024-08-05", [])
    assert [p.id for p in listing.papers] == [
        "2408.90004",
        "2408.90005",
        "2408.90008",
        "2408.90001",
    ]
    assert [(a.rank, a.upvotes) for a in listing.appearances] == [(1, 28), (2, 19), (3, 9), (4, 60)]
    retrieval, proofs, _, lattice = listing.papers
    assert retrieval.code_url == "https://github.com/nhaddad/mm-retrieval-scaling"
    assert proofs.project_url == "https://prooffix.example.org"
    assert lattice.title == "Sparse Lattice Transformers for Long-Context Reasoning"
    assert "each layer costs $O(n \\log n)$ instead of quadratic time. On long-context" in (
        lattice.abstract
    )
    assert lattice.authors == ["Ada Moreau", "Kenji Ito", "Priya Raman"]
    assert listing.appearances[3].submitter == "Ada Moreau"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://huggingface.co/api/daily_papers?date=2024-08-07", "2024-08-07"),
        ("file:///data/2024-08-06.json?date=2024-08-07", "2024-08-07"),
        ("file:///data/2024-08-06.json", "2024-08-06"),
        ("file:///2024-01-01/hf-dump.json", None),  # only the last segment names the day
        ("https://huggingface.co/api/daily_papers", None),
    ],
)
def test_url_date(url, expected):
    assert hf_api.url_date(url) == expected


def test_date_priority_wrapper_then_item_dates():
    wrapped = {"date": "2024-08-09", "data": [item(submittedOnDailyAt="2024-08-01T00:00:00Z")]}
    assert hf_api.parse(json.dumps(wrapped)).date == "2024-08-09"
    daily = [item(submittedOnDailyAt="2024-08-01T09:00:00Z") | {"publishedAt": "2024-07-30"}]
    assert hf_api.parse(json.dumps(daily)).appearances[0].date == "2024-08-01"
    old = [item() | {"publishedAt": "2024-07-30T01:00:00Z"}]
    assert hf_api.parse(json.dumps(old)).appearances[0].date == "2024-07-30"
    mixed = [
        item("2408.90001") | {"publishedAt": "2024-07-30"},
        item("2408.90002") | {"publishedAt": "2024-07-31"},
    ]
    listing = hf_api.parse(json.dumps(mixed))
    assert listing.date is None
    assert [a.date for a in listing.appearances] == ["2024-07-30", "2024-07-31"]


def test_broken_items_are_skipped_and_reported():
    items = [
        item("2408.90001"),
        item("not-an-id"),
        item("2408.90003", title=""),
        {"title": "no paper"},
        "{'paper': {'id': '2408.90005'",
        item("2408.90001"),
        repr(item("2408.90006", title="From a repr")),
    ]
    listing = hf_api.parse(
        json.dumps(items), "https://huggingface.co/api/daily_papers?date=2024-08-02"
    )
    assert [p.id for p in listing.papers] == ["2408.90001", "2408.90006"]
    assert [a.rank for a in listing.appearances] == [1, 7]
    assert listing.problems == [
        Problem("item 2", "no arXiv id in 'not-an-id'"),
        Problem("2408.90003", "no title"),
        Problem("item 4", "no paper object"),
        Problem("item 5", "item string is not a readable Python literal"),
        Problem("2408.90001", "duplicate id 2408.90001"),
    ]


def test_top_level_title_is_the_fallback():
    raw = item(title="") | {"title": "Top-level  title"}
    assert hf_api.parse(json.dumps([raw])).papers[0].title == "Top-level title"


def test_single_paper_api_response_gives_a_paper_and_no_appearance():
    paper = item("2408.90003", title="Self-Correcting Agents")["paper"] | {"upvotes": 3}
    listing = hf_api.parse(json.dumps(paper), "https://huggingface.co/api/papers/2408.90003")
    assert [p.id for p in listing.papers] == ["2408.90003"]
    assert listing.appearances == []


def test_empty_day_is_an_empty_listing():
    listing = hf_api.parse("[]", "https://huggingface.co/api/daily_papers?date=2024-08-03")
    assert (listing.papers, listing.date) == ([], "2024-08-03")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html>not json</html>", "not Hugging Face API JSON"),
        ('{"error": "Invalid date"}', "answered with an error: Invalid date"),
        ('{"foo": 1}', "expected a JSON list of items"),
        ("3", "expected a JSON list of items"),
        ("[" * 100000, "not Hugging Face API JSON"),
    ],
)
def test_wrong_shape_is_a_parse_error(text, message):
    with pytest.raises(ParseError, match=message):
        hf_api.parse(text)


def test_truncated_demo_gives_listing_or_parse_error():
    text = API_DEMO.read_text(encoding="utf-8")
    for cut in (1, 10, len(text) // 3, len(text) // 2, len(text) - 3):
        with pytest.raises(ParseError):
            hf_api.parse(text[:cut])


def test_matches_api_json_only(corpus):
    api = API_DEMO.read_text(encoding="utf-8")
    assert hf_api.matches(api, None)
    assert hf_api.matches("[]", "https://huggingface.co/api/daily_papers?date=2024-08-03")
    assert not hf_api.matches("[]", None)
    assert not hf_api.matches((DEMO / "hf-daily-2024-08-02.html").read_text(encoding="utf-8"), None)
    recorded = json.dumps({"url": "u", "status_code": 200, "body": api})
    assert not hf_api.matches(recorded, None)
    wrapper = corpus / "hf" / "api-daily-papers" / f"2025-01-10{SUFFIX}"
    assert hf_api.matches(wrapper.read_text(encoding="utf-8"), None)


SIGNALS = {
    "githubRepo": "https://github.com/example/lattice",
    "githubStars": 1234,
    "projectPage": "https://example.org/lattice/",
    "ai_summary": "Sparse lattices cut  attention cost\nfor long contexts.",
    "ai_keywords": ["sparse lattice", "", "Sparse Lattice", "long context", 7, "attention"],
    "organization": {"_id": "x1", "name": "example-lab", "fullname": "Example Lab"},
}


def test_hugging_face_signals_are_kept():
    """Stars (with their repository), organisation, AI summary and keywords, thumbnail, and the
    item's comments and submitter: what issue 20 keeps."""
    raw = item(**SIGNALS) | {
        "thumbnail": "https://cdn.example/thumb/2408.90001.png",
        "numComments": 4,
        "submittedBy": {"name": "ada", "fullname": "Ada Moreau"},
    }
    listing = hf_api.parse(
        json.dumps([raw]), "https://huggingface.co/api/daily_papers?date=2024-08-01"
    )
    paper, seen = listing.papers[0], listing.appearances[0]
    assert (paper.code_url, paper.github_stars) == ("https://github.com/example/lattice", 1234)
    assert paper.project_url == "https://example.org/lattice/"
    assert (paper.org, paper.org_name) == ("example-lab", "Example Lab")
    assert paper.hf_summary == "Sparse lattices cut attention cost for long contexts."
    assert paper.hf_keywords == ["sparse lattice", "long context", "attention"]
    assert paper.thumbnail == "https://cdn.example/thumb/2408.90001.png"
    assert (seen.comments, seen.submitter, seen.date) == (4, "Ada Moreau", "2024-08-01")


def test_item_level_organisation_fills_the_paper_s():
    raw = item() | {"organization": {"name": "nvidia", "fullname": "NVIDIA"}}
    paper = hf_api.parse(json.dumps([raw])).papers[0]
    assert (paper.org, paper.org_name) == ("nvidia", "NVIDIA")


@pytest.mark.parametrize(
    "bad",
    [
        {"githubStars": -5, "githubRepo": "https://github.com/a/b"},
        {"githubStars": True, "githubRepo": "https://github.com/a/b"},
        {"githubStars": "many", "githubRepo": "https://github.com/a/b"},
        {"githubStars": 10},  # stars without a repository
        {"organization": "nvidia"},
        {"organization": {"fullname": "No Id"}},
        {"ai_keywords": "sparse, lattice"},
        {"ai_keywords": ["x"] * 10_000},
        {"ai_summary": {"text": "not a string"}},
    ],
)
def test_odd_signal_values_are_left_out_not_fatal(bad):
    paper = hf_api.parse(json.dumps([item(**bad)])).papers[0]
    assert paper.github_stars is None and paper.org is None and paper.hf_summary is None
    assert len(paper.hf_keywords) <= 1 and paper.title == "A Title"
