"""The index directory on disk: builds, the pointer to the live one, its sync stamp, the write lock.

Layout of `data/index/`: `CURRENT` names the live build (`b-<ns>/`, a Whoosh index plus
`stamp.json`). A rebuild fills `tmp-<ns>-<pid>/` and then swaps `CURRENT` in one rename, so a
crash never leaves a half index live and a reader never sees a missing one. The build before the
live one is kept, since another process may still be reading it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from whoosh import index
from whoosh.util.filelock import FileLock, try_for


class IndexBusy(Exception):
    """Another process held the index's write lock for longer than the timeout."""


class IndexFiles:
    """Paths and atomic writes under one index directory; creates nothing until written."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def current(self) -> Path | None:
        """The live build directory named by CURRENT, or None when there is none."""
        try:
            name = (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.path / name if name else None

    def read_stamp(self, build: Path) -> dict[str, object]:
        """The build's stamp: schema version, and the store change it is synced to."""
        stamp = json.loads((build / "stamp.json").read_text(encoding="utf-8"))
        if not isinstance(stamp, dict) or not isinstance(stamp.get("synced_to"), str):
            raise ValueError(f"{build / 'stamp.json'}: not a stamp")
        return stamp

    def write_stamp(self, build: Path, synced_to: str, schema: int | str) -> None:
        """Record what store change the build holds, atomically."""
        text = json.dumps({"schema": schema, "synced_to": synced_to})
        _write_atomic(build / "stamp.json", text)

    def new_build(self) -> Path:
        """A fresh, empty temporary directory to build an index in."""
        build = self.path / f"tmp-{time.time_ns()}-{os.getpid()}"
        build.mkdir(parents=True, mode=0o700)
        return build

    def publish(self, build: Path) -> Path:
        """Make a finished temporary build the live one, then drop builds no one should read."""
        final = self.path / f"b-{time.time_ns()}"
        os.replace(build, final)
        previous = self.current()
        _write_atomic(self.path / "CURRENT", final.name + "\n")
        self._clean(keep={final.name, previous.name if previous else ""})
        return final

    def _clean(self, keep: set[str]) -> None:
        # only called under the write lock, so no temporary build is still being filled
        for child in self.path.iterdir():
            if child.is_dir() and child.name.startswith(("b-", "tmp-")) and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)

    @contextlib.contextmanager
    def write_lock(self, timeout: float) -> Iterator[None]:
        """Hold the index's write lock, waiting up to `timeout` seconds for another writer."""
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = FileLock(str(self.path / "write.lock"))
        if not try_for(lock.acquire, timeout=timeout, delay=0.05):
            raise IndexBusy(f"{self.path}: another process kept the index locked for {timeout}s")
        try:
            yield
        finally:
            lock.release()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def probe(build: Path) -> int:
    """Open the build and read a little of it, raising if it is damaged; returns its doc count."""
    with index.open_dir(str(build)).searcher() as searcher:
        count = searcher.doc_count()
        if count:
            first = next(iter(searcher.lexicon("id")))
            searcher.document_number(id=first.decode())
        return count
