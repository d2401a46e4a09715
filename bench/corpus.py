"""Build a scaled store (200k, 1M papers) from a real one, for benchmarks at scale.

    python bench/corpus.py --size 200k|1m|N --source DIR --out DIR [--seed 1]

Writes OUT/papers.sqlite3 (it must not exist) from SOURCE/papers.sqlite3, which is only read.
Method (the same source, size and seed give the same rows, byte for byte):
- Copy 0 is the source store as is: its schema and user_version, and every table's rows.
- Copies 1, 2, ... repeat the source papers in id order until SIZE papers exist (the last copy
  takes the first ones). Copy c of the i-th paper gets the id yymm.nnnnn with yymm from 9001 up
  (one month per copy while the source has under 100k papers): a valid arXiv id that no real
  paper has before 2090, and that leaves 9912 to bench/build.py's synthetic day.
- Each copy is perturbed by its own random.Random(f"{seed}:{copy}:{id}"): the abstract's
  sentences are shuffled, one or two title words are swapped for words of the abstract, one
  author in ten is dropped or doubled. The words stay the corpus's, so term statistics hold.
- The paper and all its appearances move by the same number of weeks (within +-3 years, never
  past the source's newest day; weekdays kept, monthly lists stay on the 1st). Ranks and
  upvotes (and their observations) are scaled by a random factor in 0.8..1.25.
- Store stamps (first_seen, changed_at, last_seen, observed_at) are the source's, moved later
  by copy * (the source's stamp span + 1 s): each copy reads as ingested after the last one.
Rows go in with executemany, a transaction per batch, journal off; indexes and triggers are
made last, and the row counts the store keeps (schema 11) are set to the copies' counts.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import sys
import time
from datetime import date, datetime, timedelta
from functools import lru_cache, partial
from itertools import chain
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.models import normalise_title  # noqa: E402

BATCH = 20_000  # papers per transaction
MAX_WEEKS = 156  # about 3 years either way
PER_MONTH = 99_999  # ids nnnnn from 00001 in one yymm
MONTHS = 119  # yymm 9001 .. 9911
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
WORD = re.compile(r"(?<![\w-])[A-Za-z][a-z]{3,}(?![\w-])")  # plain words, not in X-Y or X2
STOP = set(
    "about also based been both from have into more only over such than that their them"
    " then these they this those using very what when where which while with".split()
)


class CorpusError(Exception):
    """A reason to refuse, said in one line."""


def parse_size(text: str) -> int:
    """200k, 1m, 1.5m or a plain number of papers."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text.strip().lower())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 200k, 1m, 50000)")
    return round(float(m[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[m[2]])


def new_id(copy: int, i: int, months_per_copy: int) -> str:
    """The id of copy `copy` of the i-th source paper."""
    month = (copy - 1) * months_per_copy + i // PER_MONTH
    return f"{90 + month // 12}{month % 12 + 1:02d}.{i % PER_MONTH + 1:05d}"


@lru_cache(maxsize=1 << 16)
def later(stamp: str | None, by: timedelta) -> str | None:
    """A store stamp moved later."""
    if stamp is None:
        return None
    return (datetime.fromisoformat(stamp) + by).isoformat(timespec="microseconds")


def moved(day: str | None, weeks: int, monthly: bool = False) -> str | None:
    """An ISO date moved by whole weeks; a monthly list's 1st stays a 1st."""
    if not day or not weeks:
        return day
    new = date.fromisoformat(day) + timedelta(weeks=weeks)
    return (new.replace(day=1) if monthly and day.endswith("-01") else new).isoformat()


def shuffle_sentences(text: str, rng: random.Random) -> str:
    sentences = SENTENCE.split(text)
    rng.shuffle(sentences)
    return " ".join(sentences)


def swap_title_words(title: str, abstract: str, rng: random.Random) -> str:
    """Replace one or two title words with words of the abstract, keeping capitals."""
    spots = [m for m in WORD.finditer(title) if m[0].lower() not in STOP]
    if not spots or not abstract:
        return title
    out, end = [], 0
    for m in sorted(rng.sample(spots, min(len(spots), rng.randint(1, 2))), key=lambda m: m.start()):
        word = abstract_word(abstract, rng) or m[0].lower()
        out += [title[end : m.start()], word.capitalize() if m[0][0].isupper() else word]
        end = m.end()
    return "".join(out) + title[end:]


def abstract_word(abstract: str, rng: random.Random) -> str | None:
    """A word of the abstract (not a stop word): the next one after a random offset."""
    for _ in range(8):
        m = WORD.search(abstract, rng.randrange(len(abstract)))
        if m and m[0].lower() not in STOP:
            return m[0].lower()
    return None


def vary_authors(authors: str, rng: random.Random) -> str:
    """The JSON author list, with one dropped (1 in 20) or doubled (1 in 20)."""
    roll = rng.random()
    names = json.loads(authors) if roll < 0.1 else []
    if names:
        k = rng.randrange(len(names))
        names[k : k + 1] = [] if roll < 0.05 and len(names) > 1 else [names[k]] * 2
    return json.dumps(names, ensure_ascii=False) if names else authors


APP_COLUMNS = (
    "id, paper_id, list, category, date, rank, upvotes, comments, submitter, section, first_seen,"
    " last_seen"
)
OBS_COLUMNS = "appearance_id, observed_at, rank, upvotes, comments"


class Source:
    """The source store's rows, read once: papers in id order, appearances, observations."""

    def __init__(self, db: sqlite3.Connection):
        rows = db.execute("SELECT * FROM src.papers ORDER BY id")
        self.columns = [d[0] for d in rows.description]
        self.papers = [dict(zip(self.columns, row, strict=True)) for row in rows]
        self.apps: dict[str, list[tuple]] = {}
        for row in db.execute(f"SELECT {APP_COLUMNS} FROM src.appearances ORDER BY id"):
            self.apps.setdefault(row[1], []).append(row)
        self.obs: dict[int, list[tuple]] = {}
        order = "appearance_id, observed_at"
        for row in db.execute(f"SELECT {OBS_COLUMNS} FROM src.observations ORDER BY {order}"):
            self.obs.setdefault(row[0], []).append(row)
        days = db.execute(
            "SELECT max(published), max(updated) FROM src.papers "
            "UNION ALL SELECT max(date), NULL FROM src.appearances"
        ).fetchall()
        self.newest = max((d for pair in days for d in pair if d), default="")
        stamps = db.execute("SELECT min(first_seen), max(changed_at) FROM src.papers").fetchone()
        first, last = map(datetime.fromisoformat, stamps)
        self.span = last - first + timedelta(seconds=1)  # copy c's stamps: the source's + c * span
        self.next_app = 1 + (db.execute("SELECT max(id) FROM src.appearances").fetchone()[0] or 0)
        self.months_per_copy = 1 + (len(self.papers) - 1) // PER_MONTH


def scale(value: int | None, factor: float, least: int) -> int | None:
    return None if value is None else max(least, round(value * factor))


flat = chain.from_iterable


def copy_paper(src: Source, paper: dict, copy: int, i: int, seed: int) -> tuple:
    """Copy `copy` of one source paper: its row, its appearances' rows, their observations."""
    rng = random.Random(f"{seed}:{copy}:{paper['id']}")
    apps = src.apps.get(paper["id"], [])
    latest = max([paper["published"] or "", paper["updated"] or ""] + [a[4] for a in apps])
    room = (date.fromisoformat(src.newest) - date.fromisoformat(latest)).days // 7 if latest else 0
    weeks = rng.randint(-MAX_WEEKS, min(MAX_WEEKS, room)) if latest else 0
    for _ in range(4):  # a word may be swapped for itself: try again, so titles differ
        title = swap_title_words(paper["title"], paper["abstract"], rng)
        if normalise_title(title) != paper["title_key"]:
            break
    shift = src.span * copy
    row = dict(
        paper,
        id=new_id(copy, i, src.months_per_copy),
        title=title,
        title_key=normalise_title(title),
        abstract=shuffle_sentences(paper["abstract"], rng),
        authors=vary_authors(paper["authors"], rng),
        published=moved(paper["published"], weeks),
        updated=moved(paper["updated"], weeks),
        first_seen=later(paper["first_seen"], shift),
        changed_at=later(paper["changed_at"], shift),
    )
    factors = (rng.uniform(0.8, 1.25), rng.uniform(0.8, 1.25))
    app_rows, obs_rows = copy_apps(src, apps, row["id"], weeks, shift, factors)
    return tuple(row[c] for c in src.columns), app_rows, obs_rows


def copy_apps(src: Source, apps: list[tuple], paper_id: str, weeks: int, shift, factors) -> tuple:
    """The copied appearances (new ids, moved days, scaled ranks and upvotes), observations."""
    (rf, vf), stamp, app_rows, obs_rows = factors, partial(later, by=shift), [], []
    for old_id, _, name, cat, day, rank, votes, *rest, first, last in apps:
        aid, src.next_app = src.next_app, src.next_app + 1
        day = moved(day, weeks, "month" in name)
        rank, votes, seen = scale(rank, rf, 1), scale(votes, vf, 0), (stamp(first), stamp(last))
        app_rows.append((aid, paper_id, name, cat, day, rank, votes, *rest, *seen))
        for _, at, o_rank, o_votes, comments in src.obs.get(old_id, []):
            reading = scale(o_rank, rf, 1), scale(o_votes, vf, 0), comments
            obs_rows.append((aid, stamp(at), *reading))
    return app_rows, obs_rows


def write(db: sqlite3.Connection, src: Source, batch: list[tuple]) -> int:
    """Insert a batch of copies in one transaction; returns its appearance count."""
    marks = ",".join("?" * len(src.columns))
    papers, apps, obs = zip(*batch, strict=True)
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO papers VALUES ({marks})", papers)
    db.executemany(f"INSERT INTO appearances ({APP_COLUMNS}) VALUES ({'?,' * 11}?)", flat(apps))
    db.executemany(f"INSERT INTO observations ({OBS_COLUMNS}) VALUES (?,?,?,?,?)", flat(obs))
    db.execute("COMMIT")
    return sum(map(len, apps))


def copy_source(db: sqlite3.Connection) -> list[str]:
    """Create the source's tables and copy their rows; returns the deferred CREATE INDEX etc."""
    version = db.execute("PRAGMA src.user_version").fetchone()[0]
    later_sql = []
    for kind, name, sql in db.execute(
        "SELECT type, name, sql FROM src.sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).fetchall():
        if kind != "table":
            later_sql.append(sql)
            continue
        db.execute(sql)
        db.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}"')
    db.execute(f"PRAGMA user_version = {int(version)}")
    return later_sql


def build(source: Path, out: Path, size: int, seed: int = 1, log=print) -> tuple[int, int]:
    """Write out/papers.sqlite3 with `size` papers; returns (papers, appearances)."""
    store, target = source / "papers.sqlite3", out / "papers.sqlite3"
    if not store.is_file():
        raise CorpusError(f"no store at {store}")
    if target.exists():
        raise CorpusError(f"{target} exists: remove it or choose another --out")
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    db = sqlite3.connect(part, isolation_level=None, uri=True)  # uri: for the ATTACH below
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-200000"):
        db.execute(f"PRAGMA {pragma}")
    # immutable: no -wal/-shm files appear beside the source (unless it has a WAL to read)
    mode = "mode=ro" if store.with_name(store.name + "-wal").exists() else "immutable=1"
    try:
        db.execute("ATTACH ? AS src", (f"file:{quote(str(store.resolve()))}?{mode}",))
        papers, apps = _fill(db, size, seed, log)
        db.execute("DETACH src")
        db.execute("PRAGMA journal_mode=WAL")
    except BaseException:
        db.close()
        part.unlink(missing_ok=True)
        if made:
            out.rmdir()
        raise
    db.close()
    part.rename(target)
    return papers, apps


def _fill(db: sqlite3.Connection, size: int, seed: int, log) -> tuple[int, int]:
    n = db.execute("SELECT count(*) FROM src.papers").fetchone()[0]
    if not n or size < n:
        raise CorpusError(f"--size {size:,} is below the source's {n:,} papers")
    db.execute("BEGIN")
    deferred = copy_source(db)
    db.execute("COMMIT")
    src = Source(db)
    copies = 1 + (size - 1) // n
    if (copies - 1) * src.months_per_copy > MONTHS:
        raise CorpusError(f"--size {size:,} needs more than {MONTHS} id months (yymm 9001+)")
    apps = db.execute("SELECT count(*) FROM appearances").fetchone()[0]
    started = time.perf_counter()
    for copy in range(1, copies):
        take = src.papers[: min(n, size - copy * n)]
        for at in range(0, len(take), BATCH):
            chunk = enumerate(take[at : at + BATCH], at)
            apps += write(db, src, [copy_paper(src, p, copy, i, seed) for i, p in chunk])
        done = n * copy + len(take)
        rate = (done - n) / (time.perf_counter() - started)
        log(f"copy {copy}/{copies - 1}: {done:,} papers ({rate:,.0f} copied/s)", flush=True)
    log("indexing ...")
    db.executescript("BEGIN;" + ";".join(deferred) + ";COMMIT;")
    recount(db)
    return size, apps


def recount(db: sqlite3.Connection) -> None:
    """Set the row counts the store keeps (migration 011) to the tables' true counts: the
    copied counts are the source's, and its triggers were made only after the rows went in."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'counts'").fetchone():
        return  # a source from before schema 11: the store counts its rows when it migrates
    names = [r[0] for r in db.execute("SELECT name FROM counts")]
    db.execute("BEGIN")
    for name in names:
        db.execute(f'UPDATE counts SET n = (SELECT count(*) FROM "{name}") WHERE name = ?', (name,))
    db.execute("COMMIT")


def main() -> None:
    """Parse the arguments, build, print a summary line (or one line of refusal)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, required=True, help="200k, 1m or a number")
    parser.add_argument("--source", type=Path, required=True, help="data dir of the real store")
    parser.add_argument("--out", type=Path, required=True, help="data dir to create")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    try:
        papers, apps = build(args.source, args.out, args.size, args.seed)
    except (CorpusError, sqlite3.Error, OSError) as exc:
        sys.exit(f"corpus: {exc}")
    took = time.perf_counter() - started
    mb = (args.out / "papers.sqlite3").stat().st_size / 1e6
    print(
        f"{papers:,} papers, {apps:,} appearances in {took:.1f}s ({papers / took:,.0f} papers/s)"
        f" -> {args.out / 'papers.sqlite3'} ({mb:,.0f} MB)"
    )


if __name__ == "__main__":
    main()
