"""The store's SQLite file: opening it (private, WAL), migrating its schema, and transactions.

schema.sql is version 1; each later version is a file in migrations/, applied in order inside
one BEGIN IMMEDIATE transaction that reads the version again once it holds the write lock, so
any number of processes may open a new or old store at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from server import sanitize
from server.models import normalise_title
from server.store.clock import now

FULL_BELOW = 1 << 20  # bytes free under which a failed write is put down to a full disk
FILE_NAME = "papers.sqlite3"  # the store's file in a data directory
MIGRATIONS: list[tuple[int, str]] = [
    (2, "002_crawl.sql"),
    (3, "003_digest.sql"),
    (4, "004_changed_index.sql"),
    (5, "005_clean_text.sql"),
    (6, "006_desk.sql"),
    (7, "007_catchup.sql"),
    (8, "008_viewed.sql"),
    (9, "009_hf_signals.sql"),
    (10, "010_artifacts.sql"),
    (11, "011_counts.sql"),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


class StoreError(Exception):
    """A store that cannot be opened or written: the message says which file and why."""


def reason(path: Path, exc: BaseException) -> str:
    """What SQLite or the system said about the store at `path`, and, when its folder is on a
    full disk or cannot be written, that too ("disk I/O error" alone does not say which)."""
    said = str(exc)
    folder = path.parent
    try:
        disk = os.statvfs(folder if folder.is_dir() else folder.parent)
    except OSError:
        return said
    if disk.f_flag & os.ST_RDONLY or isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return f"{said} (the data folder {folder} is on a read-only file system)"
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return f"{said} (the data folder {folder} is read-only: Paperboy cannot write in it)"
    if disk.f_bavail * disk.f_frsize < FULL_BELOW:
        free = disk.f_bavail * disk.f_frsize
        return f"{said} (the disk holding {folder} is full: {free:,} bytes free)"
    return said


def unusable(data_dir: Path | str, exc: sqlite3.DatabaseError) -> str:
    """One line for a store that failed under a command or a request: the file, and why."""
    path = store_path(data_dir)
    return f"{path}: the store cannot be read or written: {reason(path, exc)}"


def store_path(data_dir: Path | str) -> Path:
    """The store's file in a data directory."""
    return Path(data_dir) / FILE_NAME


def connect(path: Path) -> sqlite3.Connection:
    """The open, private, migrated store at `path` (made when absent); StoreError if it cannot."""
    try:
        _private_file(path)
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout=30000")
        _wal(db)
        # recursive_triggers: the row counts' delete triggers (migration 011) also fire for a row
        # that INSERT OR REPLACE replaces
        for pragma in ("synchronous=NORMAL", "foreign_keys=ON", "recursive_triggers=ON"):
            db.execute(f"PRAGMA {pragma}")
        _functions(db)
        _migrate(db, path)
        for suffix in ("-wal", "-shm"):  # SQLite copies the mode, but an old file keeps its own
            _private_file(path.with_name(path.name + suffix), create=False)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"{path}: cannot open the store: {reason(path, exc)}") from None
    return db


def _wal(db: sqlite3.Connection, seconds: float = 30.0) -> None:
    """WAL mode. Turning it on needs the file to itself for a moment, and SQLite answers
    "locked" at once rather than wait when another process is opening the same new store:
    so try again, within the same 30 s any other statement would wait."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error (the connection is in autocommit)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _private_file(path: Path, create: bool = True) -> None:
    """Take the group's and others' rights from the store's folder and file (the file made
    empty, 0600, when absent), whether or not they existed: the store holds subscriber
    addresses and, later, the user's own notes. The owner's rights are left as they are: a
    folder its owner made read-only stays read-only (and the store then fails to open, exit 5).
    A file or folder owned by someone else keeps its mode (only its owner may change it)."""
    if create:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _owner_only(path.parent)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    # no -wal or -shm yet is fine: SQLite makes them with the store file's mode
    _owner_only(path)


def _owner_only(path: Path) -> None:
    """Drop every right but the owner's (which stay as they are); a missing path is fine."""
    with contextlib.suppress(PermissionError, FileNotFoundError):
        mode = path.stat().st_mode & 0o7777
        if mode & 0o077:
            path.chmod(mode & 0o700)


def _functions(db: sqlite3.Connection) -> None:
    """The Python functions migrations call (005 cleans text and links with them)."""
    for name, func in (
        ("paperboy_text", sanitize.text),
        ("paperboy_link", sanitize.link),
        ("paperboy_names", sanitize.names_json),
        ("paperboy_title_key", lambda title: normalise_title(title or "")),
    ):
        db.create_function(name, 1, func, deterministic=True)
    db.create_function("paperboy_now", 0, now)


def _version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to SCHEMA_VERSION, one process at a time (the others wait their turn)."""
    if _version(db) == SCHEMA_VERSION:
        return
    with transaction(db):
        version = _version(db)  # again: another process may have migrated meanwhile
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path}: made by a newer Paperboy (schema {version})")
        if version == 0 and db.execute("SELECT 1 FROM sqlite_master").fetchone():
            raise StoreError(f"{path}: not a Paperboy store (it holds other tables)")
        files = resources.files("server.store")
        steps = [(1, files.joinpath("schema.sql"))] if version == 0 else []
        steps += [(n, files.joinpath("migrations", name)) for n, name in MIGRATIONS if n > version]
        for target, script in steps:
            for statement in _statements(script.read_text()):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {target}")


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of a script, one by one (a trigger's body stays whole)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            if statement.strip():
                yield statement
            statement = ""
    if statement.strip() and not statement.strip().startswith("--"):
        yield statement
