"""Work spread over the machine's cores: a long step's pieces run in worker processes, in
order and with a bounded number in flight, so the step's memory stays bounded at any size.

Workers are forked when no other thread could hold a lock a child would inherit (a command's
main thread, with at most the progress bars' redraws beside it; never on macOS): a forked
worker starts in milliseconds and inherits what the step set up (a vocabulary) instead of
unpickling it. Else (the server's threads) they are spawned: a forked child of a process with
threads may inherit a lock another thread held and wait on it forever. A spawned worker starts
in about half a second (it imports the modules its work needs), so a step asks for workers only
when it is long.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from server import progress

MAX_PROCS = 4
IN_FLIGHT = 2  # pieces queued or running per worker


def procs(pieces: int, parallel_from: int) -> int:
    """Worker processes for a step of `pieces` (papers, files): one per core (at most
    MAX_PROCS) from `parallel_from`, else 1 (the step runs in this process)."""
    cores = min(os.cpu_count() or 1, MAX_PROCS)
    return cores if pieces >= parallel_from and cores > 1 else 1


def across(
    work: Callable,
    pieces: Iterable,
    workers: int,
    initializer: Callable | None = None,
    initargs: tuple = (),
) -> Iterator:
    """work(piece) for each piece, in order: in this process when `workers` is 1, else in
    that many spawned processes (each given initializer(*initargs) as it starts), with at most
    IN_FLIGHT pieces a worker read ahead of the results taken. `work` and the pieces must
    pickle; an exception in a worker is raised here."""
    if workers < 2:
        if initializer is not None:
            initializer(*initargs)
        yield from map(work, pieces)
        return
    context = multiprocessing.get_context("fork" if forkable() else "spawn")
    with ProcessPoolExecutor(workers, context, initializer=initializer, initargs=initargs) as pool:
        pending: deque = deque()
        for piece in pieces:
            pending.append(pool.submit(work, piece))
            if len(pending) >= IN_FLIGHT * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def forkable() -> bool:
    """True when this thread may fork workers: it is the main one, and the only other threads
    are the progress bars' redraws, which a fork waits for (server/progress.py). Never on
    macOS, whose system libraries are not safe across a fork (Python spawns there by default),
    nor where there is no fork."""
    if sys.platform == "darwin" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    main = threading.main_thread()
    others = set(threading.enumerate()) - {main} - progress.redraw_threads()
    return threading.current_thread() is main and not others
