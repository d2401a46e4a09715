"""A store made before text was cleaned at the door is cleaned when Paperboy opens it.

The old store is built by hand with sqlite3 at schema version 3 (the version before cleaning)
and holds what old parsers let through: terminal escapes and bidi controls in every text
column, file:/javascript:/data: links, a DOI id with an escape in it. Its search index must
then hold the cleaned text, not the old.
"""

from __future__ import annotations

import json
import re
import sqlite3
from importlib import resources
from pathlib import Path

from helpers import drop_schema_9

from server.index import make_index
from server.models import Appearance, Listing, Paper, normalise_title
from server.store import SCHEMA_VERSION, Store

ESC = "\x1b]52;c;ZXZpbA==\x07\x1b[2J"
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
OLD = "2000-01-01T00:00:00.000000+00:00"
DIRTY = {
    "id": "2408.90001",
    "title": "Mal\x1bware detection \u202ewith\u202c bidi\x9b",
    "abstract": f"An abstract{ESC} that clears\u2066 the screen.",
    "authors": json.dumps(["Ada\x1b[31m Moreau", "\u202eEve", "\x07"], ensure_ascii=False),
    "categories": json.dumps(["cs.LG\x00", "cs.CR"]),
    "doi": "10.1234/x\x1b",
    "comments": "12 pages\x9b2J",
    "journal_ref": "Proc.\u200f X",
    "code_url": "javascript:alert(1)",
    "project_url": "https://project.example/\x07",
    "url": "file:///home/me/papers/x.html",
}


def old_store(path: Path) -> None:
    """A schema-3 store, as the previous Paperboy left it, holding dirty and clean papers."""
    db = sqlite3.connect(path)
    server = resources.files("server.store")
    db.executescript(server.joinpath("schema.sql").read_text())
    for name in ("002_crawl.sql", "003_digest.sql"):
        db.executescript(server.joinpath("migrations", name).read_text())
    db.execute("PRAGMA user_version = 3")
    papers = [
        DIRTY,
        {"id": "doi:10.5555/a\x1b[2jb", "title": "A DOI paper", "url": "data:text/html,x"},
        {"id": "2408.90002", "title": "A clean paper", "url": None},
    ]
    for paper in papers:
        row = {**paper, "title_key": normalise_title(paper["title"])}
        names = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        db.execute(
            f"INSERT INTO papers ({names}, first_seen, changed_at) VALUES ({marks}, :t, :t)",
            {**row, "t": OLD},
        )
    db.execute(
        "INSERT INTO appearances (paper_id, list, category, date, rank, submitter, section, "
        "first_seen, last_seen) VALUES ('2408.90001', 'arxiv-new', 'cs.LG\u202e', '2024-08-02', "
        "1, 'Eve\x1b[2J', 'new\x9b', ?, ?)",
        (OLD, OLD),
    )
    db.commit()
    db.close()


def all_text(path: Path) -> list[str]:
    """Every text value of papers, appearances and aliases, JSON lists unpacked."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    found: list[str] = []
    for table in ("papers", "appearances", "aliases"):
        for row in db.execute(f"SELECT * FROM {table}"):
            for key in row.keys():
                if key in ("authors", "categories"):
                    found += json.loads(row[key])
                elif isinstance(row[key], str):
                    found.append(row[key])
    db.close()
    return found


def test_opening_an_old_store_cleans_every_text_column_and_link(tmp_path):
    path = tmp_path / "papers.sqlite3"
    old_store(path)
    assert [v for v in all_text(path) if UNSAFE.search(v)]  # the old store is dirty
    with Store(path) as store:
        paper = store.get_paper("2408.90001")
        (appearance,) = store.appearances("2408.90001")
        doi_paper = store.get_paper("doi:10.5555/a[2jb")
        clean = store.get_paper("2408.90002")
        version = store.db.execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    assert [v for v in all_text(path) if UNSAFE.search(v)] == []
    assert paper.title == "Malware detection with bidi"
    assert paper.abstract == "An abstract]52;c;ZXZpbA==[2J that clears the screen."
    assert paper.authors == ["Ada[31m Moreau", "Eve"]
    assert paper.categories == ["cs.LG", "cs.CR"]
    assert (paper.doi, paper.comments, paper.journal_ref) == ("10.1234/x", "12 pages2J", "Proc. X")
    assert (paper.url, paper.code_url, paper.project_url) == (
        None,
        None,
        "https://project.example/",
    )
    assert (appearance.category, appearance.submitter, appearance.section) == (
        "cs.LG",
        "Eve[2J",
        "new",
    )
    assert doi_paper is not None and doi_paper.url is None
    assert clean.title == "A clean paper"
    db = sqlite3.connect(path)
    stamps = dict(db.execute("SELECT id, changed_at FROM papers"))
    keys = dict(db.execute("SELECT id, title_key FROM papers"))
    db.close()
    assert stamps["2408.90002"] == OLD  # untouched
    assert stamps["2408.90001"] > OLD and stamps["doi:10.5555/a[2jb"] > OLD  # re-indexed
    assert keys["2408.90001"] == normalise_title("Malware detection with bidi")


def test_the_search_index_of_an_old_store_follows_the_cleaning(tmp_path, engine):
    path, index = tmp_path / "papers.sqlite3", make_index(tmp_path / "index", engine=engine)
    papers = [
        Paper("2408.90001", title="Malware detection", abstract="About malware."),
        Paper("doi:10.5555/ab", title="Quasicrystal growth"),
    ]
    days = [Appearance(p.id, "hf-daily", "2024-08-02") for p in papers]
    try:
        with Store(path) as store:
            store.ingest(Listing("test", papers=papers, appearances=days))
            # what an older Paperboy left: dirty text and ids at schema 3, and an index of them
            store.db.execute(
                "UPDATE papers SET title = ?, abstract = ? WHERE id = '2408.90001'",
                (DIRTY["title"], "About mal\x1bware."),
            )
            store.db.execute("UPDATE papers SET id = 'doi:10.5555/a\x1bb' WHERE id LIKE 'doi:%'")
            store.db.execute("PRAGMA user_version = 3")
            index.rebuild(store)
            drop_schema_9(store.db)  # migrations 009 and 010 add it again
        assert [h.id for h in index.search("ware").hits] == ["2408.90001"]
        assert index.search("malware").hits == []
        assert [h.id for h in index.search("quasicrystal").hits] == ["doi:10.5555/a\x1bb"]
        with Store(path) as store:  # the upgrade: migrate, then the usual sync
            index.sync(store)
        assert [h.id for h in index.search("malware").hits] == ["2408.90001"]
        assert index.search("ware").hits == []
        assert [h.id for h in index.search("quasicrystal").hits] == ["doi:10.5555/ab"]
    finally:
        index.close()
