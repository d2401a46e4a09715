"""Bounded queries on both engines: refused wildcards, capped clauses and expansions, budgets.

Each cap is checked on a real index (both engines) built from a real store; the time budget is
checked by running real searches under deadlines short enough to stop them part way.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import need
from test_index import FILLER, PAPERS, add

from server import service
from server.budget import QueryTooBroad, deadline
from server.index import IndexBusy, QueryError, SearchIndex, make_index
from server.index import bounds as index_bounds
from server.models import Appearance, Paper
from server.store import Store

WORDS = 300  # words zq000 ... zq299, one paper each; the last ten are in ten more papers too
POPULAR = [f"zq{n:03d}" for n in range(WORDS - 10, WORDS)]
ZQ = [
    Paper(
        f"2409.1{n:04d}",
        f"Paper number {n}",
        f"An abstract with the word zq{n:03d} in it.",
        ["Jo Bloggs"],
        published="2024-09-01",
        categories=["cs.DL"],
    )
    for n in range(WORDS)
] + [
    Paper(
        f"2409.2{n:04d}",
        f"Popular paper {n}",
        "Holding " + " ".join(POPULAR) + ".",
        ["Jo Bloggs"],
        published="2024-09-02",
        categories=["cs.DL"],
    )
    for n in range(10)
]
SEEN = [Appearance("2408.00003", "hf-daily", "2024-08-12", upvotes=90)]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A real store: the index tests' papers, and 310 papers holding the zq words."""
    with Store(tmp_path_factory.mktemp("bounds") / "papers.sqlite3") as s:
        add(s, PAPERS + FILLER + ZQ, SEEN)
        yield s


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def idx(store: Store, tmp_path_factory, request):
    """A built index over the store, on each engine."""
    if request.param == "tantivy":
        import importlib.util

        need(importlib.util.find_spec("tantivy") is not None, "tantivy is not installed")
    index = make_index(tmp_path_factory.mktemp("ix") / "index", engine=request.param)
    index.rebuild(store)
    yield index
    index.close()


@pytest.mark.parametrize(
    "q", ["*", "?*", "*a*", "?x", "title:*net", "title:*", "author:*", "graph OR *net"]
)
def test_leading_and_bare_wildcards_are_refused(idx: SearchIndex, q: str) -> None:
    with pytest.raises(QueryError) as caught:
        idx.search(q)
    message = str(caught.value)
    assert "every word" in message and "instead" in message, message


@pytest.mark.parametrize("q", ["title:[a to c]", "[a TO b]", "abstract:[zq0 to zq9]"])
def test_ranges_of_words_are_refused(idx: SearchIndex, q: str) -> None:
    with pytest.raises(QueryError, match="every word"):
        idx.search(q)


def test_the_number_of_clauses_is_capped(idx: SearchIndex) -> None:
    words = [f"w{n}" for n in range(index_bounds.MAX_CLAUSES + 1)]
    assert idx.search(" ".join(words[:-1])).total == 0  # at the cap: runs
    with pytest.raises(QueryError, match=f"at most {index_bounds.MAX_CLAUSES} "):
        idx.search(" ".join(words))
    with pytest.raises(QueryError, match=f"at most {index_bounds.MAX_CLAUSES} "):
        idx.search('"a b" OR ' + " OR ".join(words))
    # an id: term names one paper and is not counted (the digest narrows topics that way)
    ids = " OR ".join(f'id:"{p.id}"' for p in ZQ[:250])
    assert idx.search(f"(zq001 OR zq002) AND ({ids})").total == 2


def test_the_number_of_patterns_is_capped(idx: SearchIndex) -> None:
    patterns = [f"zq{n:02d}*" for n in range(index_bounds.MAX_PATTERNS + 1)]
    assert idx.search(" OR ".join(patterns[:-1]), per_page=5).total == 160
    with pytest.raises(QueryError, match=f"at most {index_bounds.MAX_PATTERNS} "):
        idx.search(" OR ".join(patterns))


def test_fuzzy_terms_keep_their_first_letter_and_allow_two_edits(idx: SearchIndex) -> None:
    assert [h.id for h in idx.search("qubts~").hits] == ["1501.00005"]
    assert [h.id for h in idx.search("qbts~2").hits] == ["1501.00005"]
    assert idx.search("aubits~").total == 0  # a wrong first letter is not searched for
    with pytest.raises(QueryError, match="at most 2 edits"):
        idx.search("qubits~3")


def test_an_expansion_keeps_the_most_frequent_words_and_says_so(idx: SearchIndex) -> None:
    kept = index_bounds.EXPAND_MAX
    result = idx.search("zq*")
    # the ten popular words (11 papers each), then the first 246 others in word order
    assert result.total == (kept - 10) + 10 + 10
    assert any(
        "zq*" in note and f"{WORDS:,}" in note and f"{kept:,}" in note for note in result.notes
    ), result.notes
    assert idx.search("zq* AND id:2409.10299").total == 1  # a popular word: kept
    assert idx.search(f"zq* AND id:2409.1{kept - 10:04d}").total == 0  # past the cut
    assert idx.search(f"zq{kept - 10:03d}").total == 1  # the word itself is there


def test_small_expansions_are_exact_and_silent(idx: SearchIndex) -> None:
    for q, expected in [
        ("reinforc*", ["2408.00003"]),
        ("q*nt*m", ["1501.00005"]),
        ("qubts~", ["1501.00005"]),
        ("date:[2024-01-01 to 2024-03-31]", ["2401.00001", "2403.00002"]),
        (
            "zq29*",
            [f"2409.1{n:04d}" for n in range(290, 300)] + [f"2409.2{n:04d}" for n in range(10)],
        ),
    ]:
        result = idx.search(q, per_page=50)
        assert sorted(h.id for h in result.hits) == expected, q
        assert result.notes == [], q


def test_scans_and_ranges_are_capped(idx: SearchIndex, monkeypatch) -> None:
    monkeypatch.setattr(index_bounds, "SCAN_MAX", 100)
    monkeypatch.setattr(index_bounds, "RANGE_MAX", 50)
    with pytest.raises(QueryError, match="more than 100 words"):
        idx.search("zq*")
    assert idx.search("zq0*").total == 100  # 100 words: compared, none left out
    with pytest.raises(QueryError, match="more than 50 values"):
        idx.search("id:[2409.10000 to 2409.10099]")
    assert idx.search("id:[2409.10000 to 2409.10049]").total == 50
    assert idx.search("id:{2409.10000 to 2409.10050}").total == 49


QUERIES = [
    ("zq*", {}),
    ("zq0* OR zq1*", {"sort": "date"}),
    ("graph transformers", {}),
    ('"sparse rewards"', {}),
    ("qubts~", {}),
    ("date:[2024-01-01 to 2024-08-31]", {}),
    ("upvotes:>10", {}),
    ("popular paper", {"cat": "cs.DL", "date_from": "2024-09-01"}),
]


def _answers(idx: SearchIndex) -> list:
    out = []
    for q, options in QUERIES:
        r = idx.search(q, per_page=30, **options)
        out.append((q, [h.id for h in r.hits], r.total, r.facets, r.suggestion, r.notes))
    return out


def test_a_budget_stops_searches_part_way_and_leaves_no_partial_state(idx: SearchIndex) -> None:
    expected = _answers(idx)
    stopped = 0
    for budget in (0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2):
        idx.close()  # cold caches: the budget runs out while they are being filled
        for q, options in QUERIES:
            try:
                with deadline(budget):
                    idx.search(q, per_page=30, **options)
                    idx.highlights(q, {"abstract": "zq001 graph transformers"})
            except QueryTooBroad as exc:
                stopped += 1
                assert str(exc).startswith("query too broad") and "hint:" in str(exc)
        assert _answers(idx) == expected, budget  # nothing half-done was kept
    assert stopped >= len(QUERIES)  # at least every query under a zero budget


def test_similar_keeps_the_budget(idx: SearchIndex, store: Store) -> None:
    paper = store.paper("2312.00004")
    before = idx.similar(paper)
    with pytest.raises(QueryTooBroad), deadline(0.0):
        idx.similar(paper)
    assert idx.similar(paper) == before


def test_state_and_count_do_not_wait_for_a_search(idx: SearchIndex, store: Store) -> None:
    idx.search("graph")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with idx._lock:  # a search in progress holds this
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        started = time.perf_counter()
        state, count = idx.state(store), idx.doc_count()
        took = time.perf_counter() - started
        assert (state, count) == ("ok", len(PAPERS + FILLER + ZQ))
        assert took < 0.1, f"{took * 1000:.0f} ms"
        # a search waiting for the lock spends its budget waiting, then gives up
        started = time.perf_counter()
        with pytest.raises(IndexBusy, match="budget"), deadline(0.2):
            idx.search("graph")
        assert time.perf_counter() - started < 0.2 + 2.0  # 2 s margin for a loaded machine
    finally:
        release.set()
        holder.join()


def test_trending_keeps_the_budget(store: Store) -> None:
    before = service.trending_papers(store, "month", "2024-08-12", 20)
    with pytest.raises(QueryTooBroad), deadline(0.0, store.db):
        service.trending_papers(store, "month", "2024-08-12", 20)
    assert service.trending_papers(store, "month", "2024-08-12", 20) == before


def test_a_runaway_sqlite_query_is_interrupted(tmp_path: Path) -> None:
    with Store(tmp_path / "papers.sqlite3") as s:
        endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
        started = time.perf_counter()
        with pytest.raises(QueryTooBroad), deadline(0.2, s.db):
            s.db.execute(endless + "SELECT count(*) FROM n").fetchone()
        assert time.perf_counter() - started < 0.2 + 2.0  # 2 s margin for a loaded machine
        assert s.count("papers") == 0  # the connection still works, and is not interrupted
        assert s.db.execute(endless + "SELECT x FROM n LIMIT 1 OFFSET 200000").fetchone()[0]
