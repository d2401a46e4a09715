"""For you (issue 19, part 5) on a small archive: the picks come from the last listing days,
leave out saved and hidden papers, follow what the reader saved (or one tag of it), and say
why; the CLI and the API answer the same, and the API needs the token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api.test_api import Client
from helpers import run, serving

from server.index import open_index
from server.models import Appearance, Listing, Paper
from server.store import Store

TOPICS = {
    "retrieval": "Dense passage retrieval with learned sparse routers and distilled rerankers "
    "improves open-domain question answering over large document collections.",
    "proteins": "Protein backbone design with diffusion models samples folds conditioned on "
    "sequence motifs and scores designability with structure predictors.",
    "weather": "Graph neural operators forecast precipitation and nowcast storms from radar "
    "mosaics, beating numerical weather prediction at short lead times.",
}


def _paper(n: int, topic: str) -> Paper:
    words = TOPICS[topic].split()
    shuffled = " ".join(words[n % 5 :] + words[: n % 5])
    return Paper(f"2409.{n:05d}", f"{topic.title()} study {n}", shuffled, published="2024-09-01")


def _archive(data: Path) -> None:
    """Old papers (saved from) on 2024-09-02, new ones on 2024-09-20, three topics each."""
    with Store(data / "papers.sqlite3") as store:
        for day, first in (("2024-09-02", 0), ("2024-09-20", 100)):
            papers = [_paper(first + n, t) for n, t in enumerate(sorted(TOPICS) * 6)]
            apps = [Appearance(p.id, "hf-daily", day, rank=i) for i, p in enumerate(papers, 1)]
            store.ingest(Listing(kind="hf-api", date=day, papers=papers, appearances=apps))
        for n in (1, 4, 7):  # retrieval papers of the first day (topics in turn: p, r, w)
            store.desk.save(f"2409.{n:05d}", ["ir"])
        store.desk.save("2409.00003", ["bio"])  # a proteins paper
        store.desk.hide("2409.00101")  # a new retrieval paper the reader never wants
        open_index(data, "whoosh").ensure(store)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("recommend")
    _archive(data)
    return data


def _picks(data: Path, *args: str) -> dict:
    out = run(data, "recommend", "--json", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_picks_follow_the_saved_papers_and_say_why(data: Path) -> None:
    found = _picks(data, "--days", "1", "--tag", "ir", "--limit", "5")
    ids = [p["id"] for p in found["papers"]]
    titles = [p["title"] for p in found["papers"]]
    assert all(t.startswith("Retrieval") for t in titles), titles
    assert "2409.00101" not in ids  # hidden
    assert all(i.startswith("2409.001") for i in ids)  # only the last listing day
    because = found["papers"][0]["because"]
    assert because["saved"] in {"2409.00001", "2409.00004", "2409.00007"}
    assert set(because["words"]) & {"retrieval", "passage retrieval", "rerankers", "routers"}
    bio = _picks(data, "--days", "1", "--tag", "bio", "--limit", "3")
    assert all(p["title"].startswith("Proteins") for p in bio["papers"]), bio


def test_saved_papers_are_never_picked(data: Path) -> None:
    found = _picks(data, "--days", "2", "--limit", "100")
    ids = {p["id"] for p in found["papers"]}
    assert not ids & {"2409.00001", "2409.00004", "2409.00007", "2409.00003", "2409.00101"}
    assert found["saved"] == 4 and found["candidates"] == len(ids)


def test_without_saved_papers_it_says_what_to_do(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data / "papers.sqlite3") as store:
        p = _paper(1, "weather")
        store.ingest(
            Listing(
                kind="hf-api",
                date="2024-09-02",
                papers=[p],
                appearances=[Appearance(p.id, "hf-daily", "2024-09-02", rank=1)],
            )
        )
    out = run(data, "recommend")
    assert out.returncode == 0 and "save a few papers first" in out.stdout


def test_the_api_answers_as_the_cli(data: Path) -> None:
    token = run(data, "token").stdout.strip()
    with serving(data) as base:
        client = Client(base)
        assert client.get("/api/recommend")[0] == 401
        status, answer, _ = client.get(
            "/api/recommend?days=1&tag=ir&limit=5", headers={"Authorization": f"Bearer {token}"}
        )
    assert status == 200
    assert (
        answer["data"]["papers"]
        == _picks(data, "--days", "1", "--tag", "ir", "--limit", "5")["papers"]
    )
