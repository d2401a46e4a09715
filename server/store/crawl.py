"""What the crawler keeps in the store (`store.crawl`): the conditional-GET cache, provisional
days, the queue of papers awaiting an abstract or categories, and the log of update runs."""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from server.models import is_arxiv_id
from server.store.clock import now


class Papers(Protocol):
    """What the crawler's state asks of the papers store."""

    def resolve(self, ref: str) -> str | None:
        """The stored id for any id, alias or paper URL."""

    def last_change(self) -> str:
        """The time of the latest change to any paper."""


@dataclass
class CacheEntry:
    """The validators and digest of a URL's last good response."""

    url: str
    etag: str | None
    last_modified: str | None
    sha256: str | None
    papers: int | None


@dataclass
class ProvisionalDay:
    """A list for one day that was shorter than expected when last read."""

    list: str
    category: str
    date: str
    url: str
    seen: int
    expected: int | None
    polls: int = 1


class CrawlState:
    """The crawler's tables, over the store's connection (in autocommit mode); `papers` is the
    store itself, asked which id a paper is stored under and when papers last changed."""

    def __init__(self, db: sqlite3.Connection, papers: Papers):
        self.db, self.papers = db, papers

    # -- conditional GET ---------------------------------------------------------------------

    def cache_get(self, url: str) -> CacheEntry | None:
        """The cached validators for a URL, or None."""
        row = self.db.execute(
            "SELECT url, etag, last_modified, sha256, papers FROM fetch_cache WHERE url = ?", (url,)
        ).fetchone()
        return CacheEntry(*row) if row else None

    def cache_put(self, entry: CacheEntry, status: int = 200) -> None:
        """Remember a response; written only after its page is stored, so a crash refetches."""
        self.db.execute(
            "INSERT OR REPLACE INTO fetch_cache "
            "(url, etag, last_modified, sha256, status, papers, fetched_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.url,
                entry.etag,
                entry.last_modified,
                entry.sha256,
                status,
                entry.papers,
                now(),
            ),
        )

    # -- provisional days ----------------------------------------------------------------------

    def mark_provisional(self, day: ProvisionalDay) -> int:
        """Mark (or re-mark) a short list to poll again; returns how often it was polled."""
        self.db.execute(
            "INSERT INTO provisional (list, category, date, url, seen, expected, polls, marked_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (list, category, date) DO UPDATE SET "
            "url = excluded.url, seen = excluded.seen, expected = excluded.expected, "
            "polls = polls + 1, marked_at = excluded.marked_at",
            (day.list, day.category, day.date, day.url, day.seen, day.expected, now()),
        )
        return self.db.execute(
            "SELECT polls FROM provisional WHERE list = ? AND category = ? AND date = ?",
            (day.list, day.category, day.date),
        ).fetchone()[0]

    def clear_provisional(self, list_name: str, category: str, date: str) -> bool:
        """The list is complete now; True when it had been provisional."""
        cursor = self.db.execute(
            "DELETE FROM provisional WHERE list = ? AND category = ? AND date = ?",
            (list_name, category, date),
        )
        return cursor.rowcount > 0

    def supersede_provisional(self, url: str, date: str) -> None:
        """A list URL that now shows another day (arXiv /new moved on): forget its old days."""
        self.db.execute("DELETE FROM provisional WHERE url = ? AND date != ?", (url, date))

    def provisional_days(self) -> list[ProvisionalDay]:
        """Every list awaiting another poll, oldest day first."""
        rows = self.db.execute(
            "SELECT list, category, date, url, seen, expected, polls FROM provisional "
            "ORDER BY date, list, category"
        )
        return [ProvisionalDay(*row) for row in rows]

    def drop_provisional_before(self, day: str) -> list[ProvisionalDay]:
        """Give up on provisional lists older than day; returns them."""
        old = [p for p in self.provisional_days() if p.date < day]
        self.db.execute("DELETE FROM provisional WHERE date < ?", (day,))
        return old

    def typical_day_size(self, list_name: str, before: str, days: int = 30) -> int | None:
        """The median number of papers on this list's last `days` days before a day."""
        rows = self.db.execute(
            "SELECT count(*) FROM appearances WHERE list = ? AND date < ? "
            "GROUP BY date ORDER BY date DESC LIMIT ?",
            (list_name, before, days),
        ).fetchall()
        return int(statistics.median(r[0] for r in rows)) if len(rows) >= 3 else None

    # -- abstracts to ask the arXiv API for ------------------------------------------------------

    def queue_abstracts(self, ids: Iterable[str]) -> int:
        """Queue the arXiv papers among ids whose stored abstract is empty; returns how many."""
        stamp, queued = now(), 0
        for paper_id in ids:
            stored = self.papers.resolve(paper_id)
            if stored is None or not is_arxiv_id(stored):
                continue
            row = self.db.execute("SELECT abstract FROM papers WHERE id = ?", (stored,)).fetchone()
            if row and not row[0]:
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO abstract_queue (paper_id, queued_at) VALUES (?, ?)",
                    (stored, stamp),
                )
                queued += cursor.rowcount
        return queued

    def queue_unenriched(self) -> int:
        """Queue every arXiv paper that lacks an abstract or categories (papers imported from
        Hugging Face carry no categories), giving each its tries afresh; returns how many."""
        rows = self.db.execute("SELECT id FROM papers WHERE abstract = '' OR categories = '[]'")
        ids = [r[0] for r in rows if is_arxiv_id(r[0])]
        stamp = now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "INSERT INTO abstract_queue (paper_id, queued_at) VALUES (?, ?) "
                "ON CONFLICT (paper_id) DO UPDATE SET tries = 0",
                [(i, stamp) for i in ids],
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return len(ids)

    def abstract_queue(self, max_tries: int = 3) -> list[str]:
        """Queued ids, oldest first, skipping those the API failed to answer max_tries times."""
        rows = self.db.execute(
            "SELECT paper_id FROM abstract_queue WHERE tries < ? ORDER BY queued_at, paper_id",
            (max_tries,),
        )
        return [r[0] for r in rows]

    def abstracts_answered(self, asked: list[str]) -> int:
        """After an API answer: drop the ids that now have an abstract and categories, count a
        try for the rest."""
        filled = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for paper_id in asked:
                stored = self.papers.resolve(paper_id) or paper_id
                row = self.db.execute(
                    "SELECT abstract, categories FROM papers WHERE id = ?", (stored,)
                ).fetchone()
                if row and row[0] and row[1] != "[]":
                    self.db.execute("DELETE FROM abstract_queue WHERE paper_id = ?", (paper_id,))
                    filled += 1
                else:
                    self.db.execute(
                        "UPDATE abstract_queue SET tries = tries + 1 WHERE paper_id = ?",
                        (paper_id,),
                    )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return filled

    # -- update runs -------------------------------------------------------------------------------

    def start_run(self) -> int:
        """Log the start of an update; returns its id."""
        cursor = self.db.execute("INSERT INTO update_runs (started_at) VALUES (?)", (now(),))
        return int(cursor.lastrowid)

    def scraped(self, run_id: int) -> None:
        """Note the store's last change once the run's scrape is done."""
        self.db.execute(
            "UPDATE update_runs SET last_change = ? WHERE id = ?",
            (self.papers.last_change(), run_id),
        )

    def finish_run(self, run_id: int) -> None:
        """Mark an update finished: every step after scraping ran."""
        self.db.execute("UPDATE update_runs SET finished_at = ? WHERE id = ?", (now(), run_id))

    def unfinished_run(self, before: int) -> str | None:
        """The start time of the latest run before this one, when it never finished."""
        row = self.db.execute(
            "SELECT started_at, finished_at FROM update_runs WHERE id < ? ORDER BY id DESC LIMIT 1",
            (before,),
        ).fetchone()
        return row[0] if row and row[1] is None else None

    def finished_change(self) -> str | None:
        """The store's last change as the latest finished update left it (None: never ran)."""
        row = self.db.execute(
            "SELECT last_change FROM update_runs WHERE finished_at IS NOT NULL "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None
