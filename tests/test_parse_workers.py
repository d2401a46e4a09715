"""Parse workers: real worker processes that a hostile page can stop or starve, never the server."""

from __future__ import annotations

import json

import pytest

from server import parse_workers
from server.parse_workers import ParseWorkers, WorkersBusy
from server.sources.budget import BudgetExceeded
from server.sources.common import ParseError

GOOD = json.dumps([{"paper": {"id": "2412.00001", "title": "A good paper", "authors": []}}])
SOUP = '<html><head><meta name="citation_title" content="Soup"></head><body>' + "<b>" * 3_000_000


@pytest.fixture
def workers():
    pool = ParseWorkers(slots=1, wait=0.2)
    yield pool
    pool.close()


def test_a_page_is_parsed_in_another_process(workers):
    listing = workers.parse(GOOD, "https://huggingface.co/api/daily_papers?date=2024-12-11")
    assert [p.id for p in listing.papers] == ["2412.00001"]
    (pid,) = workers.pids()
    assert pid != __import__("os").getpid()


def test_a_page_no_parser_reads_is_a_parse_error(workers):
    with pytest.raises(ParseError, match="not a page kind"):
        workers.parse("just words, no papers", None)
    assert workers.parse(GOOD, None).papers  # the worker goes on


def test_a_silent_worker_is_killed_and_replaced(workers):
    workers.seconds = -parse_workers.GRACE + 0.05  # answer within 0.05 s or be killed
    with pytest.raises(BudgetExceeded, match="https://x.test/soup: parsing stopped after"):
        workers.parse(SOUP, "https://x.test/soup")
    assert workers.pids() == []  # killed, not kept
    workers.seconds = 10.0
    assert workers.parse(GOOD, None).papers  # a new worker takes the next page


def test_a_worker_out_of_memory_is_a_budget_error_and_is_replaced(workers, monkeypatch):
    monkeypatch.setattr(parse_workers, "WORKER_MEMORY_MB", 40)  # below the page budget's 128
    with pytest.raises(BudgetExceeded, match="memory"):
        workers.parse(SOUP, "https://x.test/soup")
    monkeypatch.setattr(parse_workers, "WORKER_MEMORY_MB", 1024)
    assert workers.parse(GOOD, None).papers


def test_a_page_that_finds_no_free_worker_is_refused(workers):
    held = workers._idle.get()  # the one worker, taken as a long parse would take it
    try:
        with pytest.raises(WorkersBusy, match="busy parsing 1 other pages"):
            workers.parse(GOOD, None)
    finally:
        workers._idle.put(held)
