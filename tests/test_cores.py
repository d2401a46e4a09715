"""Worker processes (server/cores.py): forked when no other thread could hold a lock the child
would inherit, spawned otherwise. Each case runs in a new Python process, so no thread of the
test run's (a server fixture's) decides it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

# A worker's kind, from its process name: ForkProcess-1 or SpawnProcess-2
KIND = """
import multiprocessing

def kind(_piece):
    return multiprocessing.current_process().name.rstrip("-0123456789")
"""

# (case, what the new process runs, the kind of worker it should get)
CASES = [
    ("main thread alone", "found = run()", "ForkProcess"),
    (
        "main thread while a step draws its bar (its redraw thread waits for a fork)",
        """
with progress.shown(bars=True, lines=False, stream=io.StringIO()):
    with progress.step("parse", "file") as shown:
        shown.bar(10)
        time.sleep(0.7)  # a redraw or two
        assert len(threading.enumerate()) == 2, threading.enumerate()
        found = run()
""",
        "ForkProcess",
    ),
    (
        "main thread while another thread runs",
        """
other = threading.Thread(target=time.sleep, args=(2,))
other.start()
found = run()
other.join()
""",
        "SpawnProcess",
    ),
    ("main thread alone, on macOS", 'sys.platform = "darwin"\nfound = run()', "SpawnProcess"),
    (
        "another thread",
        """
box = []
worker = threading.Thread(target=lambda: box.append(run()))
worker.start()
worker.join()
found = box[0]
""",
        "SpawnProcess",
    ),
]


@pytest.mark.parametrize(("case", "block", "kind"), CASES, ids=[c[0] for c in CASES])
def test_workers_are_forked_only_where_no_other_thread_runs(
    case: str, block: str, kind: str, tmp_path: Path
) -> None:
    (tmp_path / "kinds.py").write_text(KIND)
    code = f"""
import io, sys, threading, time
sys.path[:0] = [{str(tmp_path)!r}, {str(ROOT)!r}]
from kinds import kind
from server import cores, progress

def run():
    return sorted(set(cores.across(kind, range(6), 2)))

if __name__ == "__main__":
{_indent(block)}
    print(" ".join(found))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [kind], case


def _indent(block: str) -> str:
    return "\n".join("    " + line for line in block.strip().splitlines())
