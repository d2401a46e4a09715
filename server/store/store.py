"""The papers store: one SQLite file holding papers, their appearances on lists, the readings of
those, and the raw pages they came from. It writes a listing in one transaction (merging what it
already holds, store/merge.py), reads papers back, and holds the crawler's and the digest's own
tables as two parts: `store.crawl` and `store.subscribers`, the user's desk (`store.desk`) and the
Hugging Face Hub artifacts of papers (`store.artifacts`)."""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from server import sanitize
from server.models import (
    Appearance,
    IndexRow,
    Listing,
    Paper,
    canonical,
    is_arxiv_id,
    normalise_title,
)
from server.store.artifacts import HubArtifacts
from server.store.clock import now
from server.store.connection import StoreError, connect, reason, transaction
from server.store.crawl import CrawlState
from server.store.desk import Desk
from server.store.merge import merge_appearance, merge_paper
from server.store.rows import paper_values, row_to_appearance, row_to_paper
from server.store.subscribers import Subscribers

# the tables Store.count counts; the first two are counted as written, by triggers (schema 11)
COUNTED = ("papers", "appearances", "observations", "raw_pages", "aliases")
KEPT_COUNTS = ("papers", "appearances")


class PaperNotFound(LookupError):
    """No paper in the store has this id."""


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


@dataclass(frozen=True)
class RawPage:
    """A raw page as the store keeps it: its digest, size and compressed bytes. Made where the
    bytes are (`RawPage.of`): an import's worker processes pack the files they parse, so the
    process that stores them does not compress them too."""

    sha256: str
    size: int
    body: bytes  # zlib, at LEVEL

    # zlib's level for a raw page: the HF bulk set's 60 MB of pages take 0.52 s at 3, 11% more
    # bytes (12.3 MB) than at 6, which took 1.15 s of its import. A page reads back at any level.
    LEVEL = 3

    @classmethod
    def of(cls, raw: bytes) -> RawPage:
        return cls(hashlib.sha256(raw).hexdigest(), len(raw), zlib.compress(raw, cls.LEVEL))


class Store:
    """One SQLite file in WAL mode, opened (and migrated) by store/connection.py. Use it as a
    context manager, or call close()."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.db = connect(self.path)
        self.crawl = CrawlState(self.db, self)
        self.subscribers = Subscribers(self.db)
        self.desk = Desk(self.db, self.resolve, self.require)
        self.artifacts = HubArtifacts(self.db)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    # -- reading ---------------------------------------------------------------------------

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

    def require(self, ref: str) -> str:
        """Like resolve, but raises PaperNotFound."""
        found = self.resolve(ref)
        if found is None:
            raise PaperNotFound(f"no paper {ref!r} in the store")
        return found

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
        """Rows in one of the store's tables: for papers and appearances the count the store
        keeps as it writes (migration 011, one row read), for the others count(*)."""
        if table in KEPT_COUNTS:
            return self.db.execute("SELECT n FROM counts WHERE name = ?", (table,)).fetchone()[0]
        return self.true_count(table)

    def true_count(self, table: str) -> int:
        """Rows in one of the store's tables by count(*), which reads the whole table (the kept
        counts are checked against it)."""
        if table not in COUNTED:
            raise ValueError(f"unknown table {table!r}")
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def stats(self) -> dict[str, object]:
        """Counts of everything stored, per list, and the span of days."""
        lists = self.db.execute(
            "SELECT list, count(*) AS n, count(DISTINCT date) AS days, min(date) AS first, "
            "max(date) AS last FROM appearances GROUP BY list ORDER BY list"
        ).fetchall()
        return {
            **{t: self.count(t) for t in COUNTED},
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

    def paper_texts(self) -> Iterator[tuple[str, str, str]]:
        """Every paper's id, title and abstract, by id (what the similarity file reads)."""
        for row in self.db.execute("SELECT id, title, abstract FROM papers ORDER BY id"):
            yield row[0], row[1], row[2]

    def last_change(self) -> str:
        """The time of the latest change to any paper or its lists ('' for an empty store)."""
        return self.db.execute("SELECT coalesce(max(changed_at), '') FROM papers").fetchone()[0]

    def paper_ids(self) -> set[str]:
        """The id of every stored paper."""
        return {r[0] for r in self.db.execute("SELECT id FROM papers")}

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

    def raw_page_ids(self) -> list[int]:
        """Ids of every stored raw page, oldest first."""
        return [r[0] for r in self.db.execute("SELECT id FROM raw_pages ORDER BY id")]

    def raw_page(self, page_id: int) -> tuple[str | None, bytes, str]:
        """A raw page's URL, its decompressed bytes and when it was stored (UTC)."""
        url, body, fetched_at = self.db.execute(
            "SELECT url, body, fetched_at FROM raw_pages WHERE id = ?", (page_id,)
        ).fetchone()
        return url, zlib.decompress(body), fetched_at

    # -- writing ---------------------------------------------------------------------------

    def ingest(self, listing: Listing, raw: bytes | RawPage | None = None) -> IngestResult:
        """Store one listing (and its raw page, as bytes or packed) in one transaction;
        re-ingesting changes nothing.

        Whoever made the listing, its text is stored without control or direction characters
        and its links only when they are http(s) (server/sanitize.py).
        """
        listing = sanitize.listing(listing)
        result = IngestResult()
        try:
            with transaction(self.db):
                stamp = now()  # taken under the write lock, so stamps commit in time order
                if raw is not None:
                    result.raw_new = self._save_raw(raw, listing.url, listing.kind, stamp)
                self._save_listing(listing, stamp, result)
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: could not store {listing.url or listing.kind}: "
                f"{reason(self.path, exc)}"
            ) from None
        return result

    def _save_listing(self, listing: Listing, stamp: str, result: IngestResult) -> None:
        ids = {p.id: self._save_paper(p, stamp, result) for p in listing.papers}
        days = {a.paper_id: a.date for a in listing.appearances if a.date}
        saved = (listing.url or "").startswith("file:")  # a file saved on its listing's day
        for p in listing.papers:
            if p.github_stars is not None:
                day = days.get(p.id) or listing.date if saved else listing.read_on
                self._read_stars(ids[p.id], day or stamp[:10], p.github_stars, stamp, result)
        for appearance in listing.appearances:
            paper_id = ids.get(appearance.paper_id) or self.resolve(appearance.paper_id)
            if paper_id and appearance.date:
                self._save_appearance(replace(appearance, paper_id=paper_id), stamp, result)
        # the search index re-reads papers changed since its last sync, lists included
        self.db.executemany(
            "UPDATE papers SET changed_at = ? WHERE id = ?",
            [(stamp, pid) for pid in result.changed_ids],
        )

    def _save_raw(self, raw: bytes | RawPage, url: str | None, kind: str, stamp: str) -> bool:
        page = raw if isinstance(raw, RawPage) else RawPage.of(raw)
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO raw_pages (url, kind, sha256, fetched_at, size, body) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (url, kind, page.sha256, stamp, page.size, page.body),
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
            values = paper_values(merged)
            sets = ", ".join(f"{k} = :{k}" for k in values if k != "id")
            self.db.execute(
                f"UPDATE papers SET {sets}, changed_at = :stamp WHERE id = :id",
                {**values, "stamp": stamp},
            )
            result.papers_updated += 1
            result.changed_ids.add(old.id)
        return old.id

    def _read_stars(self, paper_id: str, day: str, stars: int, stamp: str, result) -> None:
        """Keep a reading of a paper's GitHub stars on a listing day (a later reading of the
        same day replaces it); the paper's own count follows its newest day's reading."""
        self.db.execute(
            "INSERT INTO star_readings (paper_id, date, stars, read_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (paper_id, date) DO UPDATE SET stars = excluded.stars, "
            "read_at = excluded.read_at WHERE stars IS NOT excluded.stars",
            (paper_id, day, stars, stamp),
        )
        changed = self.db.execute(
            "UPDATE papers SET github_stars = (SELECT stars FROM star_readings "
            "WHERE paper_id = :id ORDER BY date DESC LIMIT 1) WHERE id = :id "
            "AND github_stars IS NOT (SELECT stars FROM star_readings "
            "WHERE paper_id = :id ORDER BY date DESC LIMIT 1)",
            {"id": paper_id},
        )
        if changed.rowcount:
            result.changed_ids.add(paper_id)

    def star_readings(self, paper_id: str) -> list[tuple[str, int]]:
        """(listing day, GitHub stars) of every reading of a paper's stars, oldest first."""
        rows = self.db.execute(
            "SELECT date, stars FROM star_readings WHERE paper_id = ? ORDER BY date", (paper_id,)
        )
        return [(r[0], r[1]) for r in rows]

    def star_readings_of(self, ids: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
        """Every star reading of these papers (those with any), by paper, oldest first."""
        found: dict[str, list[tuple[str, int]]] = {}
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), 500):  # SQLite's bound on host parameters
            chunk = wanted[start : start + 500]
            rows = self.db.execute(
                f"SELECT paper_id, date, stars FROM star_readings WHERE paper_id IN "
                f"({', '.join('?' * len(chunk))}) ORDER BY paper_id, date",
                chunk,
            )
            for pid, day, stars in rows:
                found.setdefault(pid, []).append((day, stars))
        return found

    def _insert_paper(self, paper: Paper, stamp: str) -> None:
        values = paper_values(paper)
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
            values = paper_values(merged)
            sets = ", ".join(f"{k} = :{k}" for k in values if k != "id")
            self.db.execute(f"UPDATE papers SET {sets} WHERE id = :id", values)
            self.db.execute("UPDATE aliases SET paper_id = ? WHERE paper_id = ?", (new_id, old_id))
            self.db.execute(
                "UPDATE OR IGNORE star_readings SET paper_id = ? WHERE paper_id = ?",
                (new_id, old_id),
            )
            self.db.execute("DELETE FROM star_readings WHERE paper_id = ?", (old_id,))
            for table in ("artifacts", "artifact_fetches"):  # derived: the new id's are refetched
                self.db.execute(f"DELETE FROM {table} WHERE paper_id = ?", (old_id,))
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
