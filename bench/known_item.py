"""Benchmark: known-item search on the real corpus, Paperboy beside SQLite FTS5 in the same run.

    python bench/known_item.py [--data DIR] [--engine whoosh|tantivy]

Three query sets, drawn with fixed seeds from the corpus papers that have an abstract:
- 100 runs of five consecutive words of an abstract, typed without quotes;
- 100 full titles, pasted as they are (colons, question marks, brackets and all);
- 100 titles with one typo (a letter dropped or changed) in one word of five letters or more.
A query scores when its paper is the first hit (titles with a typo: in the top 3, or named by
the did-you-mean). The peer is FTS5 (porter stemming, bm25 with the title weighted 3), asked for
the words as a phrase first and then with AND, as a careful FTS5 user would. Prints a Markdown
table; asserts nothing (tests/index/test_known_item.py holds the floors).
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # the sibling benchmarks, after everything else
BULK = ROOT.parent / "shared" / "corpus" / "bulk"

from search import fts5_store  # noqa: E402 - the peer, built as the search benchmark builds it

from server.crawl.importer import import_paths  # noqa: E402
from server.index import QueryError, open_index  # noqa: E402
from server.store import Store  # noqa: E402

QUERIES = 100
SEED = 18  # issue 18
PLAIN = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]|[A-Za-z]")  # a word as a user would type it
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
TYPO_WORD = re.compile(r"[A-Za-z]{5,}")


def load(data: Path) -> list:
    """Import the HF bulk and arXiv OAI sets into data/papers.sqlite3 (once); every paper."""
    with Store(data / "papers.sqlite3") as store:
        if not store.count("papers"):
            import_paths(store, [str(d) for d in sorted(BULK.glob("*"))])
        return list(store.iter_papers())


def candidates(papers: list) -> list:
    """The papers a known-item query may name: those with a title and an abstract, id order."""
    return [p for p in papers if p.title.strip() and len(p.abstract.split()) >= 20]


def five_words(papers: list, n: int = QUERIES, seed: int = SEED) -> list[tuple[str, str]]:
    """(query, paper id): five consecutive plain words of an abstract, lowercased as typed."""
    rng, out = random.Random(seed), []
    pool = candidates(papers)
    while len(out) < n:
        paper = rng.choice(pool)
        tokens = paper.abstract.split()
        start = rng.randrange(len(tokens) - 5)
        words = [_plain(t) for t in tokens[start : start + 5]]
        if all(words) and not OPERATORS & set(words):
            out.append((" ".join(words).lower(), paper.id))
    return out


def _plain(token: str) -> str | None:
    """A token without its trailing comma or full stop; None when it is not a plain word."""
    word = token.rstrip(",.;:")
    return word if PLAIN.fullmatch(word) else None


def titles(papers: list, n: int = QUERIES, seed: int = SEED) -> list[tuple[str, str]]:
    """(query, paper id): full titles as pasted, on one line."""
    rng = random.Random(seed + 1)
    return [(" ".join(p.title.split()), p.id) for p in rng.sample(candidates(papers), n)]


def typos(papers: list, n: int = QUERIES, seed: int = SEED) -> list[tuple[str, str]]:
    """(query, paper id): a title with one letter dropped or changed in one longer word."""
    rng, out = random.Random(seed + 2), []
    pool = candidates(papers)
    while len(out) < n:
        paper = rng.choice(pool)
        title = " ".join(paper.title.split())
        spots = list(TYPO_WORD.finditer(title))
        if not spots:
            continue
        word = rng.choice(spots)
        at = rng.randrange(1, len(word[0]))  # the first letter stays, as in most typos
        if rng.random() < 0.5:
            wrong = word[0][:at] + word[0][at + 1 :]
        else:
            letter = rng.choice([c for c in "aeiourstnl" if c != word[0][at].lower()])
            wrong = word[0][:at] + letter + word[0][at + 1 :]
        out.append((title[: word.start()] + wrong + title[word.end() :], paper.id))
    return out


def query_sets(papers: list) -> dict[str, list[tuple[str, str]]]:
    """The three sets, by name."""
    return {"five words": five_words(papers), "title": titles(papers), "typo": typos(papers)}


def paperboy_found(index, kind: str, q: str, paper_id: str) -> bool:
    """Whether Paperboy's index finds the paper: first, or (typos) in the top 3 or the
    did-you-mean's first hit."""
    try:
        result = index.search(q, per_page=3 if kind == "typo" else 1)
    except QueryError:  # a pasted title the query language refuses is a miss
        return False
    ids = [h.id for h in result.hits]
    if kind != "typo":
        return ids[:1] == [paper_id]
    if paper_id in ids:
        return True
    return bool(result.suggestion) and paper_id in [
        h.id for h in index.search(result.suggestion, per_page=3).hits
    ]


def fts5_top(db: sqlite3.Connection, q: str, limit: int) -> list[str]:
    """FTS5's best ids: the words as a phrase first, then all of them (AND)."""
    words = [w for w in re.findall(r"\w+", q)]
    sql = "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 3, 1, 1) LIMIT ?"
    found: list[str] = []
    for match in ('"' + " ".join(words) + '"', " AND ".join(f'"{w}"' for w in words)):
        for (pid,) in db.execute(sql, (match, limit)):
            if pid not in found:
                found.append(pid)
    return found[:limit]


def measure(index, db: sqlite3.Connection | None, sets: dict) -> list[tuple]:
    """Rows of (set, queries, Paperboy found, FTS5 found, Paperboy ms p50)."""
    rows = []
    for kind, items in sets.items():
        ours, peer, took = 0, 0, []
        for q, pid in items:
            start = time.perf_counter()
            ours += paperboy_found(index, kind, q, pid)
            took.append(time.perf_counter() - start)
            if db is not None:
                peer += pid in fts5_top(db, q, 3 if kind == "typo" else 1)
        took.sort()
        peer = peer if db is not None else None
        rows.append((kind, len(items), ours, peer, took[len(took) // 2]))
    return rows


def main() -> None:
    """Load, build, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--engine", choices=["whoosh", "tantivy"], default="whoosh")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="pb-known-"))
    papers = load(data)
    index = open_index(data, args.engine)
    with Store(data / "papers.sqlite3") as store:
        index.ensure(store)
    rows = measure(index, fts5_store(papers, data / "fts5.sqlite3"), query_sets(papers))
    print(f"{len(papers):,} papers, engine {args.engine}\n")
    print("| queries | floor | Paperboy | SQLite FTS5 (phrase, then AND) | Paperboy p50 |")
    print("|---|---:|---:|---:|---:|")
    floors = {"five words": 95, "title": 99, "typo": 99}
    for kind, n, ours, peer, p50 in rows:
        print(f"| {kind} | {floors[kind]} | {ours}/{n} | {peer}/{n} | {p50 * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
