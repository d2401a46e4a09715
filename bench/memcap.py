"""A hard memory cap for the benchmark's server: a Linux memory cgroup (v1 or v2).

A cgroup's limit counts the page cache its processes read in as well as their own memory, so
a server capped at 300 MB must answer with at most 300 MB of RAM in all, index files included:
the kernel drops the index pages it needs least and reads them again when asked. The index
files are first evicted from the page cache, so the pages the server reads are charged to it.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
NAME = "paperboy-bench"


class MemoryCap:
    """`with MemoryCap(300, files) as cap:` start processes with `preexec_fn=cap.enter`."""

    def __init__(self, mb: int, files: list[Path]):
        self.mb, self.files = mb, files
        self.dir, self.v2 = _cgroup_dir()

    def __enter__(self) -> MemoryCap:
        try:
            self.dir.mkdir(exist_ok=True)
            limit = "memory.max" if self.v2 else "memory.limit_in_bytes"
            (self.dir / limit).write_text(str(self.mb * 2**20))
        except OSError as exc:
            why = f"--memory-cap needs a writable memory cgroup at {self.dir}: {exc}"
            raise SystemExit(why) from None
        for path in self.files:
            _evict(path)
        return self

    def enter(self) -> None:
        """Move the calling process into the cgroup (run in the child, before exec)."""
        (self.dir / "cgroup.procs").write_text(str(os.getpid()))

    def peak_mb(self) -> float:
        """The most the cgroup held at once: memory and page cache."""
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        found = self.dir / name
        return int(found.read_text()) / 2**20 if found.is_file() else 0.0

    def __exit__(self, *exc) -> None:
        try:
            self.dir.rmdir()
        except OSError:
            pass  # a process still in it; the kernel removes nothing, the next run reuses it


def _cgroup_dir() -> tuple[Path, bool]:
    """Our own cgroup's child folder: cgroup v2 if /sys/fs/cgroup is unified, else v1's memory."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    v2 = (ROOT / "cgroup.controllers").is_file()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if v2 and controllers == "":
            return ROOT / path.lstrip("/") / NAME, True
        if not v2 and "memory" in controllers.split(","):
            return ROOT / "memory" / path.lstrip("/") / NAME, False
    raise SystemExit("--memory-cap: this machine has no memory cgroup (/proc/self/cgroup)")


def _evict(path: Path) -> None:
    """Drop a file's pages from the page cache (they are clean: nothing is lost)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
