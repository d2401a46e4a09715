"""The store on a real SQLite file: round trips, idempotence, merging, and nothing lost."""

import contextlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import server
from server.models import Appearance, Listing, Paper, title_id
from server.store import SCHEMA_VERSION, RawPage, Store, StoreError


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "papers.sqlite3") as s:
        yield s


def paper(pid="2408.90001", **kw):
    base = dict(
        title="Sparse Lattice Transformers",
        abstract="We study lattices.",
        authors=["Ada Moreau", "Kenji Ito"],
        version=1,
        published="2024-08-01",
        categories=["cs.CL"],
    )
    return Paper(id=pid, **{**base, **kw})


def listing(*papers, appearances=()):
    return Listing(
        kind="test", url="file:///demo", papers=list(papers), appearances=list(appearances)
    )


def day(pid="2408.90001", date="2024-08-02", **kw):
    return Appearance(paper_id=pid, list="hf-daily", date=date, **{"rank": 1, "upvotes": 5, **kw})


def test_round_trip_keeps_every_field(store):
    original = paper(
        doi="10.1/x",
        comments="9 pages",
        journal_ref="J",
        code_url="https://c",
        project_url="https://p",
        updated="2024-08-03",
    )
    store.ingest(listing(original, appearances=[day()]))
    assert store.get_paper("2408.90001") == original
    assert store.get_paper("https://arxiv.org/abs/2408.90001v1") == original
    assert store.appearances("2408.90001") == [day()]


def test_same_listing_twice_changes_nothing(store):
    first = store.ingest(listing(paper(), appearances=[day()]), raw=b"<html>page</html>")
    assert (first.papers_new, first.appearances_new, first.observations_new) == (1, 1, 1)
    assert first.raw_new
    again = store.ingest(listing(paper(), appearances=[day()]), raw=b"<html>page</html>")
    assert not again.changed and not again.raw_new
    assert store.stats()["observations"] == 1 and store.stats()["raw_pages"] == 1


def test_a_raw_page_packed_elsewhere_is_stored_as_its_bytes_would_be(store, tmp_path):
    """An import's workers pack the pages they parse (RawPage.of): the row is the one the bytes
    themselves make, the page reads back whole, and the bytes again are known as the same page."""
    body = "<html>Schr\u00f6dinger's page</html>".encode() * 50
    with Store(tmp_path / "bytes.sqlite3") as other:
        other.ingest(listing(paper()), raw=body)
        as_bytes = other.db.execute("SELECT sha256, size, body FROM raw_pages").fetchall()
    assert store.ingest(listing(paper()), raw=RawPage.of(body)).raw_new
    packed = store.db.execute("SELECT sha256, size, body FROM raw_pages").fetchall()
    assert [tuple(r) for r in packed] == [tuple(r) for r in as_bytes]
    assert store.raw_page(store.raw_page_ids()[0])[1] == body
    assert not store.ingest(listing(paper()), raw=body).raw_new


def test_newer_page_updates_and_adds_an_observation(store):
    store.ingest(listing(paper(), appearances=[day(upvotes=5)]))
    result = store.ingest(
        listing(paper(version=2, abstract="Revised."), appearances=[day(upvotes=42)])
    )
    assert result.papers_updated == 1 and result.observations_new == 1
    stored = store.paper("2408.90001")
    assert (stored.version, stored.abstract) == (2, "Revised.")
    assert store.appearances("2408.90001")[0].upvotes == 42
    assert [o["upvotes"] for o in store.observations("2408.90001")] == [5, 42]


def test_empty_values_never_overwrite(store):
    store.ingest(listing(paper()))
    store.ingest(listing(Paper(id="2408.90001", title="", abstract="", authors=[], version=3)))
    stored = store.paper("2408.90001")
    assert stored.title == "Sparse Lattice Transformers"
    assert stored.abstract == "We study lattices." and stored.authors == ["Ada Moreau", "Kenji Ito"]
    assert stored.version == 3


def test_fuller_author_list_wins_without_a_version(store):
    store.ingest(listing(paper(version=None, authors=["Ada Moreau"])))
    store.ingest(listing(paper(version=None, authors=["Ada Moreau", "Kenji Ito", "Priya Raman"])))
    assert store.paper("2408.90001").authors == ["Ada Moreau", "Kenji Ito", "Priya Raman"]


def test_title_only_paper_merges_when_its_arxiv_id_arrives(store):
    tid = title_id("Sparse Lattice Transformers")
    text_paper = Paper(id=tid, title="Sparse Lattice Transformers", abstract="From a text copy.")
    store.ingest(listing(text_paper, appearances=[Appearance(tid, "text", "2024-08-02", rank=3)]))
    store.ingest(listing(paper(abstract=""), appearances=[day()]))
    assert store.count("papers") == 1
    merged = store.paper(tid)
    assert merged.id == "2408.90001" and merged.abstract == "From a text copy."
    assert {a.list for a in store.appearances("2408.90001")} == {"text", "hf-daily"}
    # and a later text copy of the same title lands on the arXiv record
    store.ingest(listing(text_paper, appearances=[Appearance(tid, "text", "2024-08-05", rank=1)]))
    assert store.count("papers") == 1 and len(store.appearances("2408.90001")) == 3


def test_failed_ingest_changes_nothing(store):
    store.ingest(listing(paper(), appearances=[day()]))
    before = store.stats()
    bad = listing(paper("2408.90002", title="Other"), appearances=[day()])
    bad.papers.append(Paper(id="2408.90003", comments=object()))  # cannot be stored
    with pytest.raises(StoreError, match="could not store"):
        store.ingest(bad)
    assert store.stats() == before and store.get_paper("2408.90002") is None


def test_store_is_wal_with_a_schema_version(tmp_path):
    path = tmp_path / "papers.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer Paperboy"):
        Store(path)


def test_unopenable_store_is_a_clear_error(tmp_path):
    (tmp_path / "papers.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the store"):
        Store(tmp_path / "papers.sqlite3")


def test_an_old_store_is_migrated_in_place(tmp_path):
    path = tmp_path / "papers.sqlite3"
    db = sqlite3.connect(path)
    db.executescript((Path(server.__file__).parent / "store" / "schema.sql").read_text())
    db.execute(
        "INSERT INTO papers (id, title, first_seen, changed_at) "
        "VALUES ('2408.90001', 'Kept', 'x', 'x')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.paper("2408.90001").title == "Kept"
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
        assert {"fetch_cache", "subscribers", "digests_sent"} <= tables


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_store_files_are_private_even_in_an_existing_folder(tmp_path):
    # subscriber addresses live in the store: no other local user may read it, its WAL or SHM
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # whatever the umask made of it
    path = folder / "papers.sqlite3"
    with Store(path) as store:
        store.ingest(listing(paper()))  # a write, so the WAL holds something
        assert _mode(folder) == 0o700
        for name in ("papers.sqlite3", "papers.sqlite3-wal", "papers.sqlite3-shm"):
            assert (folder / name).exists(), name
            assert _mode(folder / name) == 0o600, name


def test_an_old_world_readable_store_is_made_private(tmp_path):
    path = tmp_path / "papers.sqlite3"
    Store(path).close()
    path.chmod(0o644)
    tmp_path.chmod(0o755)
    with Store(path):
        assert _mode(path) == 0o600 and _mode(tmp_path) == 0o700


def test_a_folder_its_owner_made_read_only_is_not_made_writable(tmp_path):
    """Only others' rights are taken away: the owner's `chmod a-w` stands (and the store then
    cannot be written, which the CLI reports as exit 5: tests/cli/test_store_failures.py)."""
    folder = tmp_path / "data"
    Store(folder / "papers.sqlite3").close()
    (folder / "papers.sqlite3").chmod(0o444)
    folder.chmod(0o555)
    try:
        with contextlib.suppress(StoreError):  # root writes anyway; anyone else cannot
            Store(folder / "papers.sqlite3").close()
        assert _mode(folder) == 0o500 and _mode(folder / "papers.sqlite3") == 0o400
    finally:
        folder.chmod(0o700)


OPENER = """
import sys, time
from pathlib import Path
from server.store import Store
Path(sys.argv[3]).touch()  # ready
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
Store(sys.argv[1]).close()
"""


def test_many_processes_opening_a_new_store_at_once_all_succeed(tmp_path):
    # each migrates under BEGIN IMMEDIATE and reads the schema version once it holds the lock
    # (once: 19 of 20 such trials failed with "table papers already exists")
    for trial in range(20):
        path, go = tmp_path / f"{trial}" / "papers.sqlite3", tmp_path / f"go-{trial}"
        ready = [tmp_path / f"ready-{trial}-{n}" for n in range(6)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, str(path), str(go), str(flag)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for flag in ready
        ]
        deadline = time.monotonic() + 60
        while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
            time.sleep(0.01)  # all six wait on the same signal before any opens the store
        go.touch()
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 6, (trial, errors)
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        db.close()
