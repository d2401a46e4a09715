"""Catch-up on the real Hugging Face bulk corpus (issue 19): a reader last seen on 2024-07-01 and
back on 2024-08-02, one away for a day, and one away for three months (2024-08-02 to 2024-11-04).
Each paper is listed once, most upvoted first with its best upvotes over those days, with every
day it trended; `paperboy catchup` marks the lists seen and then says "you are caught up".

The oracle is read straight from the saved JSON files, not from Paperboy. The store is filled as
the reader would have: the lists up to 2024-08-02 first, the rest later.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS, need
from helpers import run

BULK = "bulk/hf-daily-papers-api_2404589803"
FIRST_BACK, LATER_BACK = "2024-08-02", "2024-11-04"


def files(first: str, last: str) -> list[Path]:
    return sorted(p for p in (CORPUS / BULK).glob("*.json") if first <= p.stem <= last)


def oracle(after: str, last: str) -> dict[str, tuple[int, set[str]]]:
    """Each paper on a saved list after `after` up to `last`: (its most upvotes, its days)."""
    best: dict[str, tuple[int, set[str]]] = {}
    for path in files(after, last):
        if path.stem == after:
            continue
        for item in json.loads(path.read_text(encoding="utf-8")):
            pid, votes = item["paper"]["id"], item["paper"].get("upvotes") or 0
            was, days = best.get(pid, (0, set()))
            best[pid] = (max(was, votes), days | {path.stem})
    return best


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    need(CORPUS.is_dir(), f"the saved corpus is absent at {CORPUS}")
    data = tmp_path_factory.mktemp("catchup-corpus") / "data"
    batch = [str(p) for p in files("2024-05-01", FIRST_BACK)]
    assert len(batch) >= 40
    done = run(data, "import", "-q", *batch)
    assert done.returncode == 0, done.stderr[-2000:]
    return data


def catchup(data: Path, *args: str) -> dict:
    done = run(data, "catchup", "--json", "--limit", "1000", *args)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def seen(data: Path, day: str) -> None:
    """The reader last looked at the lists on `day` (through the same API the popup uses)."""
    from server.store import Store

    with Store(data / "papers.sqlite3") as opened:
        with opened.db:
            opened.db.execute("DELETE FROM desk_seen")
        opened.desk.mark_seen(day)


def check(found: dict, expected: dict[str, tuple[int, set[str]]], after: str, last: str) -> None:
    ids = [p["id"] for p in found["papers"]]
    assert len(ids) == len(set(ids)) == found["total"], "a paper listed twice"
    assert set(ids) == set(expected)
    votes = [p["best_upvotes"] for p in found["papers"]]
    assert votes == [expected[i][0] for i in ids]
    assert votes == sorted(votes, reverse=True), "not most upvoted first"
    for paper in found["papers"]:
        days = expected[paper["id"]][1]
        trended = " ".join(paper["trended"])
        assert all(d in trended for d in days), (paper["id"], days, paper["trended"])
    assert found["from"] > after and found["to"] == last
    assert found["heading"].startswith(f"While you were away: {len(ids)} papers trended")


@pytest.mark.parametrize(
    ("away_since", "what"), [("2024-07-01", "a month"), ("2024-08-01", "a day")]
)
def test_back_on_2024_08_02(store, away_since, what) -> None:
    seen(store, away_since)
    found = catchup(store, "--peek")
    check(found, oracle(away_since, FIRST_BACK), away_since, FIRST_BACK)
    assert found["since"] == away_since
    assert catchup(store, "--peek") == found  # peeking marks nothing


def test_three_months_away_then_caught_up(store) -> None:
    seen(store, FIRST_BACK)
    batch = [str(p) for p in files("2024-08-03", LATER_BACK)]
    assert len(batch) >= 60  # three months of weekday lists
    assert run(store, "import", "-q", *batch).returncode == 0
    expected = oracle(FIRST_BACK, LATER_BACK)
    assert len(expected) > 800
    found = catchup(store)  # shown, then marked seen
    check(found, expected, FIRST_BACK, LATER_BACK)
    after = catchup(store, "--peek")
    assert after["caught_up"] and after["papers"] == [] and after["since"] == LATER_BACK
    assert after["heading"] == f"You are caught up: nothing new on the lists since {LATER_BACK}"
