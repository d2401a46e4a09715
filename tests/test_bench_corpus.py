"""bench/corpus.py: a store scaled from the demo pages is exact in size, deterministic, and valid.

The scaled store must open as a Store, index fully and find a copy by a word of its new title.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import DEMO, bench_module

from server.crawl.importer import import_paths
from server.index import make_index
from server.models import canonical
from server.store import Store

corpus = bench_module("corpus")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A data dir with the demo pages imported (8 papers)."""
    data = tmp_path_factory.mktemp("source")
    with Store(data / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    return data


def source_size(source: Path) -> int:
    with Store(source / "papers.sqlite3") as store:
        return store.count("papers")


def scaled(source: Path, out: Path, seed: int = 1) -> Path:
    """Build a store of 3x the source into out; returns the data dir."""
    corpus.build(source, out, 3 * source_size(source), seed, log=lambda *a, **k: None)
    return out


def dump(data: Path) -> dict[str, list[tuple]]:
    """The schema version and every row of papers, appearances, observations, in order."""
    db = sqlite3.connect(data / "papers.sqlite3")
    try:
        return {
            "version": db.execute("PRAGMA user_version").fetchall(),
            "papers": db.execute("SELECT * FROM papers ORDER BY id").fetchall(),
            "appearances": db.execute("SELECT * FROM appearances ORDER BY id").fetchall(),
            "observations": db.execute(
                "SELECT * FROM observations ORDER BY appearance_id, observed_at"
            ).fetchall(),
        }
    finally:
        db.close()


def test_size_ids_and_determinism(source: Path, tmp_path: Path):
    first, again = scaled(source, tmp_path / "a"), scaled(source, tmp_path / "b")
    other = scaled(source, tmp_path / "c", seed=2)
    rows = dump(first)
    ids = [row[0] for row in rows["papers"]]
    assert len(ids) == len(set(ids)) == 3 * source_size(source)
    assert all(canonical(i) and canonical(i).id == i for i in ids)  # arXiv-shaped ids
    assert rows == dump(again)
    assert rows != dump(other)
    original = dump(source)
    assert rows["version"] == original["version"]
    assert set(original["papers"]) <= set(rows["papers"])  # copy 0 is the source as is
    assert set(original["appearances"]) <= set(rows["appearances"])
    assert len(rows["appearances"]) == 3 * len(original["appearances"])
    assert len(rows["observations"]) == 3 * len(original["observations"])
    with Store(first / "papers.sqlite3") as store:  # the counts it keeps are the copies'
        for table in ("papers", "appearances"):
            assert store.count(table) == store.true_count(table) == len(rows[table])


def test_scaled_store_indexes_and_finds_a_copy(source: Path, tmp_path: Path):
    data = scaled(source, tmp_path / "data")
    with Store(source / "papers.sqlite3") as store:
        titles = {p.id: p.title for p in store.iter_papers()}
    with Store(data / "papers.sqlite3") as store:
        index = make_index(tmp_path / "index")
        try:
            index.ensure(store)
            assert index.doc_count() == store.count("papers") == 3 * len(titles)
            assert index.state(store) == "ok"
            copy, word = new_title_word(store, titles)
            assert store.resolve(f"https://arxiv.org/abs/{copy.id}") == copy.id
            hits = [h.id for h in index.search(f"title:{word}", per_page=100).hits]
        finally:
            index.close()
    assert copy.id in hits
    assert not set(hits) & set(titles)


def new_title_word(store: Store, titles: dict[str, str]):
    """A copied paper and a word of its title that no source title has (nor its stem)."""
    known = " ".join(titles.values()).lower()
    for paper in store.iter_papers():
        for word in re.findall(r"[a-z]{6,}", paper.title.lower()):
            if paper.id not in titles and word[:5] not in known:
                return paper, word
    raise AssertionError("no copy has a new title word")


def test_cli_refuses_in_one_line(source: Path, tmp_path: Path):
    script = str(ROOT / "bench" / "corpus.py")
    for args in (
        ["--source", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")],
        ["--source", str(source), "--out", str(source)],  # its store exists
        ["--source", str(source), "--out", str(tmp_path / "y"), "--size", "2"],  # below source
    ):
        size = [] if "--size" in args else ["--size", "100"]
        done = subprocess.run(
            [sys.executable, script, *size, *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "y" / "papers.sqlite3").exists()
