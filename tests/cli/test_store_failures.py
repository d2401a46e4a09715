"""Exit 5, the store cannot be opened or written, through real `paperboy` processes: a corrupt
file, a read-only data folder, a full disk. Each is one line naming the file and what was wrong,
never a traceback, and what was stored before is still there."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from helpers import DEMO, run

from server.store import store_path

PAGE = 4096  # SQLite's page size: the first page holds the header and the schema
VERBS = [  # each reads or writes papers
    ["papers"],
    ["show", "2408.90001"],
    ["search", "lattice"],
    ["export"],
    ["reindex"],
    ["build", "--no-pagefind", "--quiet"],
    ["import", str(DEMO / "hf-api-2024-08-05.json")],
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A data folder holding the demo pages, never changed: copy it to change it."""
    data = tmp_path_factory.mktemp("stored") / "data"
    assert run(data, "import", "-q", str(DEMO)).returncode == 0
    return data


def copy(stored: Path, to: Path) -> Path:
    shutil.copytree(stored, to)
    return to


def one_error_line(result: subprocess.CompletedProcess, *says: str) -> None:
    """Exit 5, and stderr one `paperboy: error:` line holding every one of `says`."""
    assert result.returncode == 5, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("paperboy: error: "), result.stderr
    for text in says:
        assert text in lines[0], (text, lines[0])


def spoil(path: Path, start: int, length: int) -> bytes:
    """Garbage over `length` bytes of the store from `start`; the file's bytes after."""
    with path.open("r+b") as db:
        db.seek(start)
        db.write(bytes(range(7, 251)) * (length // 244) + b"\x99" * (length % 244))
    return path.read_bytes()


def fresh_copy(stored: Path, to: Path) -> Path:
    """A copy of the stored data folder: its store all in its file (no -wal, no -shm)."""
    data = copy(stored, to)
    path = store_path(data)
    for suffix in ("-wal", "-shm"):
        assert not path.with_name(path.name + suffix).exists()
    return data


@pytest.mark.parametrize("verb", [["stats"], *VERBS], ids=lambda verb: verb[0])
def test_a_store_of_garbage_is_exit_5_and_left_as_it_was(stored, tmp_path, verb):
    data = fresh_copy(stored, tmp_path / "data")
    path = store_path(data)
    spoiled = spoil(path, 0, path.stat().st_size)
    one_error_line(run(data, *verb), str(path), "file is not a database")
    assert path.read_bytes() == spoiled  # not repaired, replaced or emptied: the user's to save


@pytest.mark.parametrize("verb", VERBS, ids=lambda verb: verb[0])
def test_a_corrupt_page_met_mid_verb_is_exit_5_and_left_as_it_was(stored, tmp_path, verb):
    """The header and the schema are sound, so the store opens; the papers table's first page
    is garbage, so the verb meets it only when it reads a paper (once: a traceback, exit 1)."""
    data = fresh_copy(stored, tmp_path / "data")
    path = store_path(data)
    db = sqlite3.connect(path)
    [root] = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'papers'").fetchone()
    db.close()
    spoiled = spoil(path, (root - 1) * PAGE, PAGE)
    one_error_line(run(data, *verb), str(path), "database disk image is malformed")
    assert path.read_bytes() == spoiled
