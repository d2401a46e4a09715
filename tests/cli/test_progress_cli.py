"""Progress (server/progress.py): bars on a terminal, timed step lines when piped, only the summary
under --quiet. Real `paperboy` processes on the demo pages, on a real pseudo-terminal
(bench/silence.py's recorder) or with their output piped."""

from __future__ import annotations

import io
import re
import time

from helpers import DEMO, EXE, bench_module, run

from server import progress

silence = bench_module("silence")
TIMED = r"in \d+\.\ds"  # a step line's time: "index: 8 papers in 0.1s (149/s)"


def on_terminal(data, *args: str) -> tuple[str, int]:
    """What `paperboy --data DATA ARGS` shows on a terminal (a pty), and its exit status."""
    chunks, _, code = silence.record([EXE, "--data", str(data), *args])
    return "".join(text for _, text in chunks), code


def test_a_terminal_shows_bars_then_one_timed_line_per_step(tmp_path):
    shown, code = on_terminal(tmp_path, "import", str(DEMO))
    assert code == 0, shown
    assert "\r" in shown and "%|" in shown  # tqdm bars, redrawn in place
    for name in ("parse: 10 files", "index: 8 papers", "similar: 8 papers"):
        assert re.search(f"{name} {TIMED}", shown), (name, shown)
    assert "10 pages read, 8 papers new" in shown  # the verb's own summary, last

    shown, code = on_terminal(tmp_path, "reindex", "--quiet")
    assert code == 0, shown
    assert "\r" not in shown.replace("\r\n", "\n")  # no bar on a terminal either
    assert shown.strip().splitlines() == [shown.strip()]  # one line: the summary
    assert re.match(r"indexed 8 papers in \d+\.\d s", shown)


def test_piped_output_has_no_bars_but_every_step_line_with_its_time(tmp_path):
    done = run(tmp_path, "import", str(DEMO))
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr + done.stdout
    lines = done.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["parse", "index", "similar"], lines
    assert all(re.search(TIMED, line) for line in lines), lines

    built = run(tmp_path, "build", "--no-pagefind", "--out", str(tmp_path / "site"))
    assert built.returncode == 0, built.stderr
    assert "\r" not in built.stderr + built.stdout
    assert re.search(f"^paper pages: 8 pages {TIMED}", built.stderr, re.M), built.stderr
    assert re.search(f"^feeds: \\d+ feeds {TIMED}", built.stderr, re.M), built.stderr


def test_quiet_prints_only_the_summary_piped_or_on_a_terminal(tmp_path):
    done = run(tmp_path, "import", "--quiet", str(DEMO))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("10 pages read, 8 papers new")

    shown, code = on_terminal(
        tmp_path, "build", "--quiet", "--no-pagefind", "--out", str(tmp_path / "site")
    )
    assert code == 0, shown
    assert shown.count("\n") == 1 and "pages, " in shown, shown  # the summary line alone


def test_a_wait_redraws_its_live_line_with_an_estimate_while_it_blocks():
    out = io.StringIO()
    with progress.shown(bars=True, lines=True, stream=out), progress.step("index", "paper") as s:
        list(s.iter(range(3), 3))
        with s.wait("committing", estimate=5):  # a commit that reports nothing
            end = time.monotonic() + 30  # a deadline, not a sleep: the ticker redraws alone
            while out.getvalue().count("index: committing") < 2 and time.monotonic() < end:
                time.sleep(0.05)
    drawn = out.getvalue()
    assert drawn.count("index: committing") >= 2, drawn  # redrawn by the ticker, not by work
    assert "s left (estimated)" in drawn
    assert re.search(f"index: 3 papers {TIMED}", drawn.splitlines()[-1])


def test_nothing_is_shown_by_default():
    out = io.StringIO()
    with progress.shown(bars=False, lines=False, stream=out), progress.step("index") as s:
        list(s.iter(range(3), 3))
    with progress.step("index") as s:  # library use: the server, tests
        list(s.iter(range(3), 3))
    assert out.getvalue() == ""


def test_a_bar_of_another_unit_is_shown_but_not_counted_in_the_summary():
    """The step's line counts its own unit: a bar over pages inside a step of bundles, or over
    terms inside one of papers, moves on the terminal but adds nothing to the line's count."""
    out = io.StringIO()
    with progress.shown(bars=True, lines=True, stream=out):
        with progress.step("pagefind", "bundle") as s:
            list(s.iter(range(40), 40, "pages read", "page"))
            s.bar(7, "lists", "term")
            s.advance(7)
            list(s.iter(range(3), 3))
            s.bar(2)
            s.advance(2)
    shown = out.getvalue()
    assert "pages read" in shown and "0/40" in shown and "0/7" in shown, shown
    assert re.search(r"(^|\r)pagefind: 5 bundles in ", shown, re.M), shown


def test_the_recorder_finds_the_longest_silence_and_thins_only_redraws():
    chunks = [(1.0, "\rbar 1"), (1.1, "\rbar 2"), (1.2, "\r  \rindex: 3 papers in 0.2s")]
    chunks += [(1.2, "\r\n"), (1.3, "\rbar 3"), (4.5, "\rbar 4")]
    assert silence.gaps(chunks, 5.0)[0] == (4.5 - 1.3, 1.3, 5)  # before "bar 4"
    assert silence.gaps(chunks, 9.0)[0] == (9.0 - 4.5, 4.5, 6)  # silent until it exited
    kept = [text for _, text in silence.thinned(chunks, 2)]
    assert kept == ["\rbar 1", "\r  \rindex: 3 papers in 0.2s", "\r\n", "\rbar 4"]
