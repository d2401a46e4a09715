"""Benchmark: papers picked for you, offline on the real corpus, beside two peers.

    python bench/recommend.py [--data DIR] [--readers N]

Simulated readers on the 36k corpus (HF bulk + arXiv OAI), drawn with a fixed seed:
- OAI readers follow an arXiv category: each saves 5 papers of that primary category published
  in the year before a day T; the candidates are every paper published in the 60 days from T;
  a pick is right when its primary category is the reader's.
- HF readers follow one of Hugging Face's `ai_keywords`: each saves 5 papers carrying it from
  the year before T; the candidates are the papers published in the 30 days from T; a pick is
  right when it carries the keyword.
Each method ranks the candidates; the figure is precision at 10, averaged over the readers:
Paperboy's classifier (server/index/recommend.py), "most upvoted in the window" (the best
upvotes a paper had on Hugging Face's lists; OAI papers have none, so ties fall to the id), and
a plain tf-idf cosine to the mean of the saved papers. Prints a Markdown table; asserts nothing
(tests/index/test_known_item.py holds the floors).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # the sibling benchmarks, after everything else

from known_item import load  # noqa: E402 - the same 36k store as the known-item benchmark
from similar import ai_keywords  # noqa: E402

from server.index import recommend, similar  # noqa: E402
from server.store import Store  # noqa: E402

READERS = 20  # of each kind
SAVED = 5
SEED = 19  # issue 19
K = 10


def _day(p) -> date | None:
    try:
        return date.fromisoformat((p.published or "")[:10])
    except ValueError:
        return None


def readers(papers: list, keywords: dict, n: int, seed: int = SEED) -> list[dict]:
    """Simulated readers: (kind, topic, saved papers, candidates, the right candidates)."""
    rng = random.Random(seed)
    dated = sorted(((d, p) for p in papers if (d := _day(p)) and p.abstract), key=lambda dp: dp[0])
    out = []
    kinds = (
        ("category", lambda p: p.categories[:1], 60, [p for _, p in dated if p.categories]),
        (
            "keyword",
            lambda p: sorted(keywords.get(p.id, ())),
            30,
            [p for _, p in dated if p.id in keywords],
        ),
    )
    for kind, topics_of, window, pool in kinds:
        common = Counter(t for p in pool for t in topics_of(p))
        topics = sorted(t for t, c in common.items() if c >= 60)
        made, tries = 0, 0
        while made < n and tries < n * 50:
            tries += 1
            topic = rng.choice(topics)
            start = _day(rng.choice(pool[len(pool) // 4 :]))
            end = start + timedelta(days=window)
            before = [p for p in pool if start - timedelta(days=365) <= _day(p) < start]
            mine = [p for p in before if topic in topics_of(p)]
            candidates = [p for p in pool if start <= _day(p) < end]
            right = {p.id for p in candidates if topic in topics_of(p)}
            if len(mine) < SAVED or len(right) < K or len(candidates) < 5 * K:
                continue
            saved = rng.sample(mine, SAVED)
            out.append(
                {
                    "kind": kind,
                    "topic": topic,
                    "saved": saved,
                    "candidates": candidates,
                    "right": right,
                }
            )
            made += 1
    return out


def upvotes(store: Store) -> dict[str, int]:
    """The best upvotes each paper had on any list."""
    rows = store.db.execute(
        "SELECT paper_id, max(coalesce(upvotes, 0)) FROM appearances GROUP BY paper_id"
    )
    return dict(rows)


def precision(ranked: list[str], right: set[str]) -> float:
    return sum(pid in right for pid in ranked[:K]) / K


def measure(path: Path, group: list[dict], votes: dict[str, int]) -> dict[str, tuple[float, float]]:
    """method -> (mean precision at 10, seconds per reader)."""
    out = {}
    methods = {
        "Paperboy (linear classifier)": lambda r: [
            p.id for p in recommend.recommend(path, r["saved"], r["candidates"], K)
        ],
        "most upvoted in the window": lambda r: [
            p.id for p in sorted(r["candidates"], key=lambda p: (-votes.get(p.id, 0), p.id))
        ],
        "tf-idf cosine to the saved papers": lambda r: recommend.cosine_rank(
            path, r["saved"], r["candidates"]
        ),
    }
    for name, rank in methods.items():
        started = time.perf_counter()
        scores = [precision(rank(r), r["right"]) for r in group]
        out[name] = (sum(scores) / len(scores), (time.perf_counter() - started) / len(group))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder for the corpus store (kept)")
    parser.add_argument("--readers", type=int, default=READERS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        papers = load(data)
        path = Path(tmp) / similar.FILE
        with Store(data / "papers.sqlite3") as store:
            similar.write(path, store.paper_texts)
            votes = upvotes(store)
        everyone = readers(papers, ai_keywords(), args.readers)
        rows = {}
        for kind in ("category", "keyword"):
            group = [r for r in everyone if r["kind"] == kind]
            rows[kind] = (len(group), measure(path, group, votes))
    print(
        "| method | OAI readers by category, P@10 | HF readers by ai_keyword, P@10 | s per reader |"
    )
    print("|---|--:|--:|--:|")
    for name in rows["category"][1]:
        (cat, s1), (kw, s2) = rows["category"][1][name], rows["keyword"][1][name]
        print(f"| {name} | {cat:.3f} | {kw:.3f} | {(s1 + s2) / 2:.2f} |")
    cats, kws = rows["category"][0], rows["keyword"][0]
    print(f"\n{cats} OAI readers, {kws} HF readers, {SAVED} saved papers each")


if __name__ == "__main__":
    main()
