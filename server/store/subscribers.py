"""Subscribers and the sent-digest log (`store.subscribers`, over the store's connection)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from server.store.clock import now
from server.store.connection import transaction


@dataclass(frozen=True)
class Subscriber:
    """One address, how often it wants the digest, its topics and where its consent stands."""

    id: int
    email: str
    frequency: str
    topics: list[str]
    status: str
    created_at: str
    confirmed_at: str | None = None
    unsubscribed_at: str | None = None


def _row(row: sqlite3.Row | None) -> Subscriber | None:
    if row is None:
        return None
    return Subscriber(**{**dict(row), "topics": json.loads(row["topics"])})


class Subscribers:
    """The subscribers and digest-log tables, over the store's connection (autocommit)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def get(self, subscriber_id: int) -> Subscriber | None:
        """One subscriber by id, or None."""
        return _row(
            self.db.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        )

    def by_email(self, email: str) -> Subscriber | None:
        """One subscriber by address (case-insensitive), or None."""
        return _row(
            self.db.execute("SELECT * FROM subscribers WHERE email = ?", (email,)).fetchone()
        )

    def listed(self, status: str | None = None, frequency: str | None = None) -> list[Subscriber]:
        """Subscribers in id order, optionally only one status and frequency."""
        rows = self.db.execute(
            "SELECT * FROM subscribers WHERE (?1 IS NULL OR status = ?1) "
            "AND (?2 IS NULL OR frequency = ?2) ORDER BY id",
            (status, frequency),
        )
        return [_row(r) for r in rows]

    def subscribe(self, email: str, frequency: str, topics: list[str]) -> tuple[Subscriber, bool]:
        """Ask for a subscription: (the subscriber, whether a confirmation mail should go out).

        A confirmed subscriber is left as it is: a stranger who knows the address must not be
        able to change its frequency or topics. A pending or unsubscribed one (re)starts opt-in.
        """
        with transaction(self.db):
            old = self.by_email(email)
            if old is not None and old.status == "confirmed":
                return old, False
            if old is None:
                self.db.execute(
                    "INSERT INTO subscribers (email, frequency, topics, status, created_at) "
                    "VALUES (?, ?, ?, 'pending', ?)",
                    (email, frequency, json.dumps(topics), now()),
                )
            else:
                self.db.execute(
                    "UPDATE subscribers SET frequency = ?, topics = ?, status = 'pending', "
                    "confirmed_at = NULL, unsubscribed_at = NULL WHERE id = ?",
                    (frequency, json.dumps(topics), old.id),
                )
            return self.by_email(email), True

    def add(self, email: str, frequency: str, topics: list[str]) -> Subscriber:
        """Add (or update) a confirmed subscriber: the operator's own command, no opt-in mail."""
        stamp = now()
        self.db.execute(
            "INSERT INTO subscribers (email, frequency, topics, status, created_at, confirmed_at) "
            "VALUES (?1, ?2, ?3, 'confirmed', ?4, ?4) ON CONFLICT (email) DO UPDATE SET "
            "frequency = ?2, topics = ?3, status = 'confirmed', confirmed_at = ?4, "
            "unsubscribed_at = NULL",
            (email, frequency, json.dumps(topics), stamp),
        )
        return self.by_email(email)

    def add_many(self, rows: list[tuple[str, str, list[str]]]) -> int:
        """Add many confirmed subscribers in one transaction (benchmarks, imports)."""
        stamp = now()
        with transaction(self.db):
            cursor = self.db.executemany(
                "INSERT OR IGNORE INTO subscribers (email, frequency, topics, status, created_at, "
                "confirmed_at) VALUES (?, ?, ?, 'confirmed', ?, ?)",
                [(e, f, json.dumps(t), stamp, stamp) for e, f, t in rows],
            )
        return cursor.rowcount

    def confirm(self, subscriber_id: int) -> bool:
        """Pending -> confirmed; True when the subscriber is confirmed afterwards."""
        self.db.execute(
            "UPDATE subscribers SET status = 'confirmed', confirmed_at = ? "
            "WHERE id = ? AND status = 'pending'",
            (now(), subscriber_id),
        )
        found = self.get(subscriber_id)
        return found is not None and found.status == "confirmed"

    def unsubscribe(self, subscriber_id: int) -> bool:
        """Stop every digest to this subscriber; True when it exists."""
        cursor = self.db.execute(
            "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? "
            "WHERE id = ? AND status != 'unsubscribed'",
            (now(), subscriber_id),
        )
        return cursor.rowcount == 1 or self.get(subscriber_id) is not None

    def remove(self, email: str) -> bool:
        """Delete a subscriber and its sent log; True when there was one."""
        return self.db.execute("DELETE FROM subscribers WHERE email = ?", (email,)).rowcount == 1

    # -- the sent log: 'sending' before the SMTP transaction, 'sent' once the server accepted --

    def digest_log(self, period: str, day: str) -> dict[int, tuple[str, str]]:
        """subscriber id -> (status, message id) for one digest."""
        rows = self.db.execute(
            "SELECT subscriber_id, status, message_id FROM digests_sent "
            "WHERE period = ? AND date = ?",
            (period, day),
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def log_sending(self, subscriber_id: int, period: str, day: str, message_id: str) -> None:
        """Record that this message is about to go out (kept if the process dies mid-send)."""
        self.db.execute(
            "INSERT INTO digests_sent (subscriber_id, period, date, message_id, status, started_at)"
            " VALUES (?, ?, ?, ?, 'sending', ?) ON CONFLICT DO UPDATE SET started_at = excluded."
            "started_at WHERE status = 'sending'",
            (subscriber_id, period, day, message_id, now()),
        )

    def log_sent(self, subscriber_id: int, period: str, day: str) -> None:
        """Record that the SMTP server accepted the message: it is never sent again."""
        self.db.execute(
            "UPDATE digests_sent SET status = 'sent', sent_at = ? "
            "WHERE subscriber_id = ? AND period = ? AND date = ?",
            (now(), subscriber_id, period, day),
        )

    def log_not_sent(self, subscriber_id: int, period: str, day: str) -> None:
        """Forget a 'sending' row the server refused: the next run tries it afresh."""
        self.db.execute(
            "DELETE FROM digests_sent WHERE subscriber_id = ? AND period = ? AND date = ? "
            "AND status = 'sending'",
            (subscriber_id, period, day),
        )
