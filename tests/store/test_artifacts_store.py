"""The store's Hub artifacts: migration 010 on an older store, atomic replacement, the paper's
time moving only when they change, and a merged paper's derived rows going with it."""

from __future__ import annotations

import sqlite3

import pytest
from helpers import drop_schema_10

from server.models import Appearance, Artifact, Listing, Paper
from server.store import SCHEMA_VERSION, Store

PAPER = "2408.90001"
FOUND = [Artifact("model", "lab/m", 5, 10), Artifact("space", "lab/s", 2)]


def stored(path) -> Store:
    store = Store(path)
    store.ingest(Listing("t", papers=[Paper(PAPER, "A paper")]))
    return store


def test_a_schema_9_store_gains_the_artifact_tables(tmp_path):
    path = tmp_path / "papers.sqlite3"
    stored(path).close()
    db = sqlite3.connect(path)
    drop_schema_10(db)
    db.execute("PRAGMA user_version = 9")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 10
        assert store.artifacts.of(PAPER) == [] and store.artifacts.fetched_at(PAPER) is None
        assert store.artifacts.replace(PAPER, FOUND) and store.artifacts.of(PAPER) == FOUND


def test_replacing_is_all_or_nothing_and_moves_the_papers_time_only_on_change(tmp_path):
    with stored(tmp_path / "papers.sqlite3") as store:
        assert store.artifacts.replace(PAPER, FOUND)
        changed = store.last_change()
        fetched = store.artifacts.fetched_at(PAPER)
        assert not store.artifacts.replace(PAPER, list(reversed(FOUND)))  # same, in any order
        assert store.last_change() == changed and store.artifacts.fetched_at(PAPER) > fetched
        with pytest.raises(ValueError, match="unknown artifact kind 'paper'"):
            store.artifacts.replace(PAPER, [Artifact("paper", "lab/x")])
        assert store.artifacts.of(PAPER) == FOUND
        assert store.artifacts.replace(PAPER, [Artifact("model", "lab/m", 6, 10)])
        assert store.last_change() > changed
        assert store.artifacts.failed(PAPER) == 1 and store.artifacts.failed(PAPER) == 2
        assert store.artifacts.replace(PAPER, []) and store.artifacts.failed(PAPER) == 1


def test_a_merged_papers_artifacts_go_with_it(tmp_path):
    with Store(tmp_path / "papers.sqlite3") as store:
        title = Paper("title:a-paper-on-merging", "A paper on merging")
        store.ingest(
            Listing("t", papers=[title], appearances=[Appearance(title.id, "text", "2024-08-02")])
        )
        store.artifacts.replace(title.id, FOUND)
        store.ingest(Listing("t", papers=[Paper(PAPER, "A paper on merging")]))
        store.ingest(Listing("t", papers=[Paper(PAPER, "A paper on merging")]))
        assert store.resolve(title.id) == PAPER
        leftover = store.db.execute(
            "SELECT count(*) FROM artifacts WHERE paper_id = ?", (title.id,)
        ).fetchone()[0]
        assert leftover == 0
