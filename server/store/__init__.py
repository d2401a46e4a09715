"""The store: the only code that opens the store's SQLite file. Papers, their appearances and
readings, raw pages, the crawler's state and the subscribers, in one file per data directory.

store.py is the Store (papers in and out); connection.py opens the file, migrates its schema
(schema.sql, migrations/) and runs transactions; rows.py maps a row to a Paper and back; merge.py
says how a new reading combines with a stored one; crawl.py, subscribers.py and desk.py are the
parts the crawler, the digest and the reader keep (`store.crawl`, `store.subscribers`,
`store.desk`: saved papers, tags, marks, notes and the papers opened); artifacts.py keeps the
Hugging Face Hub artifacts of papers and their refresh schedule (`store.artifacts`); clock.py is
the one clock.
"""

from server.store.artifacts import MAX_FAILURES as ARTIFACT_TRIES
from server.store.clock import now, today, utc_now
from server.store.connection import (
    FILE_NAME,
    SCHEMA_VERSION,
    StoreError,
    reason,
    store_path,
    unusable,
)
from server.store.crawl import CacheEntry, ProvisionalDay
from server.store.desk import MAX_VIEWED, DeskEntry, DeskError, Viewed, clean_note, clean_tag
from server.store.desk import loads as read_desk
from server.store.store import IngestResult, PaperNotFound, RawPage, Store
from server.store.subscribers import Subscriber

__all__ = [
    "ARTIFACT_TRIES",
    "FILE_NAME",
    "MAX_VIEWED",
    "SCHEMA_VERSION",
    "CacheEntry",
    "DeskEntry",
    "DeskError",
    "IngestResult",
    "PaperNotFound",
    "ProvisionalDay",
    "RawPage",
    "Store",
    "StoreError",
    "Subscriber",
    "Viewed",
    "clean_note",
    "clean_tag",
    "now",
    "read_desk",
    "reason",
    "unusable",
    "store_path",
    "today",
    "utc_now",
]
