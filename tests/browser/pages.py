"""The pages the browser tests look at, made from the demo pages, and papers stored through the API.

Routes are served on 127.0.0.1 by the `site` fixture; nothing reaches the internet.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "server" / "demo"

NEW_ID = "2408.90099"
NEW_TITLE = "Verifier Ensembles for Web Agents"
UNSTORED_ID = "2408.90098"  # never added: the token tests try and fail to add it
LISTING_DATE = "2024-07-20"
RELATED_URL = "https://huggingface.co/api/daily_papers?date=2024-07-22"
HOSTILE_URL = "https://huggingface.co/api/daily_papers?date=2024-07-23"
HOSTILE_ID = "2407.97001"
HOSTILE_TITLE = '<script>window.__pwned = "title"</script><img src=x onerror="window.__pwned=1">'
HOSTILE_ABSTRACT = (
    '<img src=x onerror="window.__pwned=2"> <a href="javascript:window.__pwned=3">click</a> '
    "<script>window.__pwned = 4</script> Graph retrieval with hostile markup."
)
HOSTILE_AUTHORS = [
    "<script>window.__pwned=5</script>",
    '<img src=x onerror="window.__pwned=6">',
    "javascript:window.__pwned=7",
    "Mallory Payload",
]


@cache
def _demo(name: str) -> str:
    return (DEMO / name).read_text(encoding="utf-8")


def known_abs() -> str:
    """The demo arXiv abstract page of 2408.90003, which the demo store holds."""
    return _demo("arxiv-abs-2408.90003.html")


def new_abs(paper_id: str = NEW_ID) -> str:
    """An arXiv abstract page of a paper the store does not hold."""
    page = known_abs().replace("2408.90003", paper_id)
    return page.replace("Self-Correcting Agents with Verifier Feedback", NEW_TITLE)


def listing() -> str:
    """A Hugging Face daily page of five papers the store does not hold, on LISTING_DATE."""
    page = _demo("hf-daily-2024-08-02.html").replace("2408.900", "2407.950")
    return page.replace("2024-08-02", LISTING_DATE)


def listing_on(day: str, prefix: str) -> tuple[str, str]:
    """The URL and page of a Hugging Face daily list on `day` of five papers whose ids start with
    `prefix` (e.g. "2408.951"), made from the demo's."""
    page = _demo("hf-daily-2024-08-02.html").replace("2408.900", prefix)
    return f"https://huggingface.co/papers/date/{day}", page.replace("2024-08-02", day)


def plain() -> str:
    """A page with no paper on it."""
    return "<!doctype html><title>Notes</title><p>Nothing to see: no paper here.</p>"


ROUTES = {
    "/abs/2408.90003": known_abs,
    f"/abs/{NEW_ID}": new_abs,
    f"/abs/{UNSTORED_ID}": lambda: new_abs(UNSTORED_ID),
    f"/papers/date/{LISTING_DATE}": listing,
    "/notes": plain,
}


def _item(pid: str, title: str, abstract: str, authors: list[str], rank: int, **paper) -> dict:
    return {
        "paper": {
            "id": pid,
            "authors": [{"name": name} for name in authors],
            "publishedAt": "2024-07-21T10:00:00.000Z",
            "title": title,
            "summary": abstract,
            "upvotes": 30 - rank,
            **paper,
        },
        "publishedAt": "2024-07-22T01:00:00.000Z",
        "title": title,
        "numComments": rank,
    }


def related_papers() -> str:
    """An HF daily_papers response of six papers on one topic, so that similar() has answers."""
    topic = "retrieval augmented generation with dense passage retrieval and reranking"
    titles = [
        "Dense Passage Retrieval for Long Documents",
        "Reranking Passages for Retrieval Augmented Generation",
        "Retrieval Augmented Generation at Scale",
        "Sparse and Dense Retrieval for Question Answering",
        "Passage Reranking with Cross-Encoders",
        "Generation Grounded in Retrieved Passages",
    ]
    items = [
        _item(
            f"2407.960{n:02d}",
            title,
            f"We study {topic}. {title} improves accuracy on open-domain question answering.",
            ["Lena Vogt", "Omar Haddad", "Yuki Sato", "Ines Duarte", "Tomas Novak"][: 2 + n % 4],
            n,
        )
        for n, title in enumerate(titles, start=1)
    ]
    return json.dumps(items)


def hostile_papers() -> str:
    """An HF daily_papers response whose one paper carries script, onerror and javascript: text."""
    item = _item(
        HOSTILE_ID,
        HOSTILE_TITLE,
        HOSTILE_ABSTRACT,
        HOSTILE_AUTHORS,
        1,
        githubRepo="javascript:window.__pwned=8",
        projectPage="javascript:window.__pwned=9",
    )
    return json.dumps([item])
