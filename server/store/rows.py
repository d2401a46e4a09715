"""A paper's and an appearance's row in the store, both ways: the only code that knows the
papers table's columns."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields

from server.models import Appearance, Paper, normalise_title

PAPER_COLUMNS = tuple(f.name for f in fields(Paper))
JSON_COLUMNS = frozenset({"authors", "categories", "hf_keywords"})  # lists, as JSON text


def paper_values(paper: Paper) -> dict[str, object]:
    """The papers row of a Paper (column -> value), with its title key."""
    values = {name: getattr(paper, name) for name in PAPER_COLUMNS}
    for name in JSON_COLUMNS:
        values[name] = json.dumps(values[name], ensure_ascii=False)
    values["title_key"] = normalise_title(paper.title)
    return values


def row_to_paper(row: sqlite3.Row) -> Paper:
    """A Paper from a papers row."""
    values = {name: row[name] for name in PAPER_COLUMNS}
    for name in JSON_COLUMNS:
        values[name] = json.loads(values[name])
    return Paper(**values)


def row_to_appearance(row: sqlite3.Row) -> Appearance:
    """An Appearance from an appearances row."""
    return Appearance(
        paper_id=row["paper_id"],
        list=row["list"],
        date=row["date"],
        category=row["category"],
        rank=row["rank"],
        upvotes=row["upvotes"],
        comments=row["comments"],
        submitter=row["submitter"],
        section=row["section"],
    )
