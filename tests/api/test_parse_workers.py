"""Parse workers: real worker processes that read and parse request bodies; a hostile page can
stop or starve a worker, never the server."""

from __future__ import annotations

import json
import os

import pytest

from server.api import parse_workers
from server.api.parse_workers import BadBody, ParseWorkers, WorkersBusy
from server.sources.budget import BudgetExceeded
from server.sources.errors import ParseError

HF = "https://huggingface.co/api/daily_papers?date=2024-12-11"
ITEMS = json.dumps([{"paper": {"id": "2412.00001", "title": "A good paper", "authors": []}}])
SOUP = '<html><head><meta name="citation_title" content="Soup"></head><body>' + "<b>" * 3_000_000


def body(html: str, url: str | None = HF) -> bytes:
    return json.dumps({"url": url, "html": html}).encode()


@pytest.fixture
def workers():
    pool = ParseWorkers(slots=1, wait=0.2)
    yield pool
    pool.close()


def test_a_page_is_read_and_parsed_in_another_process(workers):
    page = workers.parse(body(ITEMS), keep_raw=True)
    assert page.url == HF and [p.id for p in page.listing.papers] == ["2412.00001"]
    assert page.raw == ITEMS.encode()
    assert workers.parse(body(ITEMS)).raw is None  # kept only when asked for
    (pid,) = workers.pids()
    assert pid != os.getpid()


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (b"not json", "not JSON"),
        (b'{"url": "x"}', "html string"),
        (b"[" * 100_000, "nested deeper"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_body_that_is_not_a_page_is_refused_by_name(workers, sent, reason):
    with pytest.raises(BadBody, match=reason):
        workers.parse(sent)
    assert workers.parse(body(ITEMS)).listing.papers  # the worker goes on


def test_a_page_no_parser_reads_is_a_parse_error_naming_it(workers):
    with pytest.raises(ParseError, match="https://x.test/words: not a page kind"):
        workers.parse(body("just words, no papers", "https://x.test/words"))


def test_a_silent_worker_is_killed_and_replaced(workers):
    workers.seconds = -parse_workers.GRACE + 0.05  # answer within 0.05 s or be killed
    with pytest.raises(BudgetExceeded, match="parsing stopped after"):
        workers.parse(body(SOUP, "https://x.test/soup"))
    assert workers.pids() == []  # killed, not kept
    workers.seconds = 10.0
    assert workers.parse(body(ITEMS)).listing.papers  # a new worker takes the next page


def test_a_worker_out_of_memory_is_a_budget_error_and_is_replaced(workers, monkeypatch):
    monkeypatch.setattr(parse_workers, "WORKER_MEMORY_MB", 40)  # below the page budget's 128
    with pytest.raises(BudgetExceeded, match="memory"):
        workers.parse(body(SOUP, "https://x.test/soup"))
    monkeypatch.setattr(parse_workers, "WORKER_MEMORY_MB", 1024)
    assert workers.parse(body(ITEMS)).listing.papers


def test_a_page_that_finds_no_free_worker_is_refused(workers):
    held = workers._idle.get()  # the one worker, taken as a long parse would take it
    try:
        with pytest.raises(WorkersBusy, match="busy parsing 1 other pages"):
            workers.parse(body(ITEMS))
    finally:
        workers._idle.put(held)
