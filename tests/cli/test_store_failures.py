"""Exit 5, the store cannot be opened or written, through real `paperboy` processes: a corrupt
file, a read-only data folder, a full disk. Each is one line naming the file and what was wrong,
never a traceback, and what was stored before is still there."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import need
from helpers import DEMO, EXE, file_size_limit, run, serve_exit, spoil, spoil_table

from server.store import store_path

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


def fresh_copy(stored: Path, to: Path) -> Path:
    """A copy of the stored data folder: its store all in its file (no -wal, no -shm)."""
    data = copy(stored, to)
    path = store_path(data)
    for suffix in ("-wal", "-shm"):
        assert not path.with_name(path.name + suffix).exists()
    return data


@pytest.mark.parametrize(
    "verb",
    [["stats"], ["trending"], ["save", "2408.90001"], ["subscribers", "list"], *VERBS],
    ids=lambda verb: "-".join(verb[:2]) if verb[0] == "subscribers" else verb[0],
)
def test_a_store_of_garbage_is_exit_5_and_left_as_it_was(stored, tmp_path, verb):
    data = fresh_copy(stored, tmp_path / "data")
    path = store_path(data)
    spoiled = spoil(path, 0, path.stat().st_size)
    one_error_line(run(data, *verb, cwd=tmp_path), str(path), "file is not a database")
    assert path.read_bytes() == spoiled  # not repaired, replaced or emptied: the user's to save


@pytest.mark.parametrize("verb", VERBS, ids=lambda verb: verb[0])
def test_a_corrupt_page_met_mid_verb_is_exit_5_and_left_as_it_was(stored, tmp_path, verb):
    """The header and the schema are sound, so the store opens; the papers table's first page
    is garbage, so the verb meets it only when it reads a paper (once: a traceback, exit 1)."""
    data = fresh_copy(stored, tmp_path / "data")
    path = store_path(data)
    spoiled = spoil_table(path, "papers")
    one_error_line(run(data, *verb, cwd=tmp_path), str(path), "database disk image is malformed")
    assert path.read_bytes() == spoiled


@functools.cache
def _mounts_work() -> bool:
    """True when this process may make a private mount namespace and mount in it (root in a
    machine or container that allows it): the mounts then never show outside one command."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(
            [*PRIVATE, f"mount -t tmpfs -o size=64k paperboy-probe {folder}"], capture_output=True
        )
    return probe.returncode == 0


# `sh -c SCRIPT` in a mount namespace of its own, whose mounts end with it
PRIVATE = ["unshare", "--mount", "--propagation", "private", "sh", "-c"]


def paperboy(data: Path, *args: str, mount: str = "", preexec_fn=None):
    """`paperboy --data DATA ARGS`, after the shell command `mount` (run in a private mount
    namespace, as the user's own mounts would be) when one is given."""
    command = [EXE, "--data", str(data), *args]
    if mount:
        command = [*PRIVATE, f'{mount} && exec "$@"', "sh", *command]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, preexec_fn=preexec_fn
    )


def stored_papers(data: Path) -> dict[str, str]:
    """id: title of every stored paper, as `paperboy export` gives them."""
    exported = run(data, "export")
    assert exported.returncode == 0, exported.stderr
    return {p["id"]: p["title"] for p in map(json.loads, exported.stdout.splitlines())}


def sound(data: Path) -> None:
    db = sqlite3.connect(store_path(data))
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


@pytest.mark.parametrize(
    "verb", [["stats"], ["import", str(DEMO / "hf-api-2024-08-05.json")]], ids=["stats", "import"]
)
def test_a_read_only_data_folder_is_exit_5_and_changes_nothing(stored, tmp_path, verb):
    """A user's `chmod a-w` does not stop root, who may write anywhere: as root the folder is
    mounted read-only instead (a bind mount in a namespace of the command's own)."""
    data = fresh_copy(stored, tmp_path / "data")
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    if os.geteuid() != 0:
        data.chmod(0o500)
        store_path(data).chmod(0o400)
        try:
            result = paperboy(data, *verb)
        finally:
            data.chmod(0o700)
        says = "read-only"
    else:
        need(_mounts_work(), "root here may not mount: no read-only folder stops root's writes")
        result = paperboy(data, *verb, mount=f"mount --bind -o ro {data} {data}")
        says = "read-only file system"
    one_error_line(result, str(store_path(data)), says)
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before


def test_a_write_past_the_file_size_limit_is_exit_5_and_keeps_the_store(tmp_path):
    """A full disk as any user can make one: no file may grow past 64 KB, so the store's log
    (-wal) fills up in the middle of an import. Runs everywhere; the tmpfs test below is the
    real full disk, where mounting is allowed."""
    data = tmp_path / "data"
    assert run(data, "import", "-q", str(DEMO / "hf-api-2024-08-05.json")).returncode == 0
    before = stored_papers(data)
    result = paperboy(data, "import", "-q", str(DEMO), preexec_fn=file_size_limit(64 * 1024))
    one_error_line(result, str(store_path(data)), "could not store", "disk I/O error")
    sound(data)
    after = stored_papers(data)
    assert {k: after.get(k) for k in before} == before  # all there, as it was
    # the import once it has room stores all the rest
    assert run(data, "import", "-q", str(DEMO)).returncode == 0
    assert len(stored_papers(data)) > len(before)


def test_a_full_disk_is_exit_5_and_the_store_opens_after(stored, tmp_path):
    """A real full disk: the data folder on a tmpfs of 1 MB, filled to the last byte."""
    need(_mounts_work(), "mounting a small tmpfs needs root and a machine that allows it")
    source, disk = tmp_path / "source", tmp_path / "disk"
    assert run(source, "import", "-q", str(DEMO / "hf-api-2024-08-05.json")).returncode == 0
    before = stored_papers(source)
    disk.mkdir()
    script = (
        f"mount -t tmpfs -o size=1m paperboy-full {disk} && cp -a {source}/. {disk} && "
        f"(cat /dev/zero > {disk}/filler 2>/dev/null; true) && "
        # the import fails; then the filler goes, as the user would make room, and the rest
        # of the story is told by stats and export, all in the one private mount
        f'"$@"; echo "exit $?" >&2; rm {disk}/filler && '
        f"{EXE} --data {disk} export > {tmp_path}/after.jsonl && cp -a {disk}/. {source}"
    )
    command = [*PRIVATE, script, "sh", EXE, "--data", str(disk), "import", "-q", str(DEMO)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    lines = result.stderr.splitlines()
    assert lines[-1] == "exit 5" and result.returncode == 0, result.stderr
    one_error_line(
        subprocess.CompletedProcess([], 5, result.stdout, "\n".join(lines[:-1]) + "\n"),
        str(store_path(disk)),
        "is full",
    )
    after = (tmp_path / "after.jsonl").read_text().splitlines()
    assert {p["id"]: p["title"] for p in map(json.loads, after)} == before
    sound(source)  # the store as the full disk left it, copied out of the mount


def test_serve_on_a_store_of_garbage_stops_at_once_with_exit_5(stored, tmp_path):
    """(A store whose header opens but whose papers table is corrupt is served: serve does not
    read every page of a store before it starts.)"""
    data = fresh_copy(stored, tmp_path / "data")
    path = store_path(data)
    spoil(path, 0, path.stat().st_size)
    one_error_line(serve_exit(data), str(path), "file is not a database")
