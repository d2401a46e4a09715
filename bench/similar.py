"""Benchmark: similar papers on the real corpus, Paperboy beside an arxiv-sanity-lite baseline.

    python bench/similar.py [--data DIR] [--queries N]

The corpus is the HF bulk and the arXiv OAI set (36k papers), imported once into DIR. Two
measures, on papers drawn with a fixed seed:
- category: on OAI papers, the share of the top 5 similar papers whose primary arXiv category
  is the paper's own;
- keywords: on HF papers that carry Hugging Face's `ai_keywords`, the mean number of keywords a
  top-5 similar paper shares with the paper (a similar paper without keywords shares none).
The baseline is arxiv-sanity-lite's: sklearn's TfidfVectorizer settings (words and bigrams of
`[a-zA-Z_][a-zA-Z0-9_]+`, English stop words, min_df 5, max_df 0.1, 20,000 features, sublinear
tf, l2) over title and abstract, and the exact cosine to every paper. Prints a Markdown table;
asserts nothing (tests/index/test_similar_corpus.py holds the floors).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # the sibling benchmarks, after everything else
HF_BULK = ROOT.parent / "shared" / "corpus" / "bulk" / "hf-daily-papers-api_2404589803"

from known_item import load  # noqa: E402 - the same 36k store as the known-item benchmark

from server.index import similar  # noqa: E402

QUERIES = 500
SEED = 18  # issue 18
TOP = 5
TOKEN = re.compile(r"\b[a-zA-Z_][a-zA-Z0-9_]+\b")


def ai_keywords(folder: Path = HF_BULK) -> dict[str, set[str]]:
    """arXiv id -> Hugging Face's ai_keywords (lowercased), read from the bulk API files."""
    out: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.json")):
        items = json.loads(path.read_text(encoding="utf-8"))
        items = items.get("data", []) if isinstance(items, dict) else items
        for item in items:
            paper = item.get("paper") if isinstance(item, dict) else None
            if isinstance(paper, dict) and paper.get("ai_keywords"):
                out[paper["id"]] = {k.strip().lower() for k in paper["ai_keywords"] if k.strip()}
    return out


class Baseline:
    """arxiv-sanity-lite's tf-idf vectors (sklearn settings, written out) and exact cosine."""

    def __init__(self, papers: list, min_df: int = 5, max_df: float = 0.1, features: int = 20_000):
        docs = [self.terms(f"{p.title} {p.abstract}") for p in papers]
        df: Counter[str] = Counter()
        tf: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
            tf.update(d)
        n = len(docs)
        kept = [t for t, c in df.items() if min_df <= c <= max_df * n]
        kept = sorted(kept, key=lambda t: (-tf[t], t))[:features]
        idf = {t: math.log((1 + n) / (1 + df[t])) + 1 for t in kept}
        self.ids = [p.id for p in papers]
        self.vectors: list[dict[str, float]] = []
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, d in enumerate(docs):
            v = {t: (1 + math.log(c)) * idf[t] for t, c in d.items() if t in idf}
            norm = math.sqrt(sum(w * w for w in v.values())) or 1.0
            v = {t: w / norm for t, w in v.items()}
            self.vectors.append(v)
            for t, w in v.items():
                self.postings[t].append((i, w))
        self.row = {pid: i for i, pid in enumerate(self.ids)}

    @staticmethod
    def terms(text: str) -> Counter[str]:
        words = [w for w in TOKEN.findall(text.lower()) if w not in similar.ENGLISH]
        return Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)])

    def top(self, paper_id: str, k: int = TOP) -> list[str]:
        i = self.row[paper_id]
        scores: Counter[int] = Counter()
        for t, w in self.vectors[i].items():
            for j, x in self.postings[t]:
                scores[j] += w * x
        scores.pop(i, None)
        best = sorted(scores.items(), key=lambda jw: (-jw[1], self.ids[jw[0]]))[:k]
        return [self.ids[j] for j, _ in best]


def query_papers(papers: list, keywords: dict[str, set[str]], n: int, seed: int = SEED):
    """(OAI papers with a category, HF papers with ai_keywords), n of each, fixed seed."""
    enough = [p for p in papers if len(p.abstract.split()) >= 20]
    oai = sorted((p for p in enough if p.categories), key=lambda p: p.id)
    hf = sorted((p for p in enough if p.id in keywords), key=lambda p: p.id)
    rng = random.Random(seed)
    return rng.sample(oai, min(n, len(oai))), rng.sample(hf, min(n, len(hf)))


def scores(top, cats: list, hf: list, by_id: dict, keywords: dict) -> tuple[float, float, float]:
    """(category share, keyword overlap, ms per query) of a top-5 function."""
    started, same, shown = time.perf_counter(), 0, 0
    for p in cats:
        for other in top(p):
            shown += 1
            same += by_id[other].categories[:1] == p.categories[:1]
    overlap, count = 0, 0
    for p in hf:
        for other in top(p):
            count += 1
            overlap += len(keywords[p.id] & keywords.get(other, set()))
    ms = (time.perf_counter() - started) * 1000 / max(1, len(cats) + len(hf))
    return same / max(1, shown), overlap / max(1, count), ms


def measure(store_texts, papers: list, n: int, work: Path) -> list[tuple[str, float, float, float]]:
    """Rows of (method, category share, keyword overlap, ms per query)."""
    keywords = ai_keywords()
    cats, hf = query_papers(papers, keywords, n)
    by_id = {p.id: p for p in papers}
    path = work / similar.FILE
    started = time.perf_counter()
    similar.write(path, store_texts)
    built = time.perf_counter() - started
    print(f"similarity file: {len(papers)} papers in {built:.1f}s", file=sys.stderr)

    def ours(p):
        return [s.id for s in similar.similar(path, p, TOP)]

    started = time.perf_counter()
    base = Baseline(papers)
    print(f"baseline vectors: {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return [
        ("Paperboy", *scores(ours, cats, hf, by_id, keywords)),
        (
            "tf-idf baseline (arxiv-sanity-lite)",
            *scores(lambda p: base.top(p.id), cats, hf, by_id, keywords),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder for the corpus store (kept)")
    parser.add_argument("--queries", type=int, default=QUERIES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        from server.store import Store

        papers = load(data)
        with Store(data / "papers.sqlite3") as store:
            rows = measure(store.paper_texts, papers, args.queries, Path(tmp))
    print(f"{len(papers):,} papers; {args.queries} OAI and {args.queries} HF papers asked\n")
    print(
        "| method | top 5 sharing the primary category | ai_keywords shared per top-5 paper", end=""
    )
    print(" | ms per query |")
    print("|---|--:|--:|--:|")
    for name, cat, kw, ms in rows:
        print(f"| {name} | {cat:.3f} | {kw:.3f} | {ms:.1f} |")


if __name__ == "__main__":
    main()
