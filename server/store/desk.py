"""The reader's desk (`store.desk`): saved papers, tags, read and hidden marks, a note per paper.

The user's own state, the most precious thing in the store, lives in tables of its own (desk,
desk_tags, migration 006; desk_seen, 007; desk_viewed, the papers opened in the browser, 008)
that no import, parse, reindex or migration writes. A row keeps the id the paper had when the
user first acted on it; a paper folded into another since is read through the aliases table, so
nothing the user did is lost or split. Export and import move this state
alone, as JSON, between machines.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime

from server import sanitize
from server.models import canonical
from server.store.clock import now
from server.store.connection import transaction

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_TAG = 50  # characters in a tag
MAX_TAGS = 50  # tags on one paper
MAX_NOTE = 10_000  # characters in a note
MAX_VIEWED = 500  # papers the "recently viewed" list keeps, the newest
MAX_URL = 2000  # characters in a viewed paper's address
FORMAT = "paperboy-desk"  # the export's "format", with "version"
VERSION = 1


class DeskError(ValueError):
    """A tag, note or imported file that cannot be taken: the message says which and why."""


@dataclass
class DeskEntry:
    """What the user did with one paper (its id as stored now)."""

    paper_id: str
    saved_at: str | None = None
    read_at: str | None = None
    hidden_at: str | None = None
    note: str = ""
    note_at: str | None = None
    tags: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The entry as the export and the API write it."""
        return {
            "id": self.paper_id,
            "saved_at": self.saved_at,
            "read_at": self.read_at,
            "hidden_at": self.hidden_at,
            "note": self.note,
            "note_at": self.note_at,
            "tags": self.tags,
        }


@dataclass
class Viewed:
    """A paper the user opened in the browser: its id, the address opened, when (the last time)."""

    paper_id: str
    url: str
    viewed_at: str

    def as_json(self) -> dict[str, object]:
        """The entry as the export writes it."""
        return {"id": self.paper_id, "url": self.url, "viewed_at": self.viewed_at}


def clean_tag(tag: str) -> str:
    """A tag as stored: printable, whitespace collapsed, 1 to MAX_TAG characters."""
    cleaned = " ".join((sanitize.text(str(tag)) or "").split())
    if not cleaned:
        raise DeskError(f"tag {tag!r}: empty once control characters and spaces are removed")
    if len(cleaned) > MAX_TAG:
        raise DeskError(f"tag {cleaned[:20]!r}...: longer than {MAX_TAG} characters")
    return cleaned


def clean_view(paper_id: object, url: object) -> tuple[str, str]:
    """A viewed paper's canonical id and its address as stored (an http(s) URL of at most
    MAX_URL characters); DeskError naming the input otherwise."""
    ref = canonical(paper_id) if isinstance(paper_id, str) else None
    if ref is None:
        raise DeskError(f"{str(paper_id)[:100]!r}: not a paper id")
    link = sanitize.link(url) if isinstance(url, str) else None
    if link is None:
        raise DeskError(f"{str(url)[:200]!r}: not an http(s) address")
    if len(link) > MAX_URL:
        raise DeskError(f"{link[:100]!r}...: an address longer than {MAX_URL} characters")
    return ref.id, link


def clean_note(note: str) -> str:
    """A note as stored: control characters dropped (newlines kept), at most MAX_NOTE."""
    lines = [sanitize.text(line) or "" for line in str(note).replace("\r\n", "\n").split("\n")]
    cleaned = "\n".join(line.rstrip() for line in lines).strip()
    if len(cleaned) > MAX_NOTE:
        raise DeskError(f"note: {len(cleaned):,} characters, more than {MAX_NOTE:,}")
    return cleaned


# Each desk row under the id its paper has now (through aliases), newest act first.
_ROWS = """
SELECT coalesce(a.paper_id, d.paper_id) AS id, d.* FROM desk d
LEFT JOIN aliases a ON a.alias = d.paper_id
"""


class Desk:
    """The desk tables, over the store's connection. `resolve` maps any id form to a stored id
    (None when absent); `require` does too, but raises the store's PaperNotFound."""

    def __init__(self, db: sqlite3.Connection, resolve, require):
        self.db, self.resolve, self.require = db, resolve, require

    # -- acting on one paper -----------------------------------------------------------------

    def save(self, paper_id: str, tags: list[str] = ()) -> DeskEntry:
        """Save a paper (kept when already saved), with tags added."""
        cleaned = [clean_tag(t) for t in tags]
        with transaction(self.db):
            pid = self._row(paper_id)
            self.db.execute(
                "UPDATE desk SET saved_at = coalesce(saved_at, ?) WHERE paper_id = ?", (now(), pid)
            )
            self._tag(pid, cleaned)
        return self.entry(paper_id)

    def unsave(self, paper_id: str) -> DeskEntry:
        """Take a paper off the saved list (its tags, marks and note stay)."""
        return self._set(paper_id, "saved_at", None)

    def tag(self, paper_id: str, tags: list[str], remove: bool = False) -> DeskEntry:
        """Add tags to a paper (or remove them)."""
        cleaned = [clean_tag(t) for t in tags]
        with transaction(self.db):
            pid = self._row(paper_id)
            if remove:
                self.db.executemany(
                    "DELETE FROM desk_tags WHERE paper_id = ? AND tag = ?",
                    [(pid, t) for t in cleaned],
                )
            else:
                self._tag(pid, cleaned)
        return self.entry(paper_id)

    def mark_read(self, paper_id: str, read: bool = True) -> DeskEntry:
        """Mark a paper read (or unread)."""
        return self._set(paper_id, "read_at", now() if read else None)

    def hide(self, paper_id: str, hidden: bool = True) -> DeskEntry:
        """Hide a paper from lists (or show it again)."""
        return self._set(paper_id, "hidden_at", now() if hidden else None)

    def note(self, paper_id: str, text: str) -> DeskEntry:
        """Set a paper's note ('' clears it)."""
        cleaned = clean_note(text)
        with transaction(self.db):
            pid = self._row(paper_id)
            self.db.execute(
                "UPDATE desk SET note = ?, note_at = ? WHERE paper_id = ?",
                (cleaned, now() if cleaned else None, pid),
            )
        return self.entry(paper_id)

    def _set(self, paper_id: str, column: str, value: str | None) -> DeskEntry:
        with transaction(self.db):
            pid = self._row(paper_id)
            self.db.execute(f"UPDATE desk SET {column} = ? WHERE paper_id = ?", (value, pid))
        return self.entry(paper_id)

    def _row(self, paper_id: str) -> str:
        """The desk row's key for a stored paper (made when absent)."""
        stored = self.require(paper_id)
        for key in self._keys(stored):
            return key
        self.db.execute("INSERT INTO desk (paper_id) VALUES (?)", (stored,))
        return stored

    def _keys(self, stored: str) -> list[str]:
        """Desk keys that stand for a stored paper: its id, and ids folded into it."""
        rows = self.db.execute(
            "SELECT paper_id FROM desk WHERE paper_id = ?1 OR paper_id IN "
            "(SELECT alias FROM aliases WHERE paper_id = ?1) ORDER BY paper_id != ?1, paper_id",
            (stored,),
        )
        return [r[0] for r in rows]

    def _tag(self, pid: str, tags: list[str]) -> None:
        have = {
            r[0] for r in self.db.execute("SELECT tag FROM desk_tags WHERE paper_id = ?", (pid,))
        }
        new = [t for t in dict.fromkeys(tags) if t not in have]
        if len(have) + len(new) > MAX_TAGS:
            raise DeskError(f"{pid}: more than {MAX_TAGS} tags")
        stamp = now()
        self.db.executemany(
            "INSERT INTO desk_tags (paper_id, tag, tagged_at) VALUES (?, ?, ?)",
            [(pid, t, stamp) for t in new],
        )

    # -- reading -----------------------------------------------------------------------------

    def entry(self, paper_id: str) -> DeskEntry:
        """What the user did with a paper (an empty entry when nothing)."""
        stored = self.resolve(paper_id) or paper_id
        found = [e for e in self.entries() if e.paper_id == stored]
        return found[0] if found else DeskEntry(stored)

    def entries(self) -> list[DeskEntry]:
        """Every desk row, each under its paper's id now; rows of one paper joined."""
        tags: dict[str, list[str]] = {}
        for pid, tag in self.db.execute(
            "SELECT coalesce(a.paper_id, t.paper_id), t.tag FROM desk_tags t "
            "LEFT JOIN aliases a ON a.alias = t.paper_id ORDER BY t.rowid"
        ):
            if tag not in tags.setdefault(pid, []):
                tags[pid].append(tag)
        joined: dict[str, DeskEntry] = {}
        for row in self.db.execute(_ROWS + " ORDER BY d.paper_id"):
            entry = joined.setdefault(row["id"], DeskEntry(row["id"], tags=tags.get(row["id"], [])))
            for column in ("saved_at", "read_at", "hidden_at", "note_at"):
                value = row[column]
                if value and (getattr(entry, column) is None or value < getattr(entry, column)):
                    setattr(entry, column, value)
            if row["note"] and row["note"] not in entry.note:
                entry.note = f"{entry.note}\n\n{row['note']}".strip()
        for pid, found in tags.items():
            joined.setdefault(pid, DeskEntry(pid, tags=found))
        return sorted(joined.values(), key=lambda e: (e.saved_at or "", e.paper_id), reverse=True)

    def library(self, tag: str | None = None, unread: bool = False) -> list[DeskEntry]:
        """The saved papers, newest saved first; only those with a tag, or unread."""
        wanted = clean_tag(tag) if tag is not None else None
        return [
            e
            for e in self.entries()
            if e.saved_at and (wanted is None or wanted in e.tags) and not (unread and e.read_at)
        ]

    def tags(self) -> list[tuple[str, int]]:
        """Every tag with the number of papers carrying it, most used first."""
        counts: dict[str, int] = {}
        for e in self.entries():
            for t in e.tags:
                counts[t] = counts.get(t, 0) + 1
        return sorted(counts.items(), key=lambda tc: (-tc[1], tc[0]))

    def hidden_ids(self) -> set[str]:
        """Papers the user hid."""
        return {e.paper_id for e in self.entries() if e.hidden_at}

    # -- catching up ---------------------------------------------------------------------------

    def last_seen(self, name: str = "lists") -> str | None:
        """The newest listing day the user had seen when they last caught up, or None."""
        row = self.db.execute("SELECT day FROM desk_seen WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def mark_seen(self, day: str, name: str = "lists") -> None:
        """Remember that the user has seen the lists up to `day` (never moves back)."""
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO desk_seen (name, day, seen_at) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (name) DO UPDATE SET day = max(day, ?2), seen_at = ?3",
                (name, day, now()),
            )

    # -- recently viewed ------------------------------------------------------------------------

    def view(self, paper_id: str, url: str) -> None:
        """Remember that the user opened a paper at `url` now (one row a paper: the last time
        and address); only the newest MAX_VIEWED papers are kept."""
        self._viewed([(*clean_view(paper_id, url), now())])

    def viewed(self, limit: int = 50) -> list[Viewed]:
        """The papers opened, the most recently opened first, each under its paper's id now."""
        rows = self.db.execute(
            "SELECT coalesce(a.paper_id, v.paper_id), v.url, v.viewed_at FROM desk_viewed v "
            "LEFT JOIN aliases a ON a.alias = v.paper_id "
            "ORDER BY v.viewed_at DESC, v.rowid DESC LIMIT ?",
            (limit,),
        )
        return [Viewed(*row) for row in rows]

    def clear_viewed(self) -> int:
        """Forget every paper opened; returns how many there were."""
        with transaction(self.db):
            return self.db.execute("DELETE FROM desk_viewed").rowcount

    def _viewed(self, rows: list[tuple[str, str, str]]) -> None:
        """Keep each (id, url, time), the later time winning over a stored one; then the cap."""
        with transaction(self.db):
            self.db.executemany(
                "INSERT INTO desk_viewed (paper_id, url, viewed_at) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (paper_id) DO UPDATE SET url = ?2, viewed_at = ?3 "
                "WHERE viewed_at < ?3",
                rows,
            )
            self.db.execute(
                "DELETE FROM desk_viewed WHERE paper_id NOT IN (SELECT paper_id FROM desk_viewed "
                "ORDER BY viewed_at DESC, rowid DESC LIMIT ?)",
                (MAX_VIEWED,),
            )

    # -- moving it between machines ------------------------------------------------------------

    def export(self) -> dict[str, object]:
        """The whole desk as a JSON-ready document (import takes it back)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": now(),
            "papers": [e.as_json() for e in self.entries()],
            "seen": dict(self.db.execute("SELECT name, day FROM desk_seen ORDER BY name")),
            "viewed": [v.as_json() for v in self.viewed(MAX_VIEWED)],
        }

    def import_(self, document: object, source: str = "the file") -> int:
        """Merge an exported desk into this one; returns the papers it held. Nothing is lost on
        either side: saved, read and hidden keep the earlier time, tags are joined, a differing
        note is appended. A paper this archive lacks is kept under its id until it arrives."""
        papers = _checked(document, source)
        seen = document.get("seen") or {}
        if not isinstance(seen, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and _DAY.fullmatch(v) for k, v in seen.items()
        ):
            raise DeskError(f'{source}: "seen" is not a map of names to days (YYYY-MM-DD)')
        viewed = _checked_viewed(document.get("viewed"), source)
        with transaction(self.db):
            for item in papers:
                pid = self.resolve(item["id"]) or item["id"]
                keys = self._keys(pid)
                key = keys[0] if keys else pid
                if not keys:
                    self.db.execute("INSERT INTO desk (paper_id) VALUES (?)", (key,))
                for column in ("saved_at", "read_at", "hidden_at"):
                    if item.get(column):
                        earlier = (
                            f"CASE WHEN {column} IS NULL OR {column} > ?1 THEN ?1 ELSE {column} END"
                        )
                        self.db.execute(
                            f"UPDATE desk SET {column} = {earlier} WHERE paper_id = ?2",
                            (item[column], key),
                        )
                if item.get("note"):
                    note = clean_note(item["note"])
                    old = self.db.execute("SELECT note FROM desk WHERE paper_id = ?", (key,))
                    mine = old.fetchone()[0]
                    if note not in mine:
                        joined = clean_note(f"{mine}\n\n{note}".strip())
                        self.db.execute(
                            "UPDATE desk SET note = ?, note_at = coalesce(?, note_at, ?) "
                            "WHERE paper_id = ?",
                            (joined, item.get("note_at"), now(), key),
                        )
                self._tag(key, [clean_tag(t) for t in item.get("tags", [])])
        for name, day in seen.items():
            self.mark_seen(day, name)
        if viewed:
            self._viewed(viewed)
        return len(papers)


def _checked(document: object, source: str) -> list[dict]:
    """The papers of an exported desk, checked field by field; DeskError names what is wrong."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DeskError(f'{source}: not a Paperboy desk export (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise DeskError(f"{source}: desk export version {document.get('version')!r}, not {VERSION}")
    papers = document.get("papers")
    if not isinstance(papers, list):
        raise DeskError(f'{source}: "papers" is not a list')
    for n, item in enumerate(papers, 1):
        where = f"{source}: paper {n}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise DeskError(f'{where}: no "id"')
        for column in ("saved_at", "read_at", "hidden_at", "note_at", "note"):
            if item.get(column) is not None and not isinstance(item[column], str):
                raise DeskError(f'{where} ({item["id"]}): "{column}" is not text')
        tags = item.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise DeskError(f'{where} ({item["id"]}): "tags" is not a list of text')
        try:
            for t in tags:
                clean_tag(t)
            clean_note(item.get("note") or "")
        except DeskError as exc:
            raise DeskError(f"{where} ({item['id']}): {exc}") from None
    return papers


def _checked_viewed(viewed: object, source: str) -> list[tuple[str, str, str]]:
    """The "viewed" list of an export (optional: older exports have none) as rows to store;
    DeskError names the entry and what is wrong."""
    if viewed is None:
        return []
    if not isinstance(viewed, list):
        raise DeskError(f'{source}: "viewed" is not a list')
    rows = []
    for n, item in enumerate(viewed, 1):
        where = f"{source}: viewed paper {n}"
        if not isinstance(item, dict):
            raise DeskError(f"{where}: not an object with id, url and viewed_at")
        try:
            rows.append((*clean_view(item.get("id"), item.get("url")), _utc(item.get("viewed_at"))))
        except DeskError as exc:
            raise DeskError(f"{where}: {exc}") from None
    return rows


def _utc(stamp: object) -> str:
    """An exported time as the clock writes it (UTC, to the microsecond), so that times from
    any machine sort alike; DeskError when it is not an ISO 8601 date and time."""
    try:
        moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) and "T" in stamp else None
    except ValueError:
        moment = None
    if moment is None:
        raise DeskError(f'"viewed_at" {str(stamp)[:40]!r} is not a time (YYYY-MM-DDTHH:MM:SS...)')
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def loads(text: str, source: str) -> object:
    """An export's text as JSON; DeskError naming the file and the place when it is not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DeskError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
