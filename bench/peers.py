"""The peers Paperboy's search is measured against, on the same documents and queries.

- SQLite FTS5 with bm25 (bench/search.py builds it: porter stemming, title weighted 3).
- A linear scan in the style of arxiv-sanity-lite's search: every paper's lowercased title,
  authors and abstract are scanned for each query word; a word in the authors scores 10, in the
  title 20, and each occurrence in the abstract 1 (at most 3). No index at all: the cost grows
  with the archive, which is what the ratio shows. Texts are lowercased once up front (the
  original lowercases them per query), so the peer is measured at its best.
"""

from __future__ import annotations

import re
import time

FIELDED = re.compile(r"(title|author):(\S+)")


class LinearScan:
    """arxiv-sanity-lite-style search: a scan over every paper's text for every query."""

    def __init__(self, papers: list) -> None:
        self.rows = [
            (p.id, p.title.lower(), " ".join(p.authors).lower(), p.abstract.lower(), p.published)
            for p in papers
        ]

    def search(self, q: str, params: dict, limit: int = 20) -> list[str]:
        """The ids of the best `limit` papers for a query in bench/search.py's syntax."""
        words = [w.lower() for _, w in FIELDED.findall(q)] or q.strip('"').lower().split()
        low, high = params.get("from", ""), params.get("to", "9999")
        found = []
        for pid, title, authors, abstract, published in self.rows:
            if params and not (low <= (published or "") <= high):
                continue
            score = 0.0
            for w in words:
                score += 10.0 * (w in authors) + 20.0 * (w in title)
                score += min(3, abstract.count(w))
            if score > 0:
                found.append((score, pid))
        found.sort(reverse=True)
        return [pid for _, pid in found[:limit]]

    def timings(self, queries: list[tuple[str, dict]]) -> list[float]:
        """Seconds per query."""
        out = []
        for q, params in queries:
            start = time.perf_counter()
            self.search(q, params)
            out.append(time.perf_counter() - start)
        return out
