"""The reader's desk (issue 19, part 1): saved papers, tags, read and hidden marks and notes live
in tables of their own that nothing else writes; they survive reimport, reparse, reindex, a
paper folded into another and reopening (migrating) the store; they move between machines as
JSON without loss; the library leaves as BibTeX, RIS and CSL-JSON that real readers take."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from helpers import drop_schema_9, run
from pybtex.database import parse_string

from server.cite import csl_json, ris
from server.crawl.importer import import_paths, reparse
from server.index import make_index
from server.models import Appearance, Listing, Paper, title_id
from server.store import DeskError, Store
from server.store.connection import MIGRATIONS

DEMO = Path(__file__).resolve().parents[2] / "server" / "demo"
AGENTS = "2408.90003"  # a paper of the demo pages


@pytest.fixture()
def store(tmp_path: Path):
    with Store(tmp_path / "papers.sqlite3") as s:
        import_paths(s, [str(DEMO)])
        yield s


def _state(store: Store) -> list[dict]:
    return [{k: v for k, v in e.as_json().items()} for e in store.desk.entries()]


def test_acts_on_a_paper_are_kept(store: Store) -> None:
    store.desk.save(AGENTS, ["rl", "reading group"])
    store.desk.tag(f"https://arxiv.org/abs/{AGENTS}v2", ["later"])  # any id form
    store.desk.mark_read(AGENTS)
    store.desk.note(AGENTS, "check eq. 3\n\nand the ablation")
    entry = store.desk.entry(AGENTS)
    assert entry.saved_at and entry.read_at and not entry.hidden_at
    assert set(entry.tags) == {"rl", "reading group", "later"}
    assert entry.note == "check eq. 3\n\nand the ablation"
    assert [e.paper_id for e in store.desk.library()] == [AGENTS]
    assert store.desk.library(unread=True) == []
    assert [e.paper_id for e in store.desk.library("later")] == [AGENTS]
    store.desk.tag(AGENTS, ["later"], remove=True)
    store.desk.unsave(AGENTS)
    assert store.desk.library() == []
    assert store.desk.entry(AGENTS).note  # unsaving keeps the rest


def test_bad_tags_and_notes_are_refused_with_a_reason(store: Store) -> None:
    with pytest.raises(DeskError, match="empty"):
        store.desk.save(AGENTS, ["\x00\u202e "])
    with pytest.raises(DeskError, match="longer than 50"):
        store.desk.tag(AGENTS, ["x" * 51])
    with pytest.raises(DeskError, match="more than 10,000"):
        store.desk.note(AGENTS, "x" * 10_001)
    with pytest.raises(LookupError):
        store.desk.save("2408.00001")
    assert store.desk.entries() == []  # nothing half-written


def test_the_desk_survives_reimport_reparse_reindex_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "papers.sqlite3"
    with Store(path) as store:
        import_paths(store, [str(DEMO)])
        store.desk.save(AGENTS, ["rl"])
        store.desk.hide("2408.90001")
        store.desk.note(AGENTS, "mine")
        before = _state(store)
        import_paths(store, [str(DEMO)])
        reparse(store)
        index = make_index(tmp_path / "index")
        index.rebuild(store)
        index.close()
        assert _state(store) == before
    with Store(path) as store:  # reopened: migrations run again (and change nothing)
        assert _state(store) == before
        assert store.desk.hidden_ids() == {"2408.90001"}


def test_a_paper_folded_into_another_keeps_its_desk_state(tmp_path: Path) -> None:
    """A paper known only by its title is saved; later its arXiv version arrives and absorbs
    it. The saved mark, tags and note now stand under the arXiv id."""
    title = "Verifier Feedback for Web Agents, Revisited"
    with Store(tmp_path / "papers.sqlite3") as store:
        store.ingest(_listing(Paper(title_id(title), title, "A first look.")))
        (only,) = [p.id for p in store.iter_papers()]
        assert only.startswith("title:")
        store.desk.save(only, ["agents"])
        store.desk.note(only, "read before the talk")
        store.ingest(_listing(Paper("2409.12345", title, "The full abstract.", version=1)))
        assert store.resolve(only) == "2409.12345"
        entry = store.desk.entry("2409.12345")
        assert entry.saved_at and entry.tags == ["agents"] and entry.note == "read before the talk"
        store.desk.tag("2409.12345", ["later"])
        assert store.desk.entry(only).tags == ["agents", "later"]
        assert [e.paper_id for e in store.desk.library()] == ["2409.12345"]


def _listing(paper: Paper) -> Listing:
    app = Appearance(paper.id, "hf-daily", "2024-09-02", rank=1)
    return Listing(kind="hf-api", date="2024-09-02", papers=[paper], appearances=[app])


def test_no_other_code_writes_the_desk_tables() -> None:
    """Only store/desk.py and the migration that made them name the desk tables in a write."""
    root = Path(__file__).resolve().parents[2] / "server"
    writes = re.compile(
        r"(INSERT|UPDATE|DELETE|DROP|ALTER)[^;\"]*\bdesk(_tags|_seen|_viewed)?\b", re.I
    )
    found = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.suffix in {".py", ".sql"} and writes.search(p.read_text(encoding="utf-8"))
    )
    assert found == ["store/desk.py"], found
    desk = [(6, "006_desk.sql"), (7, "007_catchup.sql"), (8, "008_viewed.sql")]
    assert set(desk) <= set(
        MIGRATIONS
    )  # they create the tables; later ones (above) never write them


def test_export_then_import_on_another_machine_gives_the_same_desk(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        for s in (a, b):
            import_paths(s, [str(DEMO)])
        a.desk.save(AGENTS, ["rl"])
        a.desk.note(AGENTS, "from machine a")
        a.desk.mark_read("2408.90002")
        b.desk.save(AGENTS, ["mine"])
        b.desk.note(AGENTS, "from machine b")
        document = json.loads(json.dumps(a.desk.export()))
        assert b.desk.import_(document) == 2
        merged = b.desk.entry(AGENTS)
        assert set(merged.tags) == {"rl", "mine"}
        assert "from machine a" in merged.note and "from machine b" in merged.note
        assert merged.saved_at == min(a.desk.entry(AGENTS).saved_at, merged.saved_at)
        assert b.desk.entry("2408.90002").read_at == a.desk.entry("2408.90002").read_at
        assert b.desk.import_(document) == 2  # again: nothing doubles
        assert b.desk.entry(AGENTS).note.count("from machine a") == 1
    with Store(tmp_path / "empty.sqlite3") as c:  # a machine without these papers keeps them
        c.desk.import_(document)
        assert {e.paper_id for e in c.desk.entries()} == {AGENTS, "2408.90002"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a Paperboy desk export"),
        ({"format": "paperboy-desk", "version": 9, "papers": []}, "version 9"),
        ({"format": "paperboy-desk", "version": 1, "papers": {}}, "is not a list"),
        ({"format": "paperboy-desk", "version": 1, "papers": [{"tags": []}]}, 'paper 1: no "id"'),
        (
            {"format": "paperboy-desk", "version": 1, "papers": [{"id": "x", "tags": "rl"}]},
            r"paper 1 \(x\): \"tags\" is not a list",
        ),
        (
            {"format": "paperboy-desk", "version": 1, "papers": [{"id": "x", "tags": [" "]}]},
            r"paper 1 \(x\): tag",
        ),
    ],
)
def test_a_bad_import_names_the_file_and_what_is_wrong(store: Store, document, message) -> None:
    store.desk.save(AGENTS)
    before = _state(store)
    with pytest.raises(DeskError, match=f"backup.json: .*{message}"):
        store.desk.import_(document, "backup.json")
    assert _state(store) == before


HOSTILE = Paper(
    "2408.99999",
    "Line one\nTY  - JOUR\nER  - } @misc{evil,",
    "Abstract\r\nER  - \nAU  - Mallory",
    authors=['Ann "Quote" O\'Neil', "Bob\nER  - "],
    published="2024-08-09",
    doi="10.1/x\ny",
)


def test_ris_keeps_every_value_in_its_field() -> None:
    text = ris([HOSTILE, Paper("2408.90001", "Plain", "A.", authors=["Solo"])])
    records = [r for r in text.split("ER  - ") if r.strip()]
    assert len(records) == 2
    for line in text.splitlines():
        assert line == "" or re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line), line
    first = dict(
        (line[:2], line[6:]) for line in records[0].strip().splitlines() if line[:2] in {"TI", "AB"}
    )
    assert first["TI"] == "Line one TY - JOUR ER - } @misc{evil,"


def test_csl_json_is_what_pandoc_reads() -> None:
    items = json.loads(csl_json([HOSTILE]))
    (item,) = items
    assert item["type"] == "article" and item["issued"] == {"date-parts": [[2024, 8, 9]]}
    assert item["author"][0] == {"family": "O'Neil", "given": 'Ann "Quote"'}
    assert "\n" not in item["title"] and item["URL"] == "https://arxiv.org/abs/2408.99999"


def test_the_library_as_bibtex_parses(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data / "papers.sqlite3") as s:
        import_paths(s, [str(DEMO)])
    for pid in (AGENTS, "2408.90001"):
        assert run(data, "save", pid, "--tag", "rl").returncode == 0
    out = run(data, "library", "--format", "bibtex")
    assert out.returncode == 0, out.stderr
    assert len(parse_string(out.stdout, "bibtex").entries) == 2
    assert len(json.loads(run(data, "library", "--format", "csl-json").stdout)) == 2
    assert run(data, "library", "--format", "ris").stdout.count("ER  - ") == 2


def test_the_cli_verbs_and_their_exit_codes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data / "papers.sqlite3") as s:
        import_paths(s, [str(DEMO)])
    saved = run(data, "save", AGENTS, "--tag", "rl", "--tag", "reading group")
    assert saved.returncode == 0 and "saved" in saved.stdout and "rl" in saved.stdout
    assert run(data, "tag", AGENTS, "later").returncode == 0
    assert run(data, "read", AGENTS).returncode == 0
    assert run(data, "note", AGENTS, "check eq. 3").returncode == 0
    assert run(data, "note", AGENTS).stdout.strip() == "check eq. 3"
    assert run(data, "hide", "2408.90001").returncode == 0
    listed = run(data, "library", "--tag", "later")
    assert AGENTS in listed.stdout and "2408.90001" not in listed.stdout
    assert run(data, "library", "--unread").stdout.strip() == "(no saved papers)"
    missing = run(data, "save", "2408.00001")
    assert missing.returncode == 1 and "no such paper" in missing.stderr
    bad = run(data, "tag", AGENTS, "x" * 60)
    assert bad.returncode == 2 and "longer than 50" in bad.stderr and "Traceback" not in bad.stderr
    backup = tmp_path / "desk.json"
    assert run(data, "desk", "export", "--out", str(backup)).returncode == 0
    other = tmp_path / "other"
    moved = run(other, "desk", "import", str(backup))
    assert moved.returncode == 0, moved.stderr
    assert (
        json.loads(run(other, "desk", "export").stdout)["papers"]
        == json.loads(backup.read_text())["papers"]
    )
    (tmp_path / "broken.json").write_text("{nope", encoding="utf-8")
    broken = run(data, "desk", "import", str(tmp_path / "broken.json"))
    assert broken.returncode == 4 and "broken.json: not JSON" in broken.stderr


def test_an_old_store_gains_the_desk_tables(tmp_path: Path) -> None:
    path = tmp_path / "papers.sqlite3"
    with Store(path) as s:
        import_paths(s, [str(DEMO)])
    db = sqlite3.connect(path)
    db.executescript(
        "DROP TABLE desk; DROP TABLE desk_tags; DROP TABLE desk_seen; DROP TABLE desk_viewed; "
        "PRAGMA user_version = 5;"
    )
    drop_schema_9(db)
    db.commit()
    db.close()
    with Store(path) as s:
        s.desk.save(AGENTS)
        assert [e.paper_id for e in s.desk.library()] == [AGENTS]
