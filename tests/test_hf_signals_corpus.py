"""Issue 20 on the real Hugging Face bulk corpus: what Hugging Face knows of a paper (GitHub
repository and stars, project page, organisation, AI summary and keywords, thumbnail, submitter,
comments) is stored, and `paperboy reparse` fills it for a store made before Paperboy kept it.

The store "made by an older version" is the last 50 days (and 2026-05-19) imported, then every
new field emptied as the migration leaves it (the columns added empty, no star readings), which
is what an older store is after migrating: its raw pages hold everything. The counts the store
must reach are computed here from the saved JSON files, not by Paperboy.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import CORPUS, need
from helpers import run

BULK = "bulk/hf-daily-papers-api_2404589803"
DAYS = 50
LONGLIVE = "2605.18739"


def last_days() -> list[Path]:
    """The last DAYS days of the corpus, and LongLive-2.0's day."""
    return [CORPUS / BULK / "2026-05-19.json", *sorted((CORPUS / BULK).glob("*.json"))[-DAYS:]]


def has(value: object) -> bool:
    return value not in (None, "", [], {})


def saved_counts(paths: list[Path]) -> dict[str, int]:
    """Papers (distinct ids) with each field in the saved JSON, and items with comments and
    submitter (those are per appearance)."""
    found: dict[str, set[str]] = {}
    items = {"comments": 0, "submitter": 0}
    for path in paths:
        for item in json.loads(path.read_text(encoding="utf-8")):
            paper, pid = item["paper"], item["paper"]["id"]
            org = paper.get("organization") or item.get("organization")
            fields = {
                "papers": True,
                "code_url": has(paper.get("githubRepo")),
                # a star count is a reading of a repository's stars: kept with the repository
                "github_stars": isinstance(paper.get("githubStars"), int)
                and has(paper.get("githubRepo")),
                "project_url": has(paper.get("projectPage")),
                "org": isinstance(org, dict) and has(org.get("name")),
                "hf_summary": has(paper.get("ai_summary")),
                # a list of empty strings (two papers have [""]) holds no keyword
                "hf_keywords": any(
                    isinstance(k, str) and k.strip() for k in paper.get("ai_keywords") or []
                ),
                "thumbnail": has(item.get("thumbnail") or paper.get("thumbnail")),
            }
            for name, present in fields.items():
                if present:
                    found.setdefault(name, set()).add(pid)
            items["comments"] += isinstance(item.get("numComments"), int)
            items["submitter"] += isinstance(item.get("submittedBy"), dict)
    return {**{k: len(v) for k, v in found.items()}, **items}


def store_counts(data: Path) -> dict[str, int]:
    db = sqlite3.connect(data / "papers.sqlite3")
    try:
        row = db.execute(
            "SELECT count(*), count(code_url), count(github_stars), count(project_url), "
            "count(org), count(hf_summary), sum(hf_keywords != '[]'), count(thumbnail) "
            "FROM papers"
        ).fetchone()
        names = [
            "papers",
            "code_url",
            "github_stars",
            "project_url",
            "org",
            "hf_summary",
            "hf_keywords",
            "thumbnail",
        ]
        per_item = db.execute(
            "SELECT count(comments), count(submitter) FROM appearances WHERE list = 'hf-daily'"
        ).fetchone()
        return {
            **dict(zip(names, row, strict=True)),
            "comments": per_item[0],
            "submitter": per_item[1],
        }
    finally:
        db.close()


@pytest.fixture(scope="module")
def older_store(tmp_path_factory):
    need(CORPUS.is_dir(), f"the saved corpus is absent at {CORPUS}")
    data = tmp_path_factory.mktemp("signals") / "data"
    done = run(data, "import", "-q", *map(str, last_days()))
    assert done.returncode == 0, done.stderr[-2000:]
    fresh = store_counts(data)
    db = sqlite3.connect(data / "papers.sqlite3")
    with db:
        db.execute(
            "UPDATE papers SET github_stars = NULL, org = NULL, org_name = NULL, "
            "hf_summary = NULL, hf_keywords = '[]', thumbnail = NULL"
        )
        db.execute("DELETE FROM star_readings")
    db.close()
    return data, fresh


def test_import_keeps_every_signal_the_saved_pages_hold(older_store) -> None:
    _, fresh = older_store
    expected = saved_counts(last_days())
    assert fresh == expected
    # the figures for these 50 days: most papers carry each signal
    assert expected["papers"] > 1000 and expected["code_url"] > 550 and expected["org"] > 600


def test_reparse_fills_them_for_a_store_made_before(older_store) -> None:
    data, _ = older_store
    emptied = store_counts(data)
    assert emptied["org"] == emptied["hf_summary"] == emptied["github_stars"] == 0
    done = run(data, "reparse")
    assert done.returncode == 0, done.stderr[-2000:]
    assert store_counts(data) == saved_counts(last_days())
    db = sqlite3.connect(data / "papers.sqlite3")
    try:
        row = db.execute(
            "SELECT org, org_name, github_stars, code_url, project_url, hf_summary, hf_keywords "
            "FROM papers WHERE id = ?",
            (LONGLIVE,),
        ).fetchone()
        readings = db.execute("SELECT count(*) FROM star_readings").fetchone()[0]
    finally:
        db.close()
    org, org_name, stars, code, project, summary, keywords = row
    assert (org, org_name) == ("nvidia", "NVIDIA")
    assert stars > 1000 and code == "https://github.com/NVlabs/LongLive"
    assert project == "https://nvlabs.github.io/LongLive/LongLive2/"
    assert summary.startswith("LongLive-2.0 presents an NVFP4-based")
    assert "NVFP4" in json.loads(keywords)
    assert readings == saved_counts(last_days())["github_stars"]
