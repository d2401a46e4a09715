"""Helpers the tests share: the demo pages, and running `paperboy` as a real process."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from conftest import ROOT

from server import sources
from server.store import Store, store_path

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
EXE = shutil.which("paperboy", path=str(Path(sys.executable).parent)) or "paperboy"


def run(
    data: Path, *args: str, cwd: Path | None = None, **settings: str
) -> subprocess.CompletedProcess:
    """Run `paperboy` with PAPERBOY_DATA=data (and settings as PAPERBOY_*); capture its output."""
    env = {**os.environ, "PAPERBOY_DATA": str(data)}
    env.update({f"PAPERBOY_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, env=env, timeout=300, cwd=cwd
    )


# `paperboy` whose update pipeline stops the process after one step, as a power cut would: the
# hook is the pipeline's own after_step parameter, set from outside (nothing test-only in the code)
_CRASHING = """
import functools, os, sys
from server import update as pipeline
from server.cli import crawl, main

STOP = sys.argv[1]

def crash(step):
    if step == STOP:
        os._exit(9)

crawl.update = functools.partial(pipeline.update, after_step=crash)
sys.argv = ["paperboy", *sys.argv[2:]]
main()
"""


def run_crashing(data: Path, step: str, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """Run `paperboy ARGS` as run() does, killing the process (exit 9) right after `step` of an
    update (scrape, index, build or digest)."""
    env = {**os.environ, "PAPERBOY_DATA": str(data)}
    env.update({f"PAPERBOY_{k.upper()}": v for k, v in settings.items()})
    command = [sys.executable, "-c", _CRASHING, step, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_json(url: str, seconds: float = 20) -> dict:
    """GET a JSON URL, retrying while the server starts."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def answer_then_stop(command: list[str], url: str, **popen) -> tuple[dict, str, str]:
    """Start a serving command, wait for its JSON answer at url, stop it: (answer, out, err)."""
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    ) as proc:
        try:
            body = wait_for_json(url)
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=10)
    return body, out, err


def empty_store(data: Path) -> None:
    """An empty store in `data` unless it holds one: serve refuses a folder without a store."""
    if not store_path(data).is_file():
        Store(store_path(data)).close()


def serve_exit(data: Path, seconds: float = 30, **settings: str) -> subprocess.CompletedProcess:
    """`paperboy serve` with settings that must stop it at once: its output once it exits.

    A server that is still running after `seconds` is stopped and the test fails.
    """
    empty_store(data)
    env = {**os.environ, **{f"PAPERBOY_{k.upper()}": v for k, v in settings.items()}}
    command = [EXE, "--data", str(data), "serve", "--port", str(free_port())]
    try:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"paperboy serve started with {settings}") from None


@contextlib.contextmanager
def serving(data: Path, preexec_fn=None, warm: bool = False, **settings: str):
    """A real `paperboy serve` on a free port for the data dir; yields its base URL.

    Extra settings go in as PAPERBOY_* variables; `preexec_fn` runs in the server's process
    before it starts (to set resource limits); with `warm`, the URL comes once the server says
    it has read its index ahead (meanwhile it takes the index's lock, a short step at a time).
    On exit the server is stopped, and its log must hold no traceback.
    """
    empty_store(data)
    port = free_port()
    env = {
        **os.environ,
        "PAPERBOY_DATA": str(data),
        **{f"PAPERBOY_{k.upper()}": v for k, v in settings.items()},
    }
    command = [EXE, "serve", "--port", str(port)]
    # the log goes to a file: a pipe nobody reads fills up under load and blocks the server
    with tempfile.TemporaryFile() as log:
        out = log if warm else subprocess.DEVNULL
        with subprocess.Popen(
            command, env=env, stdout=out, stderr=log, preexec_fn=preexec_fn
        ) as server:
            try:
                base = f"http://127.0.0.1:{port}"
                wait_for_json(base + "/api/health")
                if warm:
                    _wait_warm(log)
                yield base
            finally:
                server.terminate()
                server.wait(timeout=10)
        log.seek(0)
        text = log.read()
    assert b"Traceback" not in text, text.decode()[-2000:]


def _wait_warm(log, seconds: float = 120) -> None:
    """Wait until a server's log says its read-ahead of the index ended (done or failed)."""
    deadline = time.monotonic() + seconds
    while b"search index warm in" not in (said := os.pread(log.fileno(), 1 << 20, 0)):
        assert b"could not read the search index" not in said, said.decode()[-2000:]
        assert time.monotonic() < deadline, f"the server was not warm after {seconds} s"
        time.sleep(0.05)


def file_size_limit(limit: int):
    """A preexec_fn for a subprocess whose files may not grow past `limit` bytes: a write past
    it fails with EFBIG (SIGXFSZ, which would kill the process, is ignored), as on a full disk;
    no privilege needed."""

    def limited() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


SQLITE_PAGE = 4096  # the store's page size: the first page holds the header and the schema


def spoil(path: Path, start: int, length: int) -> bytes:
    """Garbage over `length` bytes of a file from `start`; the file's bytes after."""
    with path.open("r+b") as file:
        file.seek(start)
        file.write(bytes(range(7, 251)) * (length // 244) + b"\x99" * (length % 244))
    return path.read_bytes()


def spoil_table(path: Path, table: str = "papers") -> bytes:
    """Garbage over the first page of a table of a closed SQLite store, whose header and schema
    stay sound: the store opens, and fails only when a statement reads that table."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        [root] = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
    finally:
        db.close()
    return spoil(path, (root - 1) * SQLITE_PAGE, SQLITE_PAGE)


def bench_module(name: str):
    """bench/NAME.py imported as the module bench_NAME (bench/ holds scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


SCHEMA_9_COLUMNS = ("github_stars", "org", "org_name", "hf_summary", "hf_keywords", "thumbnail")


def drop_schema_11(db) -> None:
    """Take out of a store (an sqlite3 connection) what migration 011 adds (the kept row counts
    and their triggers), so a test that sets an older user_version has the older store."""
    for table in ("papers", "appearances"):
        for event in ("insert", "delete"):
            db.execute(f"DROP TRIGGER counts_{table}_{event}")
    db.execute("DROP TABLE counts")


def drop_schema_10(db) -> None:
    """Take out of a store (an sqlite3 connection) what migrations 010 and later add (the Hub
    artifacts), so a test that sets an older user_version has the older store they run on."""
    drop_schema_11(db)
    db.execute("DROP TABLE artifacts")
    db.execute("DROP TABLE artifact_fetches")


def drop_schema_9(db) -> None:
    """Take out of a store (an sqlite3 connection) what migrations 009 and later add, so a test
    that sets an older user_version has the older store those migrations run on."""
    drop_schema_10(db)
    for column in SCHEMA_9_COLUMNS:
        db.execute(f"ALTER TABLE papers DROP COLUMN {column}")
    db.execute("DROP TABLE star_readings")


def tiny_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    """A small PNG of one colour, made here (no image of anyone else's in the tests)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
