"""The open archive a process serves from: data paths, a store per thread, one search index."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from server.config import Config, ConfigError
from server.index import EngineMissing, open_index
from server.store import Store


class Archive:
    """Resources shared by the API's requests and the CLI's verbs."""

    def __init__(self, config: Config):
        self.config = config
        self.data_dir = config.data_dir
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
            store = self._local.store = Store(self.data_dir / "papers.sqlite3")
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
        """Where the built archive site lives."""
        return Path(str(self.config["site_dir"])).expanduser()

    def close(self) -> None:
        """Close this thread's store and the index."""
        store = getattr(self._local, "store", None)
        if store is not None:
            store.close()
            self._local.store = None
        self.index.close()
