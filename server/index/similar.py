"""Similar papers: the one similarity the site, the API, the popup and `paperboy show` use.

Each paper is a tf-idf vector over the words and two-word phrases of its title and abstract,
as arxiv-sanity-lite builds its vectors (sublinear term counts, smoothed idf, unit length), and
two papers are as similar as the cosine of their vectors. A term is a word of letters (inner
hyphens allowed), two letters or more, not a stop word; a phrase is two such words side by
side. So "9.8", "405b", "128k" or a LaTeX command never make two papers alike, and the terms
shown as the reason for a match are words a reader recognises. (Counting the title twice, or
leaving out the words every abstract uses, scored worse against the baseline: bench/similar.py.)

It lives in one SQLite file inside each index build (`similar.sqlite3`), written with the build
and kept in step by each sync, so a server holds none of it in memory at any scale:
- `term`: the vocabulary and each term's idf (fixed at the build; a sync adds papers with it);
- `doc`: each paper's vector, its VECTOR heaviest terms (int32 term ids, float32 weights);
- `post`: for each term, the papers holding it among their KEY heaviest terms, by weight;
- `top`: for each term, its POSTINGS heaviest postings of `post` in one row (what a query
  reads; a sync writes again the rows of the terms it changed in `post`).
A query takes the paper's KEY heaviest terms, adds up weight products over each one's row of
`top`, and scores the best CANDIDATES of those by the full cosine. (Read as rows of `post` and
summed by SQLite's GROUP BY, the same candidates took 2.2-2.6x as long at 36k papers: about
7 ms of the 10-12 a query took.)
"""

from __future__ import annotations

import heapq
import math
import os
import re
import sqlite3
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby, islice
from operator import itemgetter, neg
from pathlib import Path

from server import budget, cores
from server.index.types import IndexRow, PaperText, Similar
from server.models import Paper
from server.progress import Step, step

FILE = "similar.sqlite3"
VECTOR = 400  # terms kept per paper (a long abstract has ~250)
KEY = 60  # of which the heaviest lead to candidates
POSTINGS = 400  # papers read per key term, heaviest first
CANDIDATES = 150  # papers scored by the full cosine
SHOWN_TERMS = 5  # shared terms named as the reason of a match
MAX_DF = 0.1  # a term in more than this share of papers tells little (as arxiv-sanity-lite)
MAX_DF_LEAST = 50  # ...but a small archive keeps terms held by up to this many papers
MIN_DF = 3  # a term in fewer papers is left out
PARALLEL_FROM = 2_000  # papers asked at once (a site build) from which every core works
CHUNK = 1_000  # papers a worker process takes at a time
SMALL = 1_000  # an archive this small keeps terms held by two papers, and is rebuilt each sync
REBUILD_SHARE = 0.1  # papers changed since the build, as a share of its papers, before a rebuild
SORT_SHARE = 0.12  # the postings' sort takes about this share of the passes before it

WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
RUN = re.compile(r"(?<![\\a-z])[a-z]+(?:-[a-z]+)*")  # letters not after a backslash or a letter
# Common English words (the usual stop list).
ENGLISH = frozenset(
    """a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway anywhere
    are around as at back be became because become becomes becoming been before beforehand
    behind being below beside besides between beyond both but by can cannot could did do does
    doing done down due during each eg either else elsewhere enough etc even ever every
    everyone everything everywhere except few for former formerly from further had has have
    having he hence her here hereafter hereby herein hers herself him himself his how however
    i ie if in indeed into is it its itself just last latter latterly least less many may me
    meanwhile might mine more moreover most mostly much must my myself namely neither never
    nevertheless next no nobody none nor not nothing now nowhere of off often on once one only
    onto or other others otherwise our ours ourselves out over own per perhaps please quite
    rather re same seem seemed seeming seems several she should since so some somehow someone
    something sometime sometimes somewhere still such than that the their theirs them
    themselves then thence there thereafter thereby therefore therein thereupon these they
    this those though through throughout thru thus to together too toward towards under until
    up upon us very via was we well were what whatever when whence whenever where whereafter
    whereas whereby wherein whereupon wherever whether which while whither who whoever whole
    whom whose why will with within without would yet you your yours yourself yourselves""".split()
)

# Words of any abstract: they count in the score (leaving them out scored worse) but are never
# shown as the reason two papers are alike.
BOILERPLATE = frozenset(
    """paper papers present presents presented propose proposes proposed show shows shown
    demonstrate demonstrates demonstrated introduce introduces introduced release released
    releases comparable competitive competitively perform performs performed performance
    outperform outperforms outperforming achieve achieves achieved achieving result results
    approach approaches method methods novel new existing state-of-the-art art state extensive
    experiments experimental significant significantly support supports based using use used
    uses work works study studies various different effective effectively efficient
    efficiently improve improves improved improvement improvements superior""".split()
)


def words(text: str) -> list[str | None]:
    """The text's terms in order, lowercase; None where a stop word, a number or a sign was, so
    no phrase spans it. A token of letters and hyphens is one word ("text-to-image"); from a
    mixed token ("gpt-4o", "qwen2.5-vl") only its runs of letters count, never a LaTeX command.
    Each token's terms are kept (TOKENS_KEPT at most): most tokens of an abstract came before."""
    out: list[str | None] = []
    kept = _tokens
    for token in text.lower().split():
        found = kept.get(token)
        if found is None:
            if len(kept) >= TOKENS_KEPT:
                kept.clear()
            found = kept[token] = _token_terms(token)
        out += found
    return out


TOKENS_KEPT = 200_000
_tokens: dict[str, tuple[str | None, ...]] = {}  # a lowercase token -> its terms


def _token_terms(token: str) -> tuple[str | None, ...]:
    stripped = token.strip(".,;:!?()[]{}\"'`")
    whole = WORD.fullmatch(stripped)
    found = [
        w if len(w) > 1 and w not in ENGLISH else None
        for w in ([whole.group()] if whole else RUN.findall(stripped))
    ]
    return tuple(found) if whole else (*found, None)


def counts(paper: Paper) -> Counter[str]:
    """Term counts of a paper's title and abstract: words and two-word phrases."""
    return _counts(paper.title, paper.abstract)


def _counts(title: str, abstract: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for seq in (words(title), words(abstract)):
        found.update(filter(None, seq))
        found.update(f"{a} {b}" for a, b in zip(seq, seq[1:], strict=False) if a and b)
    return found


def _vector(
    terms: Counter[str], idf: dict[str, tuple[int, float]] | _Vocabulary
) -> list[tuple[int, float]]:
    """(term id, weight) of the VECTOR heaviest known terms, unit length, by term id."""
    scored = []
    for t, c in terms.items():
        known = idf.get(t)
        if known is not None:
            scored.append((known[0], (1.0 + math.log(c)) * known[1]))
    if len(scored) > VECTOR:  # most papers have fewer terms: no sort by weight
        scored = sorted(scored, key=lambda tw: (-tw[1], tw[0]))[:VECTOR]
    norm = math.sqrt(math.fsum(w * w for _, w in scored)) or 1.0  # fsum: in any order
    return sorted((t, w / norm) for t, w in scored)


def _pack(vector: list[tuple[int, float]]) -> bytes:
    return (
        array("i", [t for t, _ in vector]).tobytes() + array("f", [w for _, w in vector]).tobytes()
    )


def _unpack(blob: bytes) -> dict[int, float]:
    return dict(zip(*_halves(blob), strict=True))


def _halves(blob: bytes) -> tuple[array, array]:
    """A packed list's ids and weights (a vector's terms, or a term's papers), in order."""
    half = len(blob) // 2
    ids, weights = array("i"), array("f")
    ids.frombytes(blob[:half])
    weights.frombytes(blob[half:])
    return ids, weights


SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE term(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE, idf REAL NOT NULL);
CREATE TABLE doc(id INTEGER PRIMARY KEY, paper TEXT NOT NULL UNIQUE, vec BLOB NOT NULL);
CREATE TABLE post(term INTEGER NOT NULL, w REAL NOT NULL, doc INTEGER NOT NULL,
                  PRIMARY KEY(term, w, doc)) WITHOUT ROWID;
CREATE TABLE top(term INTEGER PRIMARY KEY, list BLOB NOT NULL);
"""


def write(path: Path, texts: Callable[[], Iterable[PaperText]], total: int | None = None) -> int:
    """Build the similarity file for every paper (`texts()` gives each one's id, title and
    abstract, and is read twice: the papers per term first, then each paper's vector; a
    store's `paper_texts`), into a new file that then replaces
    `path` (a reader of the old one reads on); returns the papers. Its progress is the
    "similar" step: a bar per pass (of `total` papers, when given), a live line while the
    postings are sorted, then a bar over the terms as their lists are written. From
    PARALLEL_FROM papers both passes over the papers run on every core (at most 4), in worker
    processes (server/cores.py), CHUNK papers at a time."""
    fresh = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fresh.unlink(missing_ok=True)
    procs = cores.procs(total or 0, PARALLEL_FROM)
    try:
        with step("similar", "paper") as shown:
            n = _write(fresh, texts, total, procs, shown)
            shown.count = n
        os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)
    return n


def _write(
    path: Path,
    texts: Callable[[], Iterable[PaperText]],
    total: int | None,
    procs: int,
    shown: Step,
) -> int:
    # each pass's bar counts papers as their results come, not as they are read: the workers
    # read chunks ahead, and a bar of papers read ended while the last chunks were worked on
    df: Counter[str] = Counter()
    n = 0
    shown.bar(total, "pass 1/2")
    for terms, papers in cores.across(_terms_part, _chunks(texts()), procs):
        df.update(terms)
        n += papers
        shown.advance(papers)
    least = MIN_DF if n >= SMALL else 2
    most = max(MAX_DF * n, MAX_DF_LEAST)
    kept = sorted(t for t, d in df.items() if least <= d <= most)
    idf = {t: (i, math.log((1 + n) / (1 + df[t])) + 1.0) for i, t in enumerate(kept)}
    del df, kept
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(SCHEMA)
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO term VALUES (?, ?, ?)", ((i, t, w) for t, (i, w) in idf.items())
        )
        db.execute("INSERT INTO meta VALUES ('papers', ?), ('changed', 0)", (n,))
        # the postings go to a plain table as they come, then into `post` in its key's order
        # in one statement (SQLite's sorter): inserted as they come, each lands at a random
        # place of post's tree (2x slower)
        db.execute("CREATE TEMP TABLE fresh(term INTEGER, w REAL, doc INTEGER)")
        shown.bar(total, "pass 2/2")
        vectors = cores.across(_vectors_part, _chunks(texts()), procs, _use, (idf,))
        doc = 0
        for part in vectors:
            ids = range(doc + 1, doc + 1 + len(part))
            doc += len(part)
            db.executemany(
                "INSERT INTO doc VALUES (?, ?, ?)",
                ((d, pid, blob) for d, (pid, blob, _) in zip(ids, part, strict=True)),
            )
            db.executemany(
                "INSERT INTO fresh VALUES (?, ?, ?)",
                ((t, w, d) for d, (_, _, keys) in zip(ids, part, strict=True) for t, w in keys),
            )
            shown.advance(len(part))
        with shown.wait("sorting postings", estimate=SORT_SHARE * shown.seconds):
            db.execute("INSERT INTO post SELECT term, w, doc FROM fresh ORDER BY term, w, doc")
        db.execute("DROP TABLE fresh")
        _write_lists(db, len(idf), shown)
        db.execute("COMMIT")
    finally:
        db.close()
        _use({})  # this process's copy, when the pass ran here
    return n


def _write_lists(db: sqlite3.Connection, terms: int, shown: Step) -> None:
    """Fill `top` from `post`, read once backwards (by term, heaviest first), under a bar over
    the `terms` term ids (the vocabulary's, from 0)."""
    shown.bar(terms, "lists", "term")
    left = terms  # the term ids not passed yet are those below this
    rows = db.execute("SELECT term, doc, w FROM post ORDER BY term DESC, w DESC, doc DESC")
    for term, postings in groupby(rows, key=itemgetter(0)):
        best = [(doc, w) for _, doc, w in islice(postings, POSTINGS)]
        db.execute("INSERT INTO top VALUES (?, ?)", (term, _pack(best)))
        shown.advance(left - term)
        left = term
    shown.advance(left)


def _write_list(db: sqlite3.Connection, term: int) -> None:
    """Write the term's row of `top` again from `post` (none when no paper posts it)."""
    best = db.execute(
        "SELECT doc, w FROM post WHERE term = ? ORDER BY w DESC, doc DESC LIMIT ?",
        (term, POSTINGS),
    ).fetchall()
    if best:
        db.execute("INSERT OR REPLACE INTO top VALUES (?, ?)", (term, _pack(best)))
    else:
        db.execute("DELETE FROM top WHERE term = ?", (term,))


def _chunks(texts: Iterable[PaperText]) -> Iterator[list[PaperText]]:
    """The papers' (id, title, abstract), CHUNK at a time."""
    chunk = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_idf: dict[str, tuple[int, float]] = {}  # a worker's vocabulary (pass 2), set as it starts


def _use(idf: dict[str, tuple[int, float]]) -> None:
    global _idf
    _idf = idf


def _terms_part(chunk: list[PaperText]) -> tuple[Counter[str], int]:
    """Pass 1 over some papers: how many of them hold each term, and how many papers."""
    found: Counter[str] = Counter()
    for _, title, abstract in chunk:
        found.update(_counts(title, abstract).keys())
    return found, len(chunk)


def _vectors_part(chunk: list[PaperText]) -> list[tuple[str, bytes, list]]:
    """Pass 2 over some papers: each one's id, packed vector and key terms, by _idf."""
    out = []
    for pid, title, abstract in chunk:
        blob = _pack(_vector(_counts(title, abstract), _idf))
        out.append((pid, blob, _keys(*_halves(blob))))
    return out


def apply(
    path: Path,
    rows: Iterable[IndexRow],
    gone: Iterable[str],
    every: Callable[[], Iterable[PaperText]],
) -> int:
    """Bring the file in step with changed papers and drop merged ids; returns papers touched.

    Changed papers take the build's vocabulary and idf, so a word that was rare at the build
    cannot match yet: once the papers changed since the build pass REBUILD_SHARE of those it
    held (every sync of an archive under SMALL papers), the file is written anew from
    `every()`, all the store's papers' texts; so is a file that is missing or cannot be read."""
    db = None
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None)
        db.execute("SELECT value FROM meta WHERE key = 'papers'").fetchone()
    except sqlite3.Error:
        if db is not None:
            db.close()
        return write(path, every)
    touched, terms = 0, set()
    try:
        db.execute("BEGIN IMMEDIATE")
        idf = _Vocabulary(db)
        with step("similar", "paper") as shown:
            for row in shown.iter(rows, None, "changed"):
                touched += _put(db, row.paper.id, _vector(counts(row.paper), idf), terms)
            for pid in gone:
                touched += _drop(db, pid, terms)
            for term in shown.iter(sorted(terms), len(terms), "lists", "term"):
                _write_list(db, term)
            shown.count = touched
        db.execute("UPDATE meta SET value = value + ? WHERE key = 'changed'", (touched,))
        papers, changed = (
            db.execute("SELECT value FROM meta WHERE key = ?", (k,)).fetchone()[0]
            for k in ("papers", "changed")
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK") if db.in_transaction else None
        raise
    finally:
        db.close()
    if touched and (papers < SMALL or changed > REBUILD_SHARE * papers):
        write(path, every)
    return touched


def _put(db: sqlite3.Connection, pid: str, vector: list[tuple[int, float]], terms: set[int]) -> int:
    """Store a paper's vector, and post it under its KEY heaviest terms (added to `terms`,
    with those it was posted under before: their lists must be written again)."""
    _drop(db, pid, terms)
    blob = _pack(vector)
    keys = _keys(*_halves(blob))  # the weights as stored (float32): _drop's
    _insert(db, pid, blob, keys)
    terms.update(t for t, _ in keys)
    return 1


def _insert(db: sqlite3.Connection, pid: str, blob: bytes, keys: list[tuple[int, float]]) -> None:
    cur = db.execute("INSERT INTO doc(paper, vec) VALUES (?, ?)", (pid, blob))
    db.executemany("INSERT INTO post VALUES (?, ?, ?)", ((t, w, cur.lastrowid) for t, w in keys))


def _keys(terms: Iterable[int], weights: Iterable[float]) -> list[tuple[int, float]]:
    """The KEY heaviest (term, weight) of a vector (its terms, and their weights in order),
    heaviest first, the lower term first among equals."""
    return [(t, -w) for w, t in sorted(zip(map(neg, weights), terms, strict=True))[:KEY]]


def _drop(db: sqlite3.Connection, pid: str, terms: set[int]) -> int:
    """Remove a paper and its postings (their terms added to `terms`)."""
    found = db.execute("SELECT id, vec FROM doc WHERE paper = ?", (pid,)).fetchone()
    if found is None:
        return 0
    doc, vec = found
    keys = _keys(*_halves(vec))
    terms.update(t for t, _ in keys)
    db.executemany(
        "DELETE FROM post WHERE term = ? AND w = ? AND doc = ?", ((t, w, doc) for t, w in keys)
    )
    db.execute("DELETE FROM doc WHERE id = ?", (doc,))
    return 1


class _Vocabulary:
    """The build's terms, read from the file as they are asked for (term -> (id, idf))."""

    def __init__(self, db: sqlite3.Connection):
        self.db, self.cache = db, {}

    def get(self, term: str) -> tuple[int, float] | None:
        """The term's (id, idf), None when the build did not keep it (as dict.get)."""
        if term not in self.cache:
            row = self.db.execute("SELECT id, idf FROM term WHERE text = ?", (term,)).fetchone()
            self.cache[term] = tuple(row) if row else None
        return self.cache[term]


def similar_many(
    path: Path, papers: list[Paper], limit: int, done: Callable[[int], None] = lambda n: None
) -> dict[str, list[Similar]]:
    """similar() for many papers (a site build's): on every core (server/cores.py) from
    PARALLEL_FROM papers. `done(n)` is told as each part of n papers is done (a progress bar)."""
    parts = [(path, papers[i : i + CHUNK], limit) for i in range(0, len(papers), CHUNK)]
    found = {}
    for part in cores.across(_similar_part, parts, cores.procs(len(papers), PARALLEL_FROM)):
        found.update(part)
        done(len(part))
    return found


def _similar_part(work: tuple[Path, list[Paper], int]) -> dict[str, list[Similar]]:
    path, papers, limit = work
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {p.id: _similar(db, p, limit, {p.id}) for p in papers}
    finally:
        db.close()


def similar(path: Path, paper: Paper, limit: int = 5, exclude: Iterable[str] = ()) -> list[Similar]:
    """The papers most like this one, best first, with the terms they share most."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _similar(db, paper, limit, {paper.id, *exclude})
    finally:
        db.close()


def _similar(db: sqlite3.Connection, paper: Paper, limit: int, skip: set[str]) -> list[Similar]:
    row = db.execute("SELECT id, vec FROM doc WHERE paper = ?", (paper.id,)).fetchone()
    if row is not None:
        mine = _unpack(row[1])
    else:  # not indexed (yet): the vector from its text
        mine = dict(_vector(counts(paper), _Vocabulary(db)))
    if not mine:
        return []
    budget.check()
    best = _candidates(db, dict(_keys(mine.keys(), mine.values())), CANDIDATES + len(skip) + 1)
    if row is not None and row[0] in best:
        best.remove(row[0])
    found = []
    for pid, vec in _docs(db, best):
        if pid in skip:
            continue
        # their terms, in term order as mine are (no dict of theirs made: half the time)
        products = {t: mine[t] * w for t, w in zip(*_halves(vec), strict=True) if t in mine}
        found.append((sum(products.values()), pid, products))
    found.sort(key=lambda f: (-f[0], f[1]))
    out = []
    for score, pid, products in found[:limit]:
        top = sorted(products, key=lambda t: -products[t])
        out.append(Similar(pid, round(score, 4), _names(db, top)[:SHOWN_TERMS]))
    return out


def _candidates(db: sqlite3.Connection, keys: dict[int, float], n: int) -> list[int]:
    """The n papers (doc ids) with the most weight over the key terms (term -> the query's
    weight), summed over each term's POSTINGS heaviest papers (its row of `top`)."""
    marks = ",".join("?" * len(keys))
    found: dict[int, float] = {}
    get = found.get
    for term, blob in db.execute(f"SELECT term, list FROM top WHERE term IN ({marks})", [*keys]):
        weight = keys[term]
        for doc, w in zip(*_halves(blob), strict=True):
            found[doc] = get(doc, 0.0) + weight * w
    return heapq.nlargest(n, found, key=found.__getitem__)


def _docs(db: sqlite3.Connection, ids: list[int]) -> Iterator[tuple[str, bytes]]:
    marks = ",".join("?" * len(ids))
    yield from db.execute(f"SELECT paper, vec FROM doc WHERE id IN ({marks})", ids)


def _names(db: sqlite3.Connection, term_ids: list[int]) -> list[str]:
    """The shared terms to show, heaviest first: a word inside a phrase already shown is left
    out, and so are the words of any abstract ("presents", "released", "comparable"), which
    count in the score but explain nothing (unless nothing else is shared)."""
    if not term_ids:
        return []
    marks = ",".join("?" * len(term_ids))
    text = dict(db.execute(f"SELECT id, text FROM term WHERE id IN ({marks})", term_ids))
    terms = [text[t] for t in term_ids]
    telling = [t for t in terms if not BOILERPLATE.intersection(t.split(" "))] or terms
    named: list[str] = []
    for term in telling:
        words = term.split(" ")
        if any(term in n.split(" ") for n in named):
            continue
        named = [n for n in named if n not in words]
        named.append(term)
    return named


def probe(path: Path) -> int:
    """The papers the file was built from; raises when it is missing or cannot be read."""
    if not path.is_file():
        raise FileNotFoundError(path)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT value FROM meta WHERE key = 'papers'").fetchone()[0]
    finally:
        db.close()


def vectors(path: Path, papers: list[Paper]) -> dict[str, dict[int, float]]:
    """The tf-idf vectors of these papers (term id -> weight): as stored, or from the text of a
    paper the file does not hold yet."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        vocabulary, out = _Vocabulary(db), {}
        for p in papers:
            row = db.execute("SELECT vec FROM doc WHERE paper = ?", (p.id,)).fetchone()
            out[p.id] = _unpack(row[0]) if row else dict(_vector(counts(p), vocabulary))
        return out
    finally:
        db.close()


def sample(path: Path, n: int, seed: int, skip: set[str]) -> dict[str, dict[int, float]]:
    """The vectors of about n papers drawn evenly through the file (fixed by `seed`), none in
    `skip`: the background a reader's saved papers are told apart from."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        total = db.execute("SELECT max(id) FROM doc").fetchone()[0] or 0
        step = max(1, total // max(1, n))
        rows = db.execute(
            "SELECT paper, vec FROM doc WHERE (id + ?) % ? = 0 LIMIT ?", (seed, step, n)
        )
        return {pid: _unpack(vec) for pid, vec in rows if pid not in skip}
    finally:
        db.close()


def term_names(path: Path, term_ids: list[int]) -> list[str]:
    """The shown form of these terms, in order (the words of any abstract left out)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _names(db, term_ids)
    finally:
        db.close()
