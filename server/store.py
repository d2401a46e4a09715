"""The store: the only code that opens SQLite. Papers, appearances, observations, raw pages."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import zlib
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from server import sanitize
from server.merge import merge_appearance, merge_paper
from server.models import Appearance, Listing, Paper, is_arxiv_id, normalise_title
from server.store_crawl import CrawlStore
from server.store_digest import DigestStore
from server.store_reads import PaperNotFound, StoreReads, row_to_appearance

__all__ = ["PaperNotFound", "Store", "StoreError", "IngestResult"]

# schema.sql is version 1; each later version is a file in migrations/, applied in order.
MIGRATIONS: list[tuple[int, str]] = [
    (2, "002_crawl.sql"),
    (3, "003_digest.sql"),
    (4, "004_changed_index.sql"),
    (5, "005_clean_text.sql"),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
_PAPER_COLUMNS = [f.name for f in fields(Paper)]
_JSON_COLUMNS = {"authors", "categories"}


class StoreError(Exception):
    """A store that cannot be opened or written: the message says which file and why."""


@dataclass
class IngestResult:
    """What one listing changed in the store."""

    papers_new: int = 0
    papers_updated: int = 0
    appearances_new: int = 0
    observations_new: int = 0
    raw_new: bool = False
    changed_ids: set[str] = field(default_factory=set)  # papers whose record or lists changed
    removed_ids: set[str] = field(default_factory=set)  # ids folded into another paper

    @property
    def changed(self) -> bool:
        """True when anything new was stored (a raw page alone does not count)."""
        return bool(
            self.papers_new or self.papers_updated or self.appearances_new or self.observations_new
        )


def now() -> str:
    """The current UTC time, to the microsecond, as stored in timestamps."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _private_file(path: Path, create: bool = True) -> None:
    """Make the store's folder 0700 and the file 0600 (created empty when absent), whether or
    not they existed: the store holds subscriber addresses and, later, the user's own notes.
    A file or folder owned by someone else keeps its mode (only its owner may change it)."""
    if create:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(PermissionError):
            path.parent.chmod(0o700)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    # no -wal or -shm yet is fine: SQLite makes them with the store file's mode
    with contextlib.suppress(PermissionError, FileNotFoundError):
        path.chmod(0o600)


def _paper_values(paper: Paper) -> dict[str, object]:
    values = {name: getattr(paper, name) for name in _PAPER_COLUMNS}
    for name in _JSON_COLUMNS:
        values[name] = json.dumps(values[name], ensure_ascii=False)
    values["title_key"] = normalise_title(paper.title)
    return values


class Store(StoreReads, DigestStore, CrawlStore):
    """One SQLite file in WAL mode. Use as a context manager, or call close()."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            _private_file(self.path)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "foreign_keys=ON",
                "busy_timeout=30000",
            ):
                self.db.execute(f"PRAGMA {pragma}")
            self._functions()
            self._migrate()
            for suffix in ("-wal", "-shm"):  # SQLite copies the mode, but an old file keeps its own
                _private_file(self.path.with_name(self.path.name + suffix), create=False)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.path}: cannot open the store: {exc}") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def _functions(self) -> None:
        """The Python functions migrations call (004 cleans text and links with them)."""
        for name, func in (
            ("paperboy_text", sanitize.text),
            ("paperboy_link", sanitize.link),
            ("paperboy_names", sanitize.names_json),
            ("paperboy_title_key", lambda title: normalise_title(title or "")),
        ):
            self.db.create_function(name, 1, func, deterministic=True)
        self.db.create_function("paperboy_now", 0, now)

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: made by a newer Paperboy (schema {version})")
        if version == 0 and not self.db.execute("SELECT 1 FROM sqlite_master").fetchone():
            script = resources.files("server").joinpath("schema.sql").read_text()
            self.db.executescript(f"BEGIN; {script}; PRAGMA user_version=1; COMMIT;")
            version = 1
        for target, name in MIGRATIONS:
            if target > version:
                sql = resources.files("server").joinpath("migrations", name).read_text()
                self.db.executescript(f"BEGIN; {sql}; PRAGMA user_version={target}; COMMIT;")

    # -- writing ---------------------------------------------------------------------------

    def ingest(self, listing: Listing, raw: bytes | None = None) -> IngestResult:
        """Store one listing (and its raw page) in one transaction; re-ingesting changes nothing.

        Whoever made the listing, its text is stored without control or direction characters
        and its links only when they are http(s) (server/sanitize.py).
        """
        listing = sanitize.listing(listing)
        result = IngestResult()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            stamp = now()  # taken under the write lock, so stamps commit in time order
            if raw is not None:
                result.raw_new = self._save_raw(raw, listing.url, listing.kind, stamp)
            self._save_listing(listing, stamp, result)
            self.db.execute("COMMIT")
        except BaseException as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(
                    f"{self.path}: could not store {listing.url or listing.kind}: {exc}"
                ) from None
            raise
        return result

    def _save_listing(self, listing: Listing, stamp: str, result: IngestResult) -> None:
        ids = {p.id: self._save_paper(p, stamp, result) for p in listing.papers}
        for appearance in listing.appearances:
            paper_id = ids.get(appearance.paper_id) or self.resolve(appearance.paper_id)
            if paper_id and appearance.date:
                self._save_appearance(replace(appearance, paper_id=paper_id), stamp, result)
        # the search index re-reads papers changed since its last sync, lists included
        self.db.executemany(
            "UPDATE papers SET changed_at = ? WHERE id = ?",
            [(stamp, pid) for pid in result.changed_ids],
        )

    def _save_raw(self, raw: bytes, url: str | None, kind: str, stamp: str) -> bool:
        digest = hashlib.sha256(raw).hexdigest()
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO raw_pages (url, kind, sha256, fetched_at, size, body) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (url, kind, digest, stamp, len(raw), zlib.compress(raw, 6)),
        )
        return cursor.rowcount == 1

    def _save_paper(self, paper: Paper, stamp: str, result: IngestResult) -> str:
        """Insert or merge one paper; returns the id it is stored under."""
        target = self._merge_target(paper, result)
        old = self.get_paper(target) if target else None
        if old is None:
            self._insert_paper(paper, stamp)
            result.papers_new += 1
            result.changed_ids.add(paper.id)
            return paper.id
        merged = merge_paper(old, paper)
        if merged != old:
            values = _paper_values(merged)
            sets = ", ".join(f"{k} = :{k}" for k in values if k != "id")
            self.db.execute(
                f"UPDATE papers SET {sets}, changed_at = :stamp WHERE id = :id",
                {**values, "stamp": stamp},
            )
            result.papers_updated += 1
            result.changed_ids.add(old.id)
        return old.id

    def _insert_paper(self, paper: Paper, stamp: str) -> None:
        values = _paper_values(paper)
        names = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        self.db.execute(
            f"INSERT INTO papers ({names}, first_seen, changed_at) "
            f"VALUES ({marks}, :stamp, :stamp)",
            {**values, "stamp": stamp},
        )

    def _merge_target(self, paper: Paper, result: IngestResult) -> str | None:
        """The stored id this paper belongs to, absorbing a title- or DOI-only twin into it."""
        existing = self.resolve(paper.id)
        if not is_arxiv_id(paper.id):
            return self._twin_by_title(paper.title, title_ids=False) or existing
        twins = [self._twin_by_title(paper.title, title_ids=True)]
        if paper.doi:
            twins.append(self.resolve("doi:" + paper.doi.lower()))
        for twin in filter(None, twins):
            if twin != paper.id and twin != existing:
                existing = self._absorb(twin, paper.id, existing)
                result.removed_ids.add(twin)
                result.changed_ids.add(paper.id)
        return existing

    def _twin_by_title(self, title: str, title_ids: bool) -> str | None:
        """A stored paper with the same normalised title: a title-only one, or an arXiv one."""
        key = normalise_title(title)
        if not key:
            return None
        rows = self.db.execute("SELECT id FROM papers WHERE title_key = ? ORDER BY id", (key,))
        for (paper_id,) in rows:
            if paper_id.startswith("title:") if title_ids else is_arxiv_id(paper_id):
                return paper_id
        return None

    def _absorb(self, old_id: str, new_id: str, existing: str | None) -> str:
        """Fold paper old_id into new_id (renaming it when new_id is not stored yet)."""
        if existing is None:
            self.db.execute("UPDATE papers SET id = ? WHERE id = ?", (new_id, old_id))
        else:
            self._move_appearances(old_id, new_id)
            merged = merge_paper(self.get_paper(new_id), self.get_paper(old_id))
            values = _paper_values(merged)
            sets = ", ".join(f"{k} = :{k}" for k in values if k != "id")
            self.db.execute(f"UPDATE papers SET {sets} WHERE id = :id", values)
            self.db.execute("UPDATE aliases SET paper_id = ? WHERE paper_id = ?", (new_id, old_id))
            self.db.execute("DELETE FROM papers WHERE id = ?", (old_id,))
        self.db.execute(
            "INSERT OR REPLACE INTO aliases (alias, paper_id) VALUES (?, ?)", (old_id, new_id)
        )
        return new_id

    def _move_appearances(self, old_id: str, new_id: str) -> None:
        rows = self.db.execute("SELECT * FROM appearances WHERE paper_id = ?", (old_id,)).fetchall()
        for row in rows:
            clash = self.db.execute(
                "SELECT id FROM appearances WHERE paper_id = ? AND list = ? AND category = ? "
                "AND date = ?",
                (new_id, row["list"], row["category"], row["date"]),
            ).fetchone()
            if clash is None:
                self.db.execute(
                    "UPDATE appearances SET paper_id = ? WHERE id = ?", (new_id, row["id"])
                )
                continue
            self.db.execute(
                "UPDATE OR IGNORE observations SET appearance_id = ? WHERE appearance_id = ?",
                (clash["id"], row["id"]),
            )
            self.db.execute("DELETE FROM appearances WHERE id = ?", (row["id"],))

    def _save_appearance(self, new: Appearance, stamp: str, result: IngestResult) -> None:
        key = (new.paper_id, new.list, new.category or "", new.date)
        row = self.db.execute(
            "SELECT * FROM appearances WHERE paper_id = ? AND list = ? AND category = ? "
            "AND date = ?",
            key,
        ).fetchone()
        if row is None:
            cursor = self.db.execute(
                "INSERT INTO appearances (paper_id, list, category, date, rank, upvotes, comments, "
                "submitter, section, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    *key,
                    new.rank,
                    new.upvotes,
                    new.comments,
                    new.submitter,
                    new.section,
                    stamp,
                    stamp,
                ),
            )
            result.appearances_new += 1
            result.changed_ids.add(new.paper_id)
            self._observe(cursor.lastrowid, new, stamp, result)
            return
        old = row_to_appearance(row)
        merged = merge_appearance(old, new)
        if merged != old:
            self.db.execute(
                "UPDATE appearances SET rank = ?, upvotes = ?, comments = ?, submitter = ?, "
                "section = ?, last_seen = ? WHERE id = ?",
                (
                    merged.rank,
                    merged.upvotes,
                    merged.comments,
                    merged.submitter,
                    merged.section,
                    stamp,
                    row["id"],
                ),
            )
            result.changed_ids.add(new.paper_id)
        self._observe(row["id"], new, stamp, result)

    def _observe(
        self, appearance_id: int, new: Appearance, stamp: str, result: IngestResult
    ) -> None:
        """Record a reading unless it equals the latest one (so re-imports add nothing)."""
        if new.rank is None and new.upvotes is None and new.comments is None:
            return
        last = self.db.execute(
            "SELECT rank, upvotes, comments FROM observations WHERE appearance_id = ? "
            "ORDER BY observed_at DESC LIMIT 1",
            (appearance_id,),
        ).fetchone()
        reading = (new.rank, new.upvotes, new.comments)
        if last is not None and tuple(last) == reading:
            return
        self.db.execute(
            "INSERT OR IGNORE INTO observations VALUES (?, ?, ?, ?, ?)",
            (appearance_id, stamp, *reading),
        )
        result.observations_new += 1
        result.changed_ids.add(new.paper_id)
