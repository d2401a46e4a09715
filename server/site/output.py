"""The output folder: atomic writes of changed bytes only, and a manifest kept between builds.

A file is written only when its bytes differ from what is on disk (the manifest's hash says so
without reading the file). Writes go to a temporary file and os.replace, so a build killed midway
leaves whole files, and the next build converges to the same output.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import tempfile
from pathlib import Path

STATE_DIR = ".paperboy"  # build state inside the output folder; not a page


def digest(data: bytes) -> str:
    """The content hash the manifest keeps for a file."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace a file's contents in one step (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Output:
    """Writes into the output folder and records what it wrote and why."""

    def __init__(self, root: Path, version: str, full: bool):
        self.root = root
        self.state = root / STATE_DIR
        old = self.load_cache("manifest.marshal") or {}
        self.full = full or old.get("version") != version
        self.version = version
        self.hashes: dict[str, str] = old.get("files", {})
        self._previous = set(self.hashes)
        self.keys: dict[str, str] = {} if self.full else old.get("keys", {})
        self.synced_to: str | None = None if self.full else old.get("synced_to")
        self.pages: list[str] = old.get("pages", [])
        self.written: list[tuple[str, str]] = []
        self.kept: set[str] = set()  # every file this build produced or left as it was

    def put(self, rel: str, data: bytes, why: str) -> bool:
        """Write one file if its bytes changed; returns True when it was written."""
        self.kept.add(rel)
        new, path = digest(data), self.root / rel
        if self.hashes.get(rel) == new and path.is_file():
            return False
        if path.is_file() and digest(path.read_bytes()) == new:
            self.hashes[rel] = new
            return False
        write_atomic(path, data)
        self.hashes[rel] = new
        if "on_disk" in self.__dict__:  # keep the cached listing true
            self.on_disk.add(rel)
        self.written.append((rel, ("changed: " if rel in self._previous else "new: ") + why))
        return True

    def keep(self, rel: str) -> None:
        """Record a file that this build did not need to regenerate."""
        self.kept.add(rel)

    def unchanged(self, rel: str) -> bool:
        """True when the file is on disk as the manifest recorded it (without reading it)."""
        return rel in self.hashes and rel in self.on_disk

    @functools.cached_property
    def on_disk(self) -> set[str]:
        """Every file in the output folder (one walk is faster than a stat per page)."""
        found = set()
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if d != STATE_DIR]
            prefix = os.path.relpath(folder, self.root).replace(os.sep, "/")
            found.update(f if prefix == "." else f"{prefix}/{f}" for f in files)
        return found

    def prune(self) -> list[str]:
        """Delete files a previous build wrote that this build no longer produces."""
        gone = sorted(set(self.hashes) - self.kept)
        for rel in gone:
            (self.root / rel).unlink(missing_ok=True)
            del self.hashes[rel]
            self.written.append((rel, "removed: no longer in the store"))
        for rel in [r for r in self.on_disk if r.rpartition("/")[2].startswith(".tmp-")]:
            (self.root / rel).unlink(missing_ok=True)  # left by a build killed mid-write
            self.on_disk.discard(rel)
        for tmp in self.state.glob(".tmp-*"):
            tmp.unlink(missing_ok=True)
        return gone

    def save(self, synced_to: str, keys: dict[str, str], pages: list[str]) -> None:
        """Record the manifest for the next build (last, so a killed build redoes its work)."""
        manifest = {"version": self.version, "synced_to": synced_to, "keys": keys, "pages": pages}
        manifest["files"] = dict(sorted(self.hashes.items()))
        # marshal, not JSON: 74k file hashes load and save in a fifth of the time
        self.save_cache("manifest.marshal", manifest)
        (self.state / "manifest.json").unlink(missing_ok=True)  # the format before 2026-11

    def load_cache(self, name: str):
        """A cached value saved by save_cache, or None."""
        try:
            return marshal.loads((self.state / name).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None

    def save_cache(self, name: str, value) -> None:
        """Cache plain data (dicts, lists, strings, numbers) between builds."""
        write_atomic(self.state / name, marshal.dumps(value))
