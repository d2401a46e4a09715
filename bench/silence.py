"""Benchmark: the longest silence of a command on a terminal, and a timed recording of it.

    python bench/silence.py [--record FILE] [--limit 2] -- paperboy --data DIR import ...

Runs the command under a pseudo-terminal (so it shows what a person at a terminal sees: bars,
live lines), timestamps every chunk of output, and prints the longest gaps between chunks with
the text just before and after each, then whether any gap passed --limit seconds (exit 1 if
so). --record writes the session as text: one line per chunk, `+SECONDS  TEXT`, carriage
returns shown as `\\r`, for the issue's terminal recordings; with --every S, a redraw (a chunk
with no newline) is kept only S seconds after the last line kept, so a long run reads in a
page (the silences are measured on every chunk all the same). No asserts on speed: it reports.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time
from pathlib import Path

SHOWN = 5  # longest gaps listed
CONTEXT = 80  # characters of output shown before and after a gap


def record(argv: list[str], columns: int = 100) -> tuple[list[tuple[float, str]], float, int]:
    """Run argv on a new pty; every output chunk with its time from the start, the whole
    run's seconds and the exit status."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its terminal (stdin, stdout and stderr)
        # a new pty is 0 columns wide, and tqdm draws nothing in no columns
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    started, chunks = time.monotonic(), []
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append((time.monotonic() - started, data.decode("utf-8", "replace")))
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return chunks, time.monotonic() - started, os.waitstatus_to_exitcode(status)


def gaps(chunks: list[tuple[float, str]], total: float) -> list[tuple[float, float, int]]:
    """(seconds of silence, when it began, index of the chunk after it), the start and the
    end of the run counted: a command silent until it exits was silent the whole time."""
    found, last = [], 0.0
    for i, (at, _) in enumerate(chunks):
        found.append((at - last, last, i))
        last = at
    found.append((total - last, last, len(chunks)))
    return sorted(found, reverse=True)


def shown(text: str) -> str:
    """Output as one readable line: carriage returns and newlines made visible."""
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\x1b", "\\e")


def around(chunks: list[tuple[float, str]], i: int) -> tuple[str, str]:
    """The output just before chunk i and from it on."""
    before = "".join(text for _, text in chunks[:i])[-CONTEXT:]
    after = "".join(text for _, text in chunks[i:])[:CONTEXT]
    return shown(before), shown(after)


def thinned(chunks: list[tuple[float, str]], every: float) -> list[tuple[float, str]]:
    """The chunks a recording keeps: every line (a chunk with a newline, or whose next chunk
    starts one), and the redraws between every `every` s."""
    kept, last = [], -every
    for i, (at, text) in enumerate(chunks):
        ends_line = i + 1 < len(chunks) and chunks[i + 1][1].startswith(("\n", "\r\n"))
        if "\n" in text or ends_line or at - last >= every:
            kept.append((at, text))
            last = at
    return kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", type=Path, help="write the timed session here")
    parser.add_argument("--limit", type=float, default=2.0, help="longest silence allowed (s)")
    parser.add_argument("--every", type=float, default=0.0, help="keep a redraw every S s")
    parser.add_argument("command", nargs="+", help="the command (after --)")
    args = parser.parse_args()
    chunks, total, code = record(args.command)
    if args.record:
        lines = [f"# {' '.join(args.command)}", f"# exit {code}, {total:.1f}s"]
        lines += [f"+{at:8.3f}  {shown(text)}" for at, text in thinned(chunks, args.every)]
        args.record.write_text("\n".join(lines) + "\n")
    found = gaps(chunks, total)
    print(f"{' '.join(args.command)}: exit {code}, {total:.1f}s, {len(chunks)} output chunks")
    for seconds, began, i in found[:SHOWN]:
        before, after = around(chunks, i)
        print(f"  {seconds:6.2f}s silent from +{began:.2f}s")
        print(f"      before: {before!r}")
        print(f"      after:  {after!r}")
    longest = found[0][0] if found else total
    verdict = "ok" if longest <= args.limit else "TOO LONG"
    print(f"longest silence: {longest:.2f}s (limit {args.limit:g}s): {verdict}")
    return 0 if longest <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
