"""The Hugging Face Hub artifacts of papers (`store.artifacts`): the models, datasets and Spaces
that cite each paper, as the Hub last listed them, and when to ask the Hub again.

Derived data, refetched on a schedule (docs/scraping.md): a paper last on a Hugging Face list
up to REFRESH_DAILY days ago is refreshed daily, up to REFRESH_UNTIL days ago weekly, and after
that not at all. A paper's artifacts are replaced in one transaction, so an answer that fails
leaves the last good ones in place; MAX_FAILURES failed tries in a row end its refreshes. A
change of a paper's artifacts is a change of the paper (its `changed_at`), so `update` counts it
as news and the index and the site bring the paper up to date.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from server.models import ARTIFACT_KINDS, RANKED_LISTS, Artifact, is_arxiv_id
from server.store.clock import now
from server.store.connection import transaction

REFRESH_DAILY = 7  # days after its last Hugging Face list day a paper is refreshed daily
REFRESH_UNTIL = 30  # ... and weekly until this many days after it
MAX_FAILURES = 3


class HubArtifacts:
    """The artifacts tables, over the store's connection (in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def of(self, paper_id: str) -> list[Artifact]:
        """A paper's artifacts: models, then datasets, then Spaces, each most liked first."""
        rows = self.db.execute(
            "SELECT kind, repo_id, likes, downloads FROM artifacts WHERE paper_id = ? "
            "ORDER BY CASE kind WHEN 'model' THEN 0 WHEN 'dataset' THEN 1 ELSE 2 END, "
            "coalesce(likes, -1) DESC, coalesce(downloads, -1) DESC, repo_id",
            (paper_id,),
        )
        return [Artifact(r[0], r[1], r[2], r[3]) for r in rows]

    def fetched_at(self, paper_id: str) -> str | None:
        """When the Hub last answered for this paper (UTC), or None."""
        row = self.db.execute(
            "SELECT fetched_at FROM artifact_fetches WHERE paper_id = ?", (paper_id,)
        ).fetchone()
        return row[0] if row else None

    def replace(self, paper_id: str, artifacts: list[Artifact]) -> bool:
        """Store the Hub's answer for a paper in place of the last one (one transaction);
        True when the artifacts or their counts changed."""
        unknown = {a.kind for a in artifacts} - set(ARTIFACT_KINDS)
        if unknown:
            raise ValueError(f"unknown artifact kind {sorted(unknown)[0]!r}")
        stamp = now()
        with transaction(self.db):
            before = self.of(paper_id)
            self.db.execute("DELETE FROM artifacts WHERE paper_id = ?", (paper_id,))
            self.db.executemany(
                "INSERT OR IGNORE INTO artifacts "
                "(paper_id, kind, repo_id, likes, downloads, fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(paper_id, a.kind, a.repo_id, a.likes, a.downloads, stamp) for a in artifacts],
            )
            self.db.execute(
                "INSERT INTO artifact_fetches (paper_id, fetched_at, found) VALUES (?, ?, ?) "
                "ON CONFLICT (paper_id) DO UPDATE SET fetched_at = excluded.fetched_at, "
                "found = excluded.found, failures = 0",
                (paper_id, stamp, len(artifacts)),
            )
            changed = self.of(paper_id) != before
            if changed:  # the paper's pages show them: the index and the site follow its time
                self.db.execute("UPDATE papers SET changed_at = ? WHERE id = ?", (stamp, paper_id))
            return changed

    def failed(self, paper_id: str) -> int:
        """Count a failed try for a paper (its stored artifacts stay); returns the tries so far."""
        self.db.execute(
            "INSERT INTO artifact_fetches (paper_id, failures) VALUES (?, 1) "
            "ON CONFLICT (paper_id) DO UPDATE SET failures = failures + 1",
            (paper_id,),
        )
        return self.db.execute(
            "SELECT failures FROM artifact_fetches WHERE paper_id = ?", (paper_id,)
        ).fetchone()[0]

    def due(self, today: str, limit: int) -> list[str]:
        """Up to `limit` arXiv papers whose artifacts are due on `today` by the schedule: never
        fetched first, then the most recently listed, then the longest unrefreshed."""
        day = date.fromisoformat(today)
        first = (day - timedelta(REFRESH_UNTIL)).isoformat()
        marks = ", ".join("?" for _ in RANKED_LISTS)
        rows = self.db.execute(
            "SELECT a.paper_id, max(a.date) AS last_day, f.fetched_at, coalesce(f.failures, 0) "
            "FROM appearances a LEFT JOIN artifact_fetches f ON f.paper_id = a.paper_id "
            f"WHERE a.list IN ({marks}) AND a.date >= ? AND a.date <= ? GROUP BY a.paper_id",
            (*RANKED_LISTS, first, today),
        ).fetchall()
        due = [
            (r[2] is not None, _neg_day(r[1]), r[2] or "", r[0])
            for r in rows
            if is_arxiv_id(r[0]) and r[3] < MAX_FAILURES and _is_due(day, r[1], r[2])
        ]
        return [row[-1] for row in sorted(due)[: max(0, limit)]]


def _is_due(today: date, last_day: str, fetched_at: str | None) -> bool:
    """True when a paper last listed on last_day, fetched at fetched_at, is due today."""
    if fetched_at is None:
        return True
    age = (today - date.fromisoformat(last_day)).days
    interval = 1 if age <= REFRESH_DAILY else 7
    return date.fromisoformat(fetched_at[:10]) <= today - timedelta(interval)


def _neg_day(day: str) -> int:
    """A sort key putting later days first."""
    return -date.fromisoformat(day).toordinal()
