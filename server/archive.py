"""The open archive a process works on: its data directory, a store per thread, one search index,
the API token, where its site was last built, and where its downloaded thumbnails are."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from server.config import Config, ConfigError
from server.index import EngineMissing, open_index
from server.store import Store, StoreError, store_path
from server.text import slug

SITE_RECORD = "site-location"  # in the data directory: where `build` last wrote the site
THUMBNAILS = "thumbnails"  # in the data directory: one image per paper, <slug>.<png|jpg|...>
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


def thumbnail_file(data_dir: Path, paper_id: str) -> Path | None:
    """The paper's downloaded thumbnail in the data directory, or None when there is none."""
    folder = Path(data_dir) / THUMBNAILS
    for suffix in IMAGE_TYPES:
        path = folder / f"{slug(paper_id)}.{suffix}"
        if path.is_file():
            return path
    return None


def thumbnail_target(data_dir: Path, paper_id: str, suffix: str) -> Path:
    """Where the paper's thumbnail of this type (a key of IMAGE_TYPES) is written."""
    return Path(data_dir) / THUMBNAILS / f"{slug(paper_id)}.{suffix}"


class NoStore(StoreError):
    """A data directory that holds no store, opened by a command that only reads one."""


class Archive:
    """Resources shared by the API's requests and the CLI's verbs."""

    def __init__(self, config: Config, create: bool = True):
        """The archive of the configured data directory; with create=False, NoStore when that
        directory holds no store (a typo in --data must not make an empty one)."""
        self.config = config
        self.data_dir = config.data_dir
        if not create and not store_path(self.data_dir).is_file():
            raise NoStore(
                f"{self.data_dir} holds no Paperboy store ({store_path(self.data_dir).name}): "
                "`paperboy import FILE...` or `paperboy update` makes one there, and --data "
                "(or PAPERBOY_DATA) names another folder"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self.index = open_index(self.data_dir, str(config["index_engine"]))
        except EngineMissing as exc:
            raise ConfigError(str(exc)) from None
        self._local = threading.local()

    @property
    def store(self) -> Store:
        """This thread's connection to the store (SQLite connections stay in their thread)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(store_path(self.data_dir))
        return store

    def token(self) -> str:
        """The API token for write routes, made on first use and kept in the data directory."""
        path = self.data_dir / "token"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32) + "\n")
        return path.read_text().strip()

    @property
    def site_dir(self) -> Path:
        """Where this archive's site is: the site_dir setting when one was given, else where
        `build` last wrote it for this data directory, else the default site_dir."""
        configured = Path(str(self.config["site_dir"])).expanduser()
        record = self.data_dir / SITE_RECORD
        if self.config.sources["site_dir"] == "default" and record.is_file():
            return Path(record.read_text(encoding="utf-8").strip())
        return configured

    def record_site(self, out: Path) -> None:
        """Remember where `build` wrote this archive's site, for `serve` to find it."""
        (self.data_dir / SITE_RECORD).write_text(f"{Path(out).resolve()}\n", encoding="utf-8")

    def close(self) -> None:
        """Close this thread's store and the index."""
        store = getattr(self._local, "store", None)
        if store is not None:
            store.close()
            self._local.store = None
        self.index.close()
