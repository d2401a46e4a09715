"""The row counts the store keeps (migration 011): after every way the store writes papers and
appearances (import, re-import, a merge of twins, deletes, REPLACE and upserts, a desk import,
reparse, a failed ingest), Store.count equals count(*); an older store gets them seeded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import DEMO, drop_schema_11

from server.crawl.importer import import_paths, reparse
from server.models import Appearance, Listing, Paper, title_id
from server.store import SCHEMA_VERSION, Store
from server.store.connection import transaction

KEPT = ("papers", "appearances")
TITLE = "Sparse Lattice Transformers"


def exact(store: Store) -> dict[str, int]:
    """The kept counts, asserted equal to count(*)."""
    kept = {t: store.count(t) for t in KEPT}
    assert kept == {t: store.true_count(t) for t in KEPT}
    return kept


@pytest.fixture()
def store(tmp_path: Path):
    with Store(tmp_path / "papers.sqlite3") as s:
        yield s


def test_an_empty_store_counts_nothing(store):
    assert exact(store) == {"papers": 0, "appearances": 0}


def test_import_and_reimport_keep_the_counts_exact(store):
    import_paths(store, [str(DEMO)])
    first = exact(store)
    assert first["papers"] >= 8 and first["appearances"] >= 8
    import_paths(store, [str(DEMO)])
    assert exact(store) == first
    reparse(store)
    assert exact(store) == first


def test_a_desk_import_leaves_the_counts_exact(store):
    import_paths(store, [str(DEMO)])
    before = exact(store)
    paper_id = next(iter(store.paper_ids()))
    store.desk.save(paper_id)
    document = store.desk.export()
    with Store(store.path.with_name("other.sqlite3")) as other:
        import_paths(other, [str(DEMO)])
        assert other.desk.import_(document) == 1
        assert exact(other) == before
    assert exact(store) == before


def test_a_title_only_twin_renamed_to_its_arxiv_id_counts_once(store):
    tid = title_id(TITLE)
    store.ingest(
        Listing(
            "t",
            papers=[Paper(tid, TITLE)],
            appearances=[Appearance(tid, "text", "2024-08-02", rank=3)],
        )
    )
    store.ingest(
        Listing(
            "t",
            papers=[Paper("2408.90001", TITLE)],
            appearances=[Appearance("2408.90001", "hf-daily", "2024-08-02", upvotes=4)],
        )
    )
    assert store.resolve(tid) == "2408.90001"
    assert exact(store) == {"papers": 1, "appearances": 2}


def test_a_twin_absorbed_into_a_stored_paper_takes_its_rows_away(store):
    """The merge's delete path: the twin's paper row goes, and its appearance on the same list
    and day as the stored paper's is folded into that one (deleted)."""
    tid = title_id(TITLE)
    both = Appearance(tid, "hf-daily", "2024-08-02", upvotes=3)
    store.ingest(
        Listing(
            "t",
            papers=[Paper(tid, TITLE)],
            appearances=[Appearance(tid, "text", "2024-08-01", rank=1), both],
        )
    )
    arxiv = Appearance("2408.90001", "hf-daily", "2024-08-02", upvotes=5)
    store.ingest(Listing("t", papers=[Paper("2408.90001", "Another title")], appearances=[arxiv]))
    assert exact(store) == {"papers": 2, "appearances": 3}
    result = store.ingest(Listing("t", papers=[Paper("2408.90001", TITLE, version=2)]))
    assert result.removed_ids == {tid} and store.resolve(tid) == "2408.90001"
    assert exact(store) == {"papers": 1, "appearances": 2}


def test_deletes_and_a_failed_ingest_keep_the_counts_exact(store):
    import_paths(store, [str(DEMO)])
    before = exact(store)
    victim = store.db.execute("SELECT id FROM appearances ORDER BY id LIMIT 1").fetchone()[0]
    store.db.execute("DELETE FROM appearances WHERE id = ?", (victim,))
    assert exact(store)["appearances"] == before["appearances"] - 1
    lonely = Paper("2408.99999", "A paper on no list")
    store.ingest(Listing("t", papers=[lonely]))
    assert exact(store)["papers"] == before["papers"] + 1
    store.db.execute("DELETE FROM papers WHERE id = ?", (lonely.id,))
    assert exact(store)["papers"] == before["papers"]
    with pytest.raises(sqlite3.IntegrityError):  # a statement undone undoes its counting
        store.db.execute(
            "INSERT INTO papers (id, first_seen, changed_at) "
            "VALUES ('2408.99998', 'x', 'x'), (?, 'x', 'x')",
            (before_id := store.db.execute("SELECT id FROM papers LIMIT 1").fetchone()[0],),
        )
    with pytest.raises(ValueError), transaction(store.db):  # as does a transaction rolled back
        store.db.execute(
            "INSERT INTO papers (id, first_seen, changed_at) VALUES ('2408.99997', 'x', 'x')"
        )
        raise ValueError
    assert store.resolve(before_id) and store.get_paper("2408.99998") is None
    assert exact(store)["papers"] == before["papers"]


def test_replace_and_upserts_keep_the_counts_exact(store):
    """INSERT OR REPLACE deletes the row it replaces; its delete trigger fires only because the
    store's connection turns recursive_triggers on (the next test shows the drift without)."""
    import_paths(store, [str(DEMO)])
    before = exact(store)
    pid, app = store.db.execute("SELECT paper_id, id FROM appearances LIMIT 1").fetchone()
    store.db.execute("INSERT OR REPLACE INTO papers SELECT * FROM papers WHERE id = ?", (pid,))
    store.db.execute("INSERT OR IGNORE INTO papers SELECT * FROM papers WHERE id = ?", (pid,))
    store.db.execute(
        "INSERT INTO papers SELECT * FROM papers WHERE id = ? "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title",
        (pid,),
    )
    # an appearance replaced through its (paper, list, category, day) key under a new id
    store.db.execute(
        "INSERT OR REPLACE INTO appearances (paper_id, list, category, date, first_seen, "
        "last_seen) SELECT paper_id, list, category, date, first_seen, last_seen "
        "FROM appearances WHERE id = ?",
        (app,),
    )
    assert exact(store) == before
    # UPDATE OR REPLACE onto another appearance's key deletes that one
    one, two = store.db.execute(
        "SELECT a.id, b.id FROM appearances a JOIN appearances b ON a.paper_id = b.paper_id "
        "AND a.id < b.id LIMIT 1"
    ).fetchone()
    store.db.execute(
        "UPDATE OR REPLACE appearances SET (list, category, date) = "
        "(SELECT list, category, date FROM appearances WHERE id = ?) WHERE id = ?",
        (one, two),
    )
    assert exact(store)["appearances"] == before["appearances"] - 1


def test_without_recursive_triggers_a_replace_would_count_twice(store):
    """Why connect() turns recursive_triggers on: a connection without it counts a replaced
    paper as a new one (SQLite fires no delete trigger for a row REPLACE deletes)."""
    store.ingest(Listing("t", papers=[Paper("2408.90001", TITLE)]))
    plain = sqlite3.connect(store.path, isolation_level=None)
    plain.execute("INSERT OR REPLACE INTO papers SELECT * FROM papers WHERE id = '2408.90001'")
    plain.close()
    assert store.count("papers") == 2 and store.true_count("papers") == 1


def test_an_older_store_has_its_counts_seeded(tmp_path):
    path = tmp_path / "papers.sqlite3"
    with Store(path) as s:
        import_paths(s, [str(DEMO)])
        before = exact(s)
    db = sqlite3.connect(path)
    drop_schema_11(db)
    db.execute("PRAGMA user_version = 10")
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 11
        assert exact(s) == before
        s.ingest(Listing("t", papers=[Paper("2408.99999", "One more")]))
        assert exact(s)["papers"] == before["papers"] + 1


def test_the_newest_day_and_change_are_read_from_indexes(store):
    """latest_date and last_change take the max from an index (a search, not a scan)."""
    for sql in (
        "SELECT max(date) FROM appearances",
        "SELECT coalesce(max(changed_at), '') FROM papers",
        "SELECT n FROM counts WHERE name = 'papers'",
    ):
        plan = " ".join(r[3] for r in store.db.execute("EXPLAIN QUERY PLAN " + sql))
        assert plan.startswith("SEARCH") and "INDEX" in plan and "SCAN" not in plan, plan
