"""Similar papers for the archive pages, by the key terms two papers share.

The search index's more-like-this costs ~130 ms a paper (measured on 36k papers), which would
take over an hour for the whole archive. The site uses this lighter method instead: each paper's
key terms are its KEY_TERMS words of highest tf-idf in title + abstract, and two papers are as
similar as the summed weights of the key terms they share. It is computed once per build from
all papers, and cached in the build state so an incremental build only scores changed papers.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from server.models import Paper

KEY_TERMS = 12
MIN_SHARED = 2
_WORD = re.compile(r"[a-z][a-z0-9]+(?:-[a-z0-9]+)*")
_STOP = frozenset(
    """about above across after again against all also among an and any are as at based be been
    being between both but by can could do does done due each either et for from further given
    had has have having here how however if in into is it its itself large less many may more
    most much must new not novel of on one only or other our out over paper per present
    propose proposed provide results several show shows significantly such than that the their
    them then there these they this those through thus to two under up upon use used uses using
    various very via was we well were what when where whether which while who whose why will
    with within without work would yet approach method methods model models study task tasks
    data performance existing across first second both state art""".split()
)


def words(paper: Paper) -> Counter[str]:
    """Term counts of a paper's title (counted twice) and abstract."""
    title = _WORD.findall(paper.title.lower())
    found = title * 2 + _WORD.findall(paper.abstract.lower())
    return Counter(w for w in found if w not in _STOP and len(w) > 2)


def key_terms(counts: Counter[str], df: dict[str, int], n: int) -> list[tuple[str, float]]:
    """The top terms by tf-idf, weights normalised to unit length, ties broken by term."""
    scored = [
        (t, (1 + math.log(c)) * math.log((n + 1) / (df.get(t, 0) + 1))) for t, c in counts.items()
    ]
    top = sorted(scored, key=lambda tw: (-tw[1], tw[0]))[:KEY_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return [(t, round(w / norm, 6)) for t, w in top if w > 0]


class Similarity:
    """Key terms of every paper and an inverted index over them (parsed lazily from a cache)."""

    def __init__(self, df: dict[str, int], n: int, keys: dict[str, list[tuple[str, float]]]):
        self.df, self.n, self.keys = df, n, keys
        self._raw: dict[str, str] = {}  # cached postings, parsed on first use
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for pid in sorted(keys):
            for term, weight in keys[pid]:
                self.postings[term].append((pid, weight))

    @classmethod
    def from_papers(cls, papers: Iterable[Paper]) -> Similarity:
        """Compute document frequencies and key terms for all papers."""
        counts = {p.id: words(p) for p in papers}
        df: Counter[str] = Counter()
        for c in counts.values():
            df.update(c.keys())
        keys = {pid: key_terms(c, df, len(counts)) for pid, c in counts.items()}
        return cls(dict(df), len(counts), keys)

    def _posting(self, term: str) -> list[tuple[str, float]]:
        if term in self._raw:
            pairs = (item.rsplit(" ", 1) for item in self._raw.pop(term).split("\t"))
            self.postings[term] = [(pid, float(w)) for pid, w in pairs]
        return self.postings.get(term, [])

    def _terms(self, paper_id: str) -> list[tuple[str, float]]:
        found = self.keys.get(paper_id, [])
        if isinstance(found, str):  # cached form: "term weight" pairs, tab-separated
            found = [(t, float(w)) for t, w in (i.split(" ") for i in found.split("\t") if i)]
            self.keys[paper_id] = found
        return found

    def update(self, paper: Paper) -> None:
        """Recompute one paper's key terms (document frequencies stay those of the full build)."""
        self.remove(paper.id)
        self.keys[paper.id] = key_terms(words(paper), self.df, self.n)
        for term, weight in self.keys[paper.id]:
            self._posting(term)
            self.postings[term].append((paper.id, weight))

    def remove(self, paper_id: str) -> None:
        """Forget a paper (merged away or gone)."""
        for term, _ in self._terms(paper_id):
            self.postings[term] = [pw for pw in self._posting(term) if pw[0] != paper_id]
        self.keys.pop(paper_id, None)

    def similar(self, paper_id: str, limit: int = 5) -> list[tuple[str, float, list[str]]]:
        """(id, score, shared terms) of the papers sharing the most key-term weight."""
        scores: dict[str, float] = defaultdict(float)
        shared: dict[str, list[str]] = defaultdict(list)
        for term, weight in self._terms(paper_id):
            postings = self._posting(term)
            if len(postings) > self.n // 400 + 30:  # a term this common says little
                continue
            for other, w in postings:
                if other != paper_id:
                    scores[other] += weight * w
                    shared[other].append(term)
        ranked = sorted(
            (pid for pid in scores if len(shared[pid]) >= MIN_SHARED),
            key=lambda pid: (-scores[pid], pid),
        )
        return [(pid, round(scores[pid], 4), shared[pid]) for pid in ranked[:limit]]

    def state(self) -> dict[str, object]:
        """A compact copy to cache between builds (strings load fast; parsed when used)."""
        postings = dict(self._raw)
        for term, items in self.postings.items():
            if items:
                postings[term] = "\t".join(f"{pid} {w}" for pid, w in items)
        keys = {
            pid: v if isinstance(v, str) else "\t".join(f"{t} {w}" for t, w in v)
            for pid, v in self.keys.items()
        }
        return {"df": self.df, "n": self.n, "keys": keys, "postings": postings}

    @classmethod
    def from_state(cls, state: dict) -> Similarity:
        """Rebuild from a cached state without parsing it."""
        self = cls(state["df"], state["n"], {})
        self.keys, self._raw = dict(state["keys"]), dict(state["postings"])
        return self
