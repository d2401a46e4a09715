"""Catch-up (issue 19, part 4): "While you were away" lists what trended after the last day the
user had seen, however long ago, as one list: each paper once, most upvoted over those days
first, with when and where it trended; hidden papers left out, saved ones marked; "you are caught
up" when nothing is new. Checked for a day, a week and three months away, in the store (with an
oracle computed here from the listings), on the CLI and over a real `paperboy serve`."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from api.test_api import Client
from helpers import run, serving

from server import service
from server.models import Appearance, Listing, Paper
from server.store import Store

START = date(2024, 5, 1)
DAYS = 100  # three months and more of weekday lists
POOL = 400  # papers that may show up


def _days() -> list[date]:
    days = [START + timedelta(days=n) for n in range(DAYS + 40)]
    return [d for d in days if d.weekday() < 5][:DAYS]


def _archive(path: Path) -> dict[str, list[tuple[str, int, int]]]:
    """A store of DAYS Hugging Face daily lists (papers return on later days with more upvotes);
    returns the oracle: day -> [(paper id, rank, upvotes)]."""
    rng = random.Random(19)
    oracle = {}
    with Store(path) as store:
        for day in _days():
            ids = rng.sample(range(POOL), 12)
            rows = [(f"2405.{i:05d}", rank, rng.randint(0, 300)) for rank, i in enumerate(ids, 1)]
            oracle[day.isoformat()] = rows
            papers = [
                Paper(pid, f"Paper {pid}", "An abstract.", published="2024-05-01")
                for pid, _, _ in rows
            ]
            apps = [
                Appearance(pid, "hf-daily", day.isoformat(), rank=rank, upvotes=votes)
                for pid, rank, votes in rows
            ]
            store.ingest(
                Listing(kind="hf-api", date=day.isoformat(), papers=papers, appearances=apps)
            )
    return oracle


def _expected(oracle, after: str) -> list[tuple[str, int]]:
    """(id, best upvotes) of every paper on a list after `after`, most upvoted first, then best
    rank, then id."""
    best: dict[str, tuple[int, int]] = {}
    for day, rows in oracle.items():
        if day > after:
            for pid, rank, votes in rows:
                v, r = best.get(pid, (0, 10**6))
                best[pid] = (max(v, votes), min(r, rank))
    order = sorted(best, key=lambda p: (-best[p][0], best[p][1], p))
    return [(p, best[p][0]) for p in order]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    data = tmp_path_factory.mktemp("catchup")
    return data, _archive(data / "papers.sqlite3")


@pytest.mark.parametrize("away", [1, 5, 65], ids=["a day", "a week", "three months"])
def test_while_you_were_away_lists_each_paper_once_by_its_best_showing(archive, away) -> None:
    data, oracle = archive
    days = sorted(oracle)
    seen = days[-1 - away]
    with Store(data / "papers.sqlite3") as store:
        with store.db:
            store.db.execute("DELETE FROM desk_seen")
        store.desk.mark_seen(seen)
        found = service.catchup(store, limit=1000)
    expected = _expected(oracle, seen)
    got = [(p["id"], p["best_upvotes"]) for p in found["papers"]]
    assert got == expected
    assert len({p["id"] for p in found["papers"]}) == len(got) == found["total"]
    assert (found["from"], found["to"]) == (
        (date.fromisoformat(seen) + timedelta(1)).isoformat(),
        days[-1],
    )
    assert f"{len(expected)} papers trended" in found["heading"]
    top = found["papers"][0]
    showings = [
        (d, r, v)
        for d, rows in oracle.items()
        if d > seen
        for pid, r, v in rows
        if pid == top["id"]
    ]
    assert len(top["trended"]) == len(showings)  # one line per day and list it was on
    for d, r, v in showings:
        assert f"HF daily #{r} \u00b7 {d} \u00b7 {v}\u25b2" in top["trended"]


def test_saved_are_marked_hidden_left_out_and_then_you_are_caught_up(archive) -> None:
    data, oracle = archive
    days = sorted(oracle)
    with Store(data / "papers.sqlite3") as store:
        with store.db:
            store.db.execute("DELETE FROM desk_seen")
        store.desk.mark_seen(days[-6])
        first = service.catchup(store, limit=1000)["papers"]
        saved, hidden = first[0]["id"], first[1]["id"]
        store.desk.save(saved)
        store.desk.hide(hidden)
        again = service.catchup(store, limit=1000)
        assert [p["id"] for p in again["papers"] if p["saved"]] == [saved]
        assert hidden not in [p["id"] for p in again["papers"]]
        store.desk.mark_seen(days[-1])
        done = service.catchup(store)
        assert done["caught_up"] and done["papers"] == []
        assert done["heading"] == f"You are caught up: nothing new on the lists since {days[-1]}"
        store.desk.unsave(saved)
        store.desk.hide(hidden, hidden=False)


def test_the_cli_marks_the_lists_seen_and_the_api_reads_the_same(tmp_path: Path) -> None:
    data = tmp_path / "data"
    oracle = _archive(data / "papers.sqlite3")
    days = sorted(oracle)
    token = run(data, "token").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    peek = run(data, "catchup", "--peek", "--json")
    assert peek.returncode == 0, peek.stderr
    first = json.loads(peek.stdout)
    assert first["since"] is None and first["to"] == days[-1]  # first time: the last 7 days
    assert first["from"] == days[-7]
    with serving(data) as base:
        client = Client(base)
        status, answer, _ = client.get("/api/catchup?limit=5", headers=auth)
        assert status == 200 and answer["data"]["papers"] == first["papers"][:5]
        assert client.get("/api/catchup")[0] == 401
        status, answer, _ = client.call(
            "POST", "/api/catchup/seen", {"day": "2999-01-01"}, headers=auth
        )
        assert status == 200 and answer["data"]["seen"] == days[-1]  # never past the newest day
        status, answer, _ = client.call(
            "POST", "/api/catchup/seen", {"day": "2024-02-30"}, headers=auth
        )
        assert status == 400 and "YYYY-MM-DD" in answer["error"]["message"]
        status, answer, _ = client.get("/api/catchup", headers=auth)
        assert answer["data"]["caught_up"] is True
    shown = run(data, "catchup")
    assert shown.returncode == 0 and shown.stdout.startswith("You are caught up")
