"""`paperboy enrich`: papers imported without categories (Hugging Face) get them from the arXiv
API, the index learns them, and `cat:` then finds those papers and stops warning."""

from __future__ import annotations

from helpers import run
from replay import Replay

from server.models import Listing, Paper
from server.store import Store

HF = [
    Paper("2407.21783", "The Llama 3 Herd of Models", "A herd of language models.", ["A. B"]),
    Paper("2408.00001", "Segment anything again", "Masks for every image.", ["C. D"]),
]
CATEGORIES = {"2407.21783": ["cs.AI", "cs.CL"], "2408.00001": ["cs.CV"]}


def test_enrich_fills_categories_and_cat_finds_them(tmp_path):
    data = tmp_path / "data"
    with Store(data / "papers.sqlite3") as store:
        store.ingest(Listing("hf-api", papers=HF))
    before = run(data, "search", "cat:cs.CV")
    assert "2 papers have no arXiv categories" in before.stdout + before.stderr
    assert "`paperboy enrich`" in before.stdout + before.stderr
    with Replay() as site:
        for paper in HF:
            site.atom_papers[paper.id] = Paper(
                **{**vars(paper), "categories": CATEGORIES[paper.id]}
            )
        done = run(
            data, "enrich", arxiv_api_url=site.url + "/api/query", delay_arxiv="0",
            contact="test@example.org",
        )  # fmt: skip
        asked = site.paths("/api/query")
    assert done.returncode == 0, done.stderr
    assert "2 papers lack an abstract or categories" in done.stdout
    assert len(asked) == 1 and "2407.21783" in asked[0] and "2408.00001" in asked[0]
    with Store(data / "papers.sqlite3") as store:
        stored = {p.id: p.categories for p in store.iter_papers()}
    assert stored == CATEGORIES
    after = run(data, "search", "cat:cs.CV")
    assert after.returncode == 0, after.stderr
    assert "2408.00001" in after.stdout and "no arXiv categories" not in after.stdout + after.stderr
    again = run(data, "enrich", arxiv_api_url=site.url + "/api/query", contact="t@example.org")
    assert again.returncode == 1 and "no paper lacks an abstract or categories" in again.stdout
