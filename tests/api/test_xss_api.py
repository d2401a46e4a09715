"""The API carries hostile titles, abstracts, authors and submitters as exact JSON strings.

Exact once stored: the store drops control and direction characters (tests/sources/
test_control_chars.py), so a payload arrives as `sanitize.text` leaves it, the rest byte for byte.
"""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import quote

import pytest
from helpers import serving
from xss_payloads import load

from server import sanitize
from server.models import Appearance, Listing, Paper
from server.store import Store

DAY = "2024-09-02"
PAYLOADS = load()
STORED = [sanitize.text(text) for text in PAYLOADS]
AUTHORS = [sanitize.names([text, "Plain Author"]) for text in PAYLOADS]  # names are also trimmed


def paper_id(n: int) -> str:
    """The arXiv id of the n-th hostile paper."""
    return f"2409.{98001 + n}"


def hostile_listing() -> Listing:
    """One HF day whose every paper carries one payload in every text field."""
    papers = [
        Paper(
            paper_id(n),
            title=text,
            abstract=text,
            authors=[text, "Plain Author"],
            published="2024-09-01",
            categories=["cs.CR"],
        )
        for n, text in enumerate(PAYLOADS)
    ]
    apps = [
        Appearance(paper_id(n), "hf-daily", DAY, rank=n + 1, upvotes=500 - n, submitter=text)
        for n, text in enumerate(PAYLOADS)
    ]
    return Listing(
        kind="hf-api",
        url="https://huggingface.co/papers",
        date=DAY,
        papers=papers,
        appearances=apps,
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A real `paperboy serve` over a store holding only the hostile papers."""
    data = tmp_path_factory.mktemp("data")
    with Store(data / "papers.sqlite3") as store:
        store.ingest(hostile_listing())
    with serving(data, site_dir=str(data / "no-site")) as url:
        yield url


def get(url: str) -> dict:
    """GET an API route; checks it is JSON, never sniffed as HTML, and returns its data."""
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        body = json.loads(response.read().decode("utf-8"))
    assert body["ok"] is True
    return body["data"]


def test_paper_detail_returns_every_field_byte_for_byte(base):
    for n, text in enumerate(STORED):
        data = get(f"{base}/api/papers/{paper_id(n)}")
        assert data["title"] == text and data["abstract"] == text, n
        assert data["authors"] == AUTHORS[n], n
        assert [a["submitter"] for a in data["appearances"]] == [text], n


def test_search_hits_carry_the_payloads_as_text(base):
    for n, text in enumerate(STORED):
        data = get(f"{base}/api/search?q={quote('id:' + paper_id(n))}")
        [hit] = data["hits"]
        assert hit["title"] == text and hit["authors"] == AUTHORS[n], n
        assert hit["snippet"]["text"].strip(" .…") in text or not hit["snippet"]["text"], n


def test_search_for_the_markup_itself_is_safe(base):
    for query in ("script", "onerror", "javascript", "img src x"):
        data = get(f"{base}/api/search?q={quote(query)}&per_page=100")
        assert data["total"] > 0, query
        for hit in data["hits"]:
            for start, end in hit["title_spans"]:
                assert 0 <= start < end <= len(hit["title"]), (query, hit["id"])


def test_trending_lists_them_unchanged(base):
    data = get(f"{base}/api/trending?period=day&date={DAY}&limit=100")
    titles = {p["id"]: p["title"] for p in data["papers"]}
    assert titles == {paper_id(n): text for n, text in enumerate(STORED)}
