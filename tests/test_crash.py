"""kill -9 at random moments: the store stays whole, a re-run finishes, the result is unchanged.

Each kill is a real `paperboy` process (import, reindex, build) killed with SIGKILL after a random
delay drawn from a local random.Random (never random.seed(): Whoosh uses the global one). After
every kill the store must pass PRAGMA integrity_check. Kills come in chains of CHAIN: the re-run
after a kill may itself be killed, and the chain ends with a re-run that completes; then the
store (or the site folder) must equal that of an uninterrupted run.
PAPERBOY_CRASH_KILLS sets the number of import kills (default 50); PAPERBOY_CRASH_SEED the seed.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import DEMO, EXE, run

from server.index import make_index
from server.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = int(os.environ.get("PAPERBOY_CRASH_SEED", "20240902"))
IMPORT_KILLS = int(os.environ.get("PAPERBOY_CRASH_KILLS", "50"))
OTHER_KILLS = IMPORT_KILLS  # reindex and build each
CHAIN = 5  # kills in a row before the re-run that must complete
DAYS = 36  # generated HF API day files, on top of the demo pages
WORDS = (
    "sparse lattice diffusion protein reward model agent verifier retrieval graph kernel "
    "transformer weather forecast proof repair robot origami quantum scaling law tokenizer "
    "memory attention contrastive federated privacy causal benchmark"
).split()
KILLS: dict[str, int] = {}  # survived kills per command, printed for the README
MID_WORK: dict[str, int] = {}  # of those, kills that came after the process wrote something


def documented() -> dict[str, tuple[int, int]]:
    """docs/reliability.md's figures: command -> (kills that land, how many at least mid-write)."""
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `kill -9` of `(\w+)`[^|]*\| (\d+) landed and survived, at least (\d+) of", text, re.M
    )
    return {name: (int(kills), int(floor)) for name, kills, floor in rows}


def landed(name: str) -> None:
    """The kill loop of `name` landed every kill the docs promise, enough of them mid-write."""
    kills, floor = documented()[name]
    floor = floor * IMPORT_KILLS // kills  # PAPERBOY_CRASH_KILLS may ask for another count
    assert KILLS[name] == IMPORT_KILLS, f"{name}: {KILLS[name]} of {IMPORT_KILLS} kills landed"
    assert MID_WORK.get(name, 0) >= max(floor, 1), f"{name}: {MID_WORK.get(name, 0)} mid-write"


def hf_day(day: str, rng: random.Random) -> list[dict]:
    """An HF daily_papers API response for one day: 15 papers from a pool, so papers recur."""
    items = []
    for rank in range(15):
        n = rng.randrange(240)
        title = _title(n)
        paper = {
            "id": f"2407.{80000 + n}",
            "title": title,
            "summary": f"We study {title.lower()} and report {n} results on {day}.",
            "authors": [{"name": f"Author {n % 17}"}, {"name": f"Writer {n % 29}"}],
            "publishedAt": "2024-07-01T00:00:00.000Z",
            "upvotes": rng.randrange(1, 300),
        }
        items.append({"paper": paper, "title": title, "numComments": rank % 4})
    return items


def _title(n: int) -> str:
    """The n-th pool paper's title: five topic words and its number."""
    words = random.Random(n).sample(WORDS, 5)
    return " ".join(words).title() + f" {n}"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The demo pages plus DAYS generated HF API day files."""
    folder = tmp_path_factory.mktemp("inputs")
    shutil.copytree(DEMO, folder / "demo")
    rng = random.Random(SEED)
    for d in range(DAYS):
        day = f"2024-{7 + d // 28:02d}-{1 + d % 28:02d}"
        items = hf_day(day, rng)
        (folder / f"hf-api-{day}.json").write_text(json.dumps(items), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def startup() -> float:
    """Seconds `paperboy` takes to start and exit: kills before that would test nothing."""
    started = time.monotonic()
    subprocess.run([EXE, "--version"], capture_output=True, check=True)
    return time.monotonic() - started


def fingerprint(folder: Path) -> list[tuple]:
    """Name, size and mtime of every file under folder: changes when anything is written."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
    return [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]


def kill_at_random(rng, name: str, data: Path, args: list[str], window, watch: Path) -> int:
    """One kill at a random moment in window; counts it, and whether it came mid-work."""
    before = fingerprint(watch)
    if not killed(data, args, rng.uniform(*window)):
        return 0
    MID_WORK[name] = MID_WORK.get(name, 0) + (fingerprint(watch) != before)
    return 1


def killed(data: Path, args: list[str], delay: float) -> bool:
    """Run paperboy and SIGKILL it after delay seconds; False if it ended first."""
    env = {**os.environ, "PAPERBOY_DATA": str(data)}
    with subprocess.Popen(
        [EXE, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        try:
            proc.wait(timeout=delay)
            return False
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return True


def timed(data: Path, *args: str) -> float:
    """Run paperboy to completion (exit 0 or 1); returns the seconds it took."""
    started = time.monotonic()
    result = run(data, *args)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    return time.monotonic() - started


def integrity(data: Path) -> None:
    """The store passes SQLite's integrity and foreign key checks."""
    db = sqlite3.connect(data / "papers.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


def dump(data: Path) -> dict[str, list[tuple]]:
    """Every row of every table, minus time columns (stamps differ between runs), sorted."""
    db = sqlite3.connect(data / "papers.sqlite3")
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = {}
        for table in tables:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            keep = [c for c in cols if c not in ("first_seen", "last_seen") and c[-3:] != "_at"]
            rows = db.execute(f"SELECT {', '.join(keep)} FROM {table}").fetchall()
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        db.close()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def report(name: str, seconds: float) -> None:
    """Print the figures the README quotes."""
    print(
        f"\n{name}: {KILLS[name]} kills survived, {MID_WORK.get(name, 0)} of them mid-work "
        f"(uninterrupted run {seconds:.1f} s)"
    )


def kill_chains(rng, kills: int, reset, attempt, finish) -> int:
    """Chains of up to CHAIN kills from reset(), each checked by attempt(), closed by finish()."""
    survived = tries = 0
    while survived < kills and tries < 3 * kills:  # bounded, even if runs end before the kill
        reset()
        for _ in range(CHAIN):
            if survived == kills:
                break
            survived, tries = survived + attempt(rng), tries + 1
        finish()
    return survived


def test_import_survives_kills(tmp_path, inputs, startup):
    reference = tmp_path / "reference"
    seconds = timed(reference, "import", "-q", str(inputs))
    expected = dump(reference)
    assert len(expected["papers"]) > 200
    data, rng = tmp_path / "data", random.Random(SEED)

    def attempt(rng) -> int:
        args = ["import", "-q", str(inputs)]
        ok = kill_at_random(rng, "import", data, args, (startup * 0.8, seconds), data)
        if (data / "papers.sqlite3").exists():
            integrity(data)
        return ok

    def finish() -> None:
        timed(data, "import", "-q", str(inputs))
        integrity(data)
        assert dump(data) == expected
        assert json.loads(run(data, "search", "lattice", "--json").stdout)["total"] > 0

    KILLS["import"] = kill_chains(
        rng, IMPORT_KILLS, lambda: shutil.rmtree(data, True), attempt, finish
    )
    report("import", seconds)
    landed("import")


def test_reindex_survives_kills(tmp_path, inputs, startup):
    data = tmp_path / "data"
    timed(data, "import", "-q", str(inputs))
    seconds = timed(data, "reindex")
    expected, rng = dump(data), random.Random(SEED + 1)

    def attempt(rng) -> int:
        window = (startup * 0.8, seconds)
        ok = kill_at_random(rng, "reindex", data, ["reindex"], window, data / "index")
        integrity(data)
        found = json.loads(run(data, "search", "lattice", "--json").stdout)
        assert found["total"] > 0  # a half-built index is detected and rebuilt, never served
        return ok

    def finish() -> None:
        timed(data, "reindex")
        assert dump(data) == expected
        index = make_index(data / "index")
        try:
            assert index.doc_count() == len(expected["papers"])
        finally:
            index.close()

    KILLS["reindex"] = kill_chains(rng, OTHER_KILLS, lambda: None, attempt, finish)
    report("reindex", seconds)
    landed("reindex")


def test_build_survives_kills(tmp_path, inputs, startup):
    data = tmp_path / "data"
    timed(data, "import", "-q", str(inputs))
    build = ["build", "--no-pagefind", "-q", "--out"]
    seconds = timed(data, *build, str(tmp_path / "reference"))
    expected, rng = tree(tmp_path / "reference"), random.Random(SEED + 2)
    out = tmp_path / "site"

    def attempt(rng) -> int:
        return kill_at_random(rng, "build", data, [*build, str(out)], (startup * 0.8, seconds), out)

    def finish() -> None:
        timed(data, *build, str(out))
        integrity(data)
        got = tree(out)
        assert sorted(got) == sorted(expected)
        assert [p for p in expected if got[p] != expected[p]] == []

    KILLS["build"] = kill_chains(
        rng, OTHER_KILLS, lambda: shutil.rmtree(out, True), attempt, finish
    )
    report("build", seconds)
    landed("build")


# Saves papers, each with a tag and a note, through the store's desk (the code the CLI and the
# API call), round after round (each round writes every note anew) until killed; prints
# "id round" once each paper's writes are committed.
DESK_WRITER = """
import itertools, sys
from server.store import Store
with Store(sys.argv[1]) as store:
    for n in itertools.count(int(sys.argv[2])):
        for pid in sys.argv[3:]:
            store.desk.save(pid, ["crash"])
            store.desk.note(pid, f"round {n}")
            print(pid, n, flush=True)
"""


def desk_rows(data: Path) -> dict[str, tuple]:
    """Each saved paper: (its tags, its note)."""
    with Store(data / "papers.sqlite3") as store:
        return {e.paper_id: (tuple(e.tags), e.note) for e in store.desk.library()}


def test_desk_writes_survive_kills(tmp_path, inputs, startup):
    """kill -9 while papers are saved and their notes rewritten, and while pages are imported
    beside a full desk: every write reported done is there, whole, and nothing saved earlier is
    lost or torn."""
    data, rng = tmp_path / "data", random.Random(SEED + 3)
    timed(data, "import", "-q", str(inputs))
    with Store(data / "papers.sqlite3") as store:
        ids = sorted(store.paper_ids())
    assert len(ids) > 200
    done: dict[str, int] = {}  # paper -> the last round reported committed
    kills = writes = 0
    for attempt in range(IMPORT_KILLS):
        start = 1 + max(done.values(), default=0)
        command = [sys.executable, "-c", DESK_WRITER, str(data / "papers.sqlite3"), str(start)]
        with subprocess.Popen([*command, *ids], stdout=subprocess.PIPE, text=True) as proc:
            time.sleep(rng.uniform(0.05, 0.8))
            proc.kill()
            out, _ = proc.communicate()
        kills += proc.returncode == -9
        integrity(data)
        for line in out.splitlines():
            whole = re.fullmatch(r"(\S+) (\d+)", line)  # the last line may be cut off
            if whole:  # (a cut number is only lower: still a round that was committed)
                done[whole[1]], writes = int(whole[2]), writes + 1
        rows = desk_rows(data)
        for pid, n in done.items():
            tags, note = rows.get(pid, ((), ""))
            assert tags == ("crash",), f"{pid}: saved and tagged, then lost after kill {attempt}"
            assert note.startswith("round ") and int(note[6:]) >= n, (pid, n, note)
    assert kills == IMPORT_KILLS and len(done) > 100, (kills, len(done))
    before = desk_rows(data)
    again = ["import", "-q", str(inputs)]
    seconds = timed(data, *again)  # how long a re-import beside the full desk takes, here, now
    imports = tries = 0
    while imports < CHAIN and tries < 3 * CHAIN:  # killed midway: the desk is untouched
        imports += killed(data, again, rng.uniform(startup * 0.8, seconds))
        tries += 1
        integrity(data)
        assert desk_rows(data) == before
    assert imports == CHAIN, f"{imports} of {CHAIN} kills of an import landed in {tries} runs"
    print(f"\ndesk: {kills} kills while saving and rewriting notes ({writes} writes), none lost")
