"""Hub artifacts fetched for the papers on the lists, through the polite fetcher, from a replay
server answering at the Hub's real paths with answers written in its shapes; a real store.

The schedule: a paper last listed up to 7 days ago is refreshed daily, up to 30 days weekly,
then not at all; a failed answer keeps what was stored and counts a try (3 end its refreshes).
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from replay import FakeClock, Replay

from server.archive import Archive
from server.config import load
from server.crawl.fetch import Fetcher, Politeness
from server.crawl.scrape import Scraper
from server.crawl.targets import hub_list
from server.models import Appearance, Artifact, Listing, Paper
from server.store import Store, today
from server.update import update

TODAY = today().isoformat()  # the store stamps fetches with the real clock
PAPER = "2408.90001"
MODELS = [
    {
        "_id": "66a1f2c3d4e5f60718293a4b",
        "id": "example-lab/Reasoner-7B",
        "likes": 412,
        "private": False,
        "downloads": 98231,
        "tags": ["transformers", "arxiv:2408.90001"],
        "pipeline_tag": "text-generation",
        "createdAt": "2024-08-02T09:14:11.000Z",
        "modelId": "example-lab/Reasoner-7B",
    },
    {"_id": "66a1f2c3d4e5f60718293a4c", "id": "broken/", "likes": 1, "private": False},
]
DATASETS = [
    {
        "_id": "66a1f2c3d4e5f60718293a50",
        "id": "example-lab/reasoning-traces",
        "author": "example-lab",
        "lastModified": "2024-08-02T12:00:00.000Z",
        "private": False,
        "gated": False,
        "downloads": 1207,
        "likes": 25,
        "tags": ["arxiv:2408.90001"],
    }
]
SPACES = [
    {
        "_id": "66a1f2c3d4e5f60718293a60",
        "id": "example-lab/reasoner-demo",
        "likes": 88,
        "private": False,
        "sdk": "gradio",
        "tags": ["gradio", "arxiv:2408.90001"],
    }
]


def days_ago(n: int) -> str:
    return (date.fromisoformat(TODAY) - timedelta(n)).isoformat()


def path(config, kind: str, paper_id: str = PAPER) -> str:
    """The replay path of a Hub list (its URL without the replay's origin)."""
    return hub_list(config, kind, paper_id).url[len(str(config["hf_url"])) :]


@pytest.fixture
def hub():
    with Replay() as replay:
        replay.clock = FakeClock()
        yield replay


def settings(tmp_path, replay, **more):
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    values = {"data": str(tmp_path / "data"), "hf_url": replay.url, "contact": "t@example.org"}
    return load({**values, "fetch_timeout": 0.3, **more}, empty, environ={})


def listed(config, papers: dict[str, int]) -> None:
    """Papers on the HF daily list n days ago (and one arXiv-only paper, never asked about)."""
    with Store(config.data_dir / "papers.sqlite3") as store:
        ids = [*papers, "2408.90009"]
        store.ingest(
            Listing(
                "test",
                papers=[Paper(i, title=f"Paper {i}") for i in ids],
                appearances=[Appearance(i, "hf-daily", days_ago(n)) for i, n in papers.items()]
                + [Appearance("2408.90009", "arxiv-new", TODAY, category="cs.LG")],
            )
        )


def serve(config, replay: Replay, paper_id: str = PAPER) -> None:
    for kind, items in (("model", MODELS), ("dataset", DATASETS), ("space", SPACES)):
        replay.add(path(config, kind, paper_id), json.dumps(items), "application/json")


def enrich(config, replay: Replay, day: str = TODAY):
    """One enrichment run (abstract queue empty, so only the Hub); its report."""
    with Store(config.data_dir / "papers.sqlite3") as store:
        fetcher = Fetcher(Politeness.from_config(config), replay.clock, random.Random(3))
        scraper = Scraper(store, fetcher, config, day)
        scraper.artifacts()
        return scraper.report


def stored(config, paper_id: str = PAPER) -> list[Artifact]:
    with Store(config.data_dir / "papers.sqlite3") as store:
        return store.artifacts.of(paper_id)


def test_a_listed_papers_artifacts_are_fetched_politely_and_stored(tmp_path, hub):
    config = settings(tmp_path, hub, delay_hf=1.5)
    listed(config, {PAPER: 1})
    serve(config, hub)
    report = enrich(config, hub)
    assert [o.line() for o in report.outcomes] == [
        f"hub {PAPER}: new: 1 models, 1 datasets, 1 spaces; "
        "models: skipped 1 of 2 items: item 2: no usable repository id ('broken/')"
    ]
    assert stored(config) == [
        Artifact("model", "example-lab/Reasoner-7B", 412, 98231),
        Artifact("dataset", "example-lab/reasoning-traces", 25, 1207),
        Artifact("space", "example-lab/reasoner-demo", 88, None),
    ]
    asked = hub.paths("/api/")
    assert asked == [
        f"/api/models?filter=arxiv:{PAPER}&sort=likes&direction=-1&limit=50",
        f"/api/datasets?filter=arxiv:{PAPER}&sort=likes&direction=-1&limit=50",
        f"/api/spaces?filter=arxiv:{PAPER}&sort=likes&direction=-1&limit=50",
    ]
    hits = [h for h in hub.hits if h.path.startswith("/api/")]
    assert all("Paperboy/" in h.headers["User-Agent"] for h in hits)
    assert all("t@example.org" in h.headers["User-Agent"] for h in hits)
    assert "/robots.txt" in hub.paths()  # robots.txt read first
    gaps = [b.at - a.at for a, b in zip(hits, hits[1:], strict=False)]
    assert all(gap >= 1.5 for gap in gaps)  # delay_hf between requests to the Hub's host
    assert report.summary() == "new: Hub artifacts of 1 papers refreshed, 1 changed"


def test_the_schedule_daily_then_weekly_then_never(tmp_path, hub):
    config = settings(tmp_path, hub)
    ids = {"2408.90001": 1, "2408.90002": 7, "2408.90003": 8, "2408.90004": 30, "2408.90005": 31}
    listed(config, ids)
    enrich(config, hub)
    first = sorted({p.split("arxiv:")[1].split("&")[0] for p in hub.paths("/api/")})
    assert first == ["2408.90001", "2408.90002", "2408.90003", "2408.90004"]  # 31 days: never
    hub.hits.clear()
    enrich(config, hub)
    assert hub.paths("/api/") == []  # fetched today: not again today
    with Store(config.data_dir / "papers.sqlite3") as store:
        store.db.execute("UPDATE artifact_fetches SET fetched_at = ?", (days_ago(1) + "T09:00",))
        assert store.artifacts.due(TODAY, 50) == ["2408.90001", "2408.90002"]  # daily
        store.db.execute("UPDATE artifact_fetches SET fetched_at = ?", (days_ago(6) + "T09:00",))
        assert store.artifacts.due(TODAY, 50) == ["2408.90001", "2408.90002"]
        store.db.execute("UPDATE artifact_fetches SET fetched_at = ?", (days_ago(7) + "T09:00",))
        assert store.artifacts.due(TODAY, 50) == [f"2408.9000{n}" for n in (1, 2, 3, 4)]  # weekly
        assert store.artifacts.due(TODAY, 1) == ["2408.90001"]  # hub_papers caps a run
        assert store.artifacts.due(days_ago(-1), 50) == [f"2408.9000{n}" for n in (1, 2, 3)]


def test_an_empty_list_is_stored_as_none_and_not_asked_again_today(tmp_path, hub):
    config = settings(tmp_path, hub)
    listed(config, {PAPER: 0})
    report = enrich(config, hub)  # the replay answers [] as the Hub does for an unused tag
    assert [o.line() for o in report.outcomes] == [
        f"hub {PAPER}: unchanged: 0 models, 0 datasets, 0 spaces"
    ]
    with Store(config.data_dir / "papers.sqlite3") as store:
        assert store.artifacts.of(PAPER) == [] and store.artifacts.fetched_at(PAPER)
        assert store.artifacts.due(TODAY, 50) == []


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_rate_limits_and_server_errors_are_retried(tmp_path, hub, fault):
    config = settings(tmp_path, hub)
    listed(config, {PAPER: 1})
    serve(config, hub)
    hub.fault(path(config, "dataset"), fault, fault)
    report = enrich(config, hub)
    assert [o.status for o in report.outcomes] == ["new"], report.outcomes
    assert len(stored(config)) == 3
    assert hub.paths("/api/datasets").count(path(config, "dataset")) == 3
    if fault == "429":
        assert hub.clock.sleeps.count(7.0) == 2  # the Retry-After asked for, each time


def test_a_404_fails_clearly_and_keeps_what_was_stored(tmp_path, hub):
    config = settings(tmp_path, hub)
    listed(config, {PAPER: 1})
    serve(config, hub)
    enrich(config, hub)
    before = stored(config)
    with Store(config.data_dir / "papers.sqlite3") as store:
        store.db.execute("UPDATE artifact_fetches SET fetched_at = ?", (days_ago(1) + "T09:00",))
    hub.pages.pop(path(config, "space"))
    hub.gone.add(path(config, "space"))
    report = enrich(config, hub)
    line = report.outcomes[0].line()
    assert report.outcomes[0].status == "failed" and report.failures
    assert f"/api/spaces?filter=arxiv:{PAPER}" in line and "HTTP 404" in line
    assert "the artifacts stored before are kept (failed try 1 of 3)" in line
    assert report.summary() == (
        "nothing new: Hub artifacts of 0 papers refreshed, 0 changed, 1 failed"
    )
    assert stored(config) == before
    for _ in range(2):
        enrich(config, hub)
    with Store(config.data_dir / "papers.sqlite3") as store:
        assert store.artifacts.due(TODAY, 50) == []  # three failures in a row: no more tries
        assert store.artifacts.of(PAPER) == before


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'[{"id": "example-lab/reasoner-demo", "likes": 8', "not Hugging Face Hub JSON"),
        (b'{"error": "Invalid filter"}', "the Hub answered with an error: Invalid filter"),
        (b"", "the file is empty"),
    ],
)
def test_a_malformed_answer_names_its_url_and_loses_nothing(tmp_path, hub, body, says):
    config = settings(tmp_path, hub)
    listed(config, {PAPER: 1})
    serve(config, hub)
    enrich(config, hub)
    before = stored(config)
    with Store(config.data_dir / "papers.sqlite3") as store:
        store.db.execute("UPDATE artifact_fetches SET fetched_at = ?", (days_ago(1) + "T09:00",))
    hub.add(path(config, "space"), body, "application/json")
    report = enrich(config, hub)
    line = report.outcomes[0].line()
    public = f"https://huggingface.co/api/spaces?filter=arxiv:{PAPER}&sort=likes"
    assert report.outcomes[0].status == "failed" and public in line and says in line, line
    assert "Traceback" not in line and stored(config) == before


def test_a_huge_answer_is_refused_by_the_page_size_limit(tmp_path, hub):
    config = settings(tmp_path, hub, max_page_bytes=100_000)
    listed(config, {PAPER: 1})
    items = [{"id": f"owner/model-{n}", "likes": n, "tags": ["x"] * 20} for n in range(5000)]
    hub.add(path(config, "model"), json.dumps(items), "application/json")
    report = enrich(config, hub)
    assert report.outcomes[0].status == "failed"
    assert "too large" in report.outcomes[0].detail and "/api/models" in report.outcomes[0].detail
    assert stored(config) == []


def test_a_long_list_keeps_the_50_most_liked(tmp_path, hub):
    config = settings(tmp_path, hub)
    listed(config, {PAPER: 1})
    items = [{"id": f"owner/model-{n}", "likes": 5000 - n} for n in range(500)]
    hub.add(path(config, "model"), json.dumps(items), "application/json")
    report = enrich(config, hub)
    assert "skipped 1 of 51 items: item 51: over 50 models: not kept" in report.outcomes[0].detail
    kept = stored(config)
    assert len(kept) == 50 and kept[0] == Artifact("model", "owner/model-0", 5000, None)


def test_hub_papers_0_asks_nothing(tmp_path, hub):
    config = settings(tmp_path, hub, hub_papers=0)
    listed(config, {PAPER: 1})
    assert enrich(config, hub).outcomes == [] and hub.paths("/api/") == []


def test_update_refreshes_the_artifacts_and_counts_a_change_as_news(tmp_path, hub):
    config = settings(tmp_path, hub, sources=["hf"], repoll_days=1)
    listed(config, {PAPER: 1})
    serve(config, hub)
    hub.add(f"/api/daily_papers?date={TODAY}", "[]", "application/json")

    def run_update():
        archive, lines = Archive(config), []
        fetcher = Fetcher(Politeness.from_config(config), hub.clock, random.Random(3))
        try:
            return update(archive, fetcher, TODAY, lines.append, steps=()), lines
        finally:
            archive.close()

    first, lines = run_update()
    assert first.exit_code == 0, lines  # new artifacts are news: index and site follow
    assert f"  hub {PAPER}: new: 1 models, 1 datasets, 1 spaces" in "\n".join(lines)
    assert len(stored(config)) == 3
    second, lines = run_update()
    assert second.exit_code == 1 and not any("hub " in line for line in lines)  # not due today
    listed(config, {"2408.90002": 0})
    hub.gone.add(path(config, "model", "2408.90002"))
    third, lines = run_update()  # the paper stored since the last update is news itself
    assert third.exit_code == 0 and [o.label for o in third.scrape.failures] == ["hub 2408.90002"]
    fourth, lines = run_update()  # asked again (try 2 of 3), and nothing else is new
    assert fourth.exit_code == 4 and [o.label for o in fourth.scrape.failures] == ["hub 2408.90002"]
