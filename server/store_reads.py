"""Read-only queries over the store's connection (mixed into Store, which owns the file)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, fields

from server.models import Appearance, Paper, canonical

_PAPER_COLUMNS = [f.name for f in fields(Paper)]
_JSON_COLUMNS = {"authors", "categories"}


@dataclass
class IndexRow:
    """What the search index needs of one paper: the record and its list summary."""

    paper: Paper
    first_seen: str
    changed_at: str
    last_trended: str | None
    upvotes: int | None


class PaperNotFound(LookupError):
    """No paper in the store has this id."""


def row_to_paper(row: sqlite3.Row) -> Paper:
    """A Paper from a papers row."""
    values = {name: row[name] for name in _PAPER_COLUMNS}
    for name in _JSON_COLUMNS:
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


class StoreReads:
    """Queries that read papers, appearances and counts; `self.db` is the open connection."""

    db: sqlite3.Connection

    def resolve(self, ref: str) -> str | None:
        """The stored id for any id, alias or paper URL; None when the store lacks it."""
        parsed = canonical(ref)
        paper_id = parsed.id if parsed else ref
        row = self.db.execute("SELECT id FROM papers WHERE id = ?", (paper_id,)).fetchone()
        if row:
            return row["id"]
        row = self.db.execute(
            "SELECT paper_id FROM aliases WHERE alias = ?", (paper_id,)
        ).fetchone()
        return row["paper_id"] if row else None

    def get_paper(self, ref: str) -> Paper | None:
        """The paper for an id, alias or URL, or None."""
        paper_id = self.resolve(ref)
        if paper_id is None:
            return None
        row = self.db.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return row_to_paper(row)

    def paper(self, ref: str) -> Paper:
        """Like get_paper, but raises PaperNotFound."""
        found = self.get_paper(ref)
        if found is None:
            raise PaperNotFound(f"no paper {ref!r} in the store")
        return found

    def appearances(self, paper_id: str) -> list[Appearance]:
        """A paper's appearances, oldest day first."""
        rows = self.db.execute(
            "SELECT * FROM appearances WHERE paper_id = ? ORDER BY date, list", (paper_id,)
        ).fetchall()
        return [row_to_appearance(r) for r in rows]

    def observations(self, paper_id: str) -> list[dict[str, object]]:
        """Every reading of a paper's appearances, in time order."""
        rows = self.db.execute(
            "SELECT a.list, a.category, a.date, o.observed_at, o.rank, o.upvotes, o.comments "
            "FROM observations o JOIN appearances a ON a.id = o.appearance_id "
            "WHERE a.paper_id = ? ORDER BY o.observed_at",
            (paper_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    def iter_papers(self, order: str = "id") -> Iterator[Paper]:
        """Every paper, in id order or newest first ('published')."""
        sql = {"id": "id", "published": "published DESC, id"}[order]
        for row in self.db.execute(f"SELECT * FROM papers ORDER BY {sql}"):
            yield row_to_paper(row)

    def count(self, table: str) -> int:
        """Rows in one of the store's tables."""
        if table not in {"papers", "appearances", "observations", "raw_pages", "aliases"}:
            raise ValueError(f"unknown table {table!r}")
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def stats(self) -> dict[str, object]:
        """Counts of everything stored, per list, and the span of days."""
        lists = self.db.execute(
            "SELECT list, count(*) AS n, count(DISTINCT date) AS days, min(date) AS first, "
            "max(date) AS last FROM appearances GROUP BY list ORDER BY list"
        ).fetchall()
        tables = ("papers", "appearances", "observations", "raw_pages", "aliases")
        return {
            **{t: self.count(t) for t in tables},
            "lists": {r["list"]: {k: r[k] for k in ("n", "days", "first", "last")} for r in lists},
        }

    def index_rows(self, since: str | None = None) -> Iterator[IndexRow]:
        """Papers changed after `since` (all when None), with their last list day and upvotes."""
        rows = self.db.execute(
            "SELECT p.*, (SELECT max(date) FROM appearances a WHERE a.paper_id = p.id) AS last_day,"
            " (SELECT max(upvotes) FROM appearances a WHERE a.paper_id = p.id) AS top_upvotes"
            " FROM papers p WHERE p.changed_at > ? ORDER BY p.id",
            (since or "",),
        )
        for row in rows:
            yield IndexRow(
                row_to_paper(row),
                row["first_seen"],
                row["changed_at"],
                row["last_day"],
                row["top_upvotes"],
            )

    def last_change(self) -> str:
        """The time of the latest change to any paper or its lists ('' for an empty store)."""
        return self.db.execute("SELECT coalesce(max(changed_at), '') FROM papers").fetchone()[0]

    def aliases(self) -> list[str]:
        """Ids that were folded into another paper."""
        return [r[0] for r in self.db.execute("SELECT alias FROM aliases ORDER BY alias")]

    def appearances_between(self, first: str, last: str) -> list[Appearance]:
        """Every appearance on a day from `first` to `last` (ISO dates, inclusive)."""
        rows = self.db.execute(
            "SELECT * FROM appearances WHERE date BETWEEN ? AND ? ORDER BY date, list, rank",
            (first, last),
        )
        return [row_to_appearance(r) for r in rows]

    def dates(self) -> list[dict[str, object]]:
        """Every listing day, newest first, with its paper count and lists."""
        rows = self.db.execute(
            "SELECT date, count(DISTINCT paper_id) AS papers, group_concat(DISTINCT list) AS lists"
            " FROM appearances GROUP BY date ORDER BY date DESC"
        )
        return [
            {"date": r["date"], "papers": r["papers"], "lists": sorted(r["lists"].split(","))}
            for r in rows
        ]

    def latest_date(self) -> str | None:
        """The newest listing day in the store."""
        return self.db.execute("SELECT max(date) FROM appearances").fetchone()[0]

    def papers_by_id(self, ids: list[str]) -> dict[str, Paper]:
        """The stored papers among `ids` (canonical ids, no aliases), in one query."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"SELECT * FROM papers WHERE id IN ({marks})", ids)
        return {row["id"]: row_to_paper(row) for row in rows}

    def appearances_by_paper(self, ids: list[str]) -> dict[str, list[Appearance]]:
        """The appearances of each of `ids`, oldest day first, in one query."""
        found: dict[str, list[Appearance]] = {i: [] for i in ids}
        if not ids:
            return found
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT * FROM appearances WHERE paper_id IN ({marks}) ORDER BY date, list", ids
        )
        for row in rows:
            found[row["paper_id"]].append(row_to_appearance(row))
        return found
