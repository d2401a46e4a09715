"""The search index: query language, highlights, facets, similar papers, repair, concurrency."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from server.index import QueryError, SearchIndex, make_index, whoosh_engine
from server.index import schema as index_schema
from server.index.files import IndexBusy
from server.models import Appearance, Listing, Paper, title_id
from server.store import Store

ROOT = Path(__file__).resolve().parents[2]

PAPERS = [
    Paper(
        "2401.00001",
        "Attention Is All You Need for Graphs",
        "We apply transformers to graph neural networks and study message passing.",
        ["Geoffrey Hinton", "Ada Lovelace"],
        published="2024-01-15",
        categories=["cs.LG", "stat.ML"],
    ),
    Paper(
        "2403.00002",
        "Diffusion Models for Résumé Generation",
        "A diffusion model writes résumés; we relate it to the Schrödinger bridge problem.",
        ["José Núñez"],
        published="2024-03-02",
        categories=["cs.CL"],
    ),
    Paper(
        "2408.00003",
        "Reinforcement Learning with Sparse Rewards",
        "Agents learn from sparse rewards by curiosity-driven exploration.",
        ["Richard Sutton"],
        published="2024-08-10",
        categories=["cs.AI", "cs.LG"],
    ),
    Paper(
        "2312.00004",
        "Graph Transformers at Scale",
        "Scaling graph transformers with sparse attention over message passing neighbourhoods.",
        ["Yann LeCun"],
        published="2023-12-20",
        categories=["cs.LG"],
    ),
    Paper(
        "1501.00005",
        "Quantum Error Correction Codes",
        "Stabilizer codes protect qubits against decoherence.",
        ["Peter Shor"],
        published="2015-01-05",
        categories=["quant-ph"],
    ),
]
# Enough papers about diffusion for "difusion" to be corrected to it.
FILLER = [
    Paper(
        f"2405.1000{i}",
        f"Note {i} on heat",
        f"Diffusion of heat in medium number {i}.",
        [f"Author{i} Smith"],
        published="2024-05-0" + str(i + 1),
        categories=["physics.gen-ph"],
    )
    for i in range(6)
]
UPVOTES = {"2401.00001": ("2024-08-01", 10), "2408.00003": ("2024-08-12", 90)}
UPVOTES["2312.00004"] = ("2024-08-12", 30)


def add(store: Store, papers: list[Paper], appearances=()) -> None:
    """Ingest papers (and appearances) as one listing."""
    store.ingest(Listing("text", papers=list(papers), appearances=list(appearances)))


@pytest.fixture
def store(tmp_path: Path):
    """A real store holding the test papers, with some upvoted list appearances."""
    with Store(tmp_path / "papers.sqlite3") as s:
        seen = [Appearance(pid, "hf-daily", day, upvotes=n) for pid, (day, n) in UPVOTES.items()]
        add(s, PAPERS + FILLER, seen)
        yield s


@pytest.fixture
def idx(tmp_path: Path, store: Store, engine: str):
    """A built index over the store, on each engine."""
    index = make_index(tmp_path / "index", engine=engine)
    index.rebuild(store)
    yield index
    index.close()


def ids(idx: SearchIndex, q: str, **kw) -> list[str]:
    return [hit.id for hit in idx.search(q, **kw).hits]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("graph hinton", ["2401.00001"]),  # all words, across title and authors
        ("title:quantum", ["1501.00005"]),
        ("abstract:qubits", ["1501.00005"]),
        ("author:hinton", ["2401.00001"]),
        ('author:"Geoffrey Hinton"', ["2401.00001"]),
        ('author:"Hinton Ada"', []),  # a phrase never spans two authors
        ("cat:cs.LG", ["2312.00004", "2401.00001", "2408.00003"]),
        ("cat:CS.lg", ["2312.00004", "2401.00001", "2408.00003"]),
        ("id:2408.00003", ["2408.00003"]),
        ("date:[2024-01-01 to 2024-03-31]", ["2401.00001", "2403.00002"]),
        ('"sparse rewards"', ["2408.00003"]),
        ("sparse AND transformers", ["2312.00004"]),
        ("qubits OR curiosity", ["1501.00005", "2408.00003"]),
        ("sparse NOT attention", ["2408.00003"]),
        ("reinforc*", ["2408.00003"]),
        ("qubts~", ["1501.00005"]),  # fuzzy, one edit
        ("schrodinger resume", ["2403.00002"]),  # accents folded
        ("author:nunez", ["2403.00002"]),
        ("rewarding networks", []),
        ("network", ["2401.00001"]),  # stemmed: networks
        ("qu?ntum", ["1501.00005"]),  # wildcard
        ("q*nt*m", ["1501.00005"]),
        ("title:sp*s", ["2408.00003"]),
        ("sparse ANDNOT attention", ["2408.00003"]),
        ("title:graph ANDMAYBE sparse", ["2312.00004", "2401.00001"]),
        ("upvotes:>10", ["2312.00004", "2408.00003"]),
        ("upvotes:10", ["2401.00001"]),
        ("date:>2024-08", ["2408.00003"]),  # dates compare as text, as written
        ("date:[2024-05-06 TO]", ["2405.10005", "2408.00003"]),
        ('"graph transformers"^2 OR qubits', ["1501.00005", "2312.00004"]),
    ],
)
def test_query_forms(idx: SearchIndex, q: str, expected: list[str]) -> None:
    assert sorted(ids(idx, q)) == expected


@pytest.mark.parametrize(
    "q", ["title:(", '"unclosed', "(graph", "graph)", "foo:bar", "title:", "graph AND", "OR graph"]
)
def test_bad_queries_raise(idx: SearchIndex, q: str) -> None:
    with pytest.raises(QueryError):
        idx.search(q)


def test_bad_sort_and_page_raise(idx: SearchIndex) -> None:
    with pytest.raises(QueryError):
        idx.search("graph", sort="random")
    with pytest.raises(QueryError):
        idx.search("graph", page=0)


def test_empty_query_lists_everything_and_sorts(idx: SearchIndex) -> None:
    everything = idx.search("", per_page=100)
    assert everything.total == len(PAPERS) + len(FILLER)
    assert ids(idx, "", sort="date", per_page=2) == ["2408.00003", "2405.10005"]
    assert ids(idx, "", sort="upvotes", per_page=3) == ["2408.00003", "2312.00004", "2401.00001"]
    assert ids(idx, "", sort="trending", per_page=3) == ["2408.00003", "2312.00004", "2401.00001"]


def test_filters_and_pages(idx: SearchIndex) -> None:
    assert ids(idx, "", cat="CS.LG", date_from="2024-01-01") == ["2408.00003", "2401.00001"][::-1]
    assert sorted(ids(idx, "diffusion", date_to="2024-04-30")) == ["2403.00002"]
    page2 = idx.search("heat", page=2, per_page=4)
    assert (page2.total, len(page2.hits), page2.page) == (6, 2, 2)


def test_facets_count_all_hits(idx: SearchIndex) -> None:
    facets = idx.search("transformers").facets
    assert facets["month"] == {"2023-12": 1, "2024-01": 1}
    assert facets["category"] == {"cs.LG": 2, "stat.ML": 1}


def test_plain_words_rank_an_exact_phrase_first(idx: SearchIndex) -> None:
    assert ids(idx, "message passing graph")[0] in {"2401.00001", "2312.00004"}
    assert ids(idx, "graph transformers")[0] == "2312.00004"


def test_did_you_mean(idx: SearchIndex) -> None:
    assert idx.search("difusion").suggestion == "diffusion"
    assert idx.search("heat difusion").suggestion == "heat diffusion"
    assert idx.search("diffusion").suggestion is None


def test_did_you_mean_counts_papers_in_every_segment(tmp_path: Path, engine: str) -> None:
    """A word's papers are summed over the index's segments: "diffusion" is in four papers of
    the first build and three of a later sync, each under the five a suggestion needs."""
    with Store(tmp_path / "papers.sqlite3") as store:
        add(store, PAPERS + FILLER[:3])
        index = make_index(tmp_path / "index", engine=engine)
        index.rebuild(store)
        assert index.search("difusion").suggestion is None
        add(store, FILLER[3:])
        assert index.sync(store) == 3
        assert index.search("difusion").suggestion == "diffusion"
        index.close()


def test_highlights_give_spans_of_stemmed_folded_matches(idx: SearchIndex) -> None:
    title = "Graph Transformers at Scale"
    abstract = "A Schrödinger graph; graphs and graphing."
    found = idx.highlights("graph schrodinger NOT scale", {"title": title, "abstract": abstract})
    assert [title[a:b] for a, b in found["title"]] == ["Graph"]
    assert [abstract[a:b] for a, b in found["abstract"]] == [
        "Schrödinger",
        "graph",
        "graphs",
        "graphing",
    ]
    assert idx.highlights("author:hinton", {"authors": "Geoffrey Hinton"}) == {"authors": [(9, 15)]}
    assert idx.highlights("reinforc*", {"title": "Reinforcement"})["title"] == [(0, 13)]


def test_similar_shares_key_terms(idx: SearchIndex, store: Store) -> None:
    found = idx.similar(store.paper("2312.00004"))
    assert found[0].id == "2401.00001"
    assert {"graph", "transformers"} <= set(found[0].terms)
    assert "2312.00004" not in [s.id for s in found]
    skipped = idx.similar(store.paper("2312.00004"), exclude={"2401.00001"})
    assert "2401.00001" not in [s.id for s in skipped]


def test_missing_index_is_detected_and_built(tmp_path: Path, store: Store, engine: str) -> None:
    index = make_index(tmp_path / "fresh", engine=engine)
    assert index.state(store) == "missing"
    assert not (tmp_path / "fresh").exists()  # nothing created until needed
    assert "missing" in index.ensure(store)
    assert index.state(store) == "ok"
    assert index.doc_count() == store.count("papers")
    index.close()


def test_an_empty_store_gives_an_empty_working_index(tmp_path: Path, engine: str) -> None:
    with Store(tmp_path / "empty.sqlite3") as empty:
        index = make_index(tmp_path / "index", engine=engine)
        index.ensure(empty)
        assert index.state(empty) == "ok"
        found = index.search("")
        assert (found.total, found.facets) == (0, {"month": {}, "category": {}})
        assert index.similar(Paper("x", "graph", "graphs")) == []


def test_corrupt_index_is_detected_and_rebuilt(idx: SearchIndex, store: Store) -> None:
    build = idx.files.current()
    for toc in [*build.glob("*.toc"), *build.glob("meta.json")]:  # whoosh's, tantivy's
        toc.write_bytes(b"garbage")
    assert idx.state(store) == "corrupt"
    assert "corrupt" in idx.ensure(store)
    assert idx.state(store) == "ok"
    assert ids(idx, "qubits") == ["1501.00005"]


def test_dangling_pointer_is_corrupt(idx: SearchIndex, store: Store) -> None:
    (idx.files.path / "CURRENT").write_text("b-0\n")
    assert idx.state(store) == "corrupt"
    idx.ensure(store)
    assert idx.state(store) == "ok"


def test_stale_index_is_synced(idx: SearchIndex, store: Store) -> None:
    add(store, [Paper("2409.00006", "Protein Folding", "Folding proteins.", ["A B"])])
    assert idx.state(store) == "stale"
    assert idx.search("protein").total == 0
    assert "stale" in idx.ensure(store)
    assert idx.state(store) == "ok"
    assert ids(idx, "protein") == ["2409.00006"]


def test_outdated_schema_is_rebuilt(idx: SearchIndex, store: Store) -> None:
    idx.files.write_stamp(idx.files.current(), store.last_change(), schema=0)
    assert idx.state(store) == "stale"
    assert "rebuilt" in idx.ensure(store)
    assert idx.state(store) == "ok"


def test_sync_drops_an_id_merged_into_its_arxiv_record(idx: SearchIndex, store: Store) -> None:
    title = "Tiny Paper About Lattice Sieving"
    add(store, [Paper(title_id(title), title, "Sieving lattices quickly.", ["C D"])])
    idx.sync(store)
    assert ids(idx, "lattice sieving") == [title_id(title)]
    add(store, [Paper("2410.00007", title, "Sieving lattices quickly.", ["C D"])])
    assert title_id(title) in store.aliases()
    assert idx.sync(store) >= 1
    assert ids(idx, "lattice sieving") == ["2410.00007"]
    assert idx.doc_count() == store.count("papers")
    assert idx.state(store) == "ok"


def test_failed_rebuild_keeps_the_live_index(idx: SearchIndex, store: Store, monkeypatch) -> None:
    def broken(row):
        raise RuntimeError("disk on fire")

    where = {
        "whoosh": "server.index.whoosh_write.row_to_doc",
        "tantivy": "server.index.tantivy_engine.make_document",
    }
    monkeypatch.setattr(where[idx.engine], broken)
    with pytest.raises(RuntimeError):
        idx.rebuild(store)
    assert idx.state(store) == "ok"
    assert ids(idx, "qubits") == ["1501.00005"]


def test_a_writer_waits_for_the_lock(idx: SearchIndex, store: Store) -> None:
    """Events, not sleeps: the lock is held until the test lets it go, whatever the load."""
    add(store, [Paper("2409.00008", "Wavelet Scattering", "Wavelets.", ["E F"])])
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with idx.files.write_lock(5):
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(60)
    impatient = make_index(idx.files.path, lock_timeout=0.1, engine=idx.engine)
    with pytest.raises(IndexBusy):
        impatient.sync(store)
    synced: list[int] = []

    def sync() -> None:  # a connection of its own: SQLite's stay in their thread
        with Store(store.path) as mine:
            synced.append(idx.sync(mine))

    patient = threading.Thread(target=sync)
    patient.start()
    patient.join(0.3)
    assert patient.is_alive() and synced == []  # it cannot have written while the lock is held
    release.set()
    patient.join(60)
    holder.join(60)
    assert synced == [1]  # it waited for the holder, then wrote
    assert ids(idx, "wavelet") == ["2409.00008"]


WRITER = """
import sys
from pathlib import Path
from server.index import make_index
from server.models import Listing, Paper
from server.store import Store
store, index = Store(sys.argv[1]), make_index(Path(sys.argv[2]), engine=sys.argv[4])
for i in range(int(sys.argv[3])):
    paper = Paper(f"2411.{i:05d}", f"Concurrent paper {i}", "Written while reading.", ["W R"])
    store.ingest(Listing("text", papers=[paper]))
    index.sync(store) if i % 5 else index.rebuild(store)
"""


def test_reader_keeps_working_while_another_process_writes(idx: SearchIndex, store: Store) -> None:
    rounds = 25
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(store.path), str(idx.files.path)]
        + [str(rounds), idx.engine],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    searches = 0
    while writer.poll() is None or searches < 20:
        assert idx.search("qubits").total == 1  # raises on any lock or read error
        idx.search("concurrent")
        searches += 1
    _, errors = writer.communicate()
    assert writer.returncode == 0, errors
    assert idx.search("concurrent", per_page=100).total == rounds
    assert idx.state(store) == "ok"


def test_no_global_random_seed() -> None:
    """Whoosh names segments with the global random module; a global seed would repeat names."""
    modules = sorted((ROOT / "server" / "index").glob("*.py"))
    assert len(modules) > 10
    for path in modules:
        assert "import random" not in path.read_text(), path.name
    assert index_schema.SCHEMA_VERSION >= 1


def test_warm_reads_ahead_without_changing_answers(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whoosh_engine, "WARM_CHUNK", 3)  # word lists walked in many steps
    cold = make_index(tmp_path / "index")
    cold.rebuild(store)
    before = {q: ids(cold, q) for q in ("graph", "diffusion model", '"neural networks"')}
    before["sorted"] = ids(cold, "", sort="date")
    cold.close()
    assert cold.warm().startswith("search index warm in")
    assert cold._postings.size > 0  # the most frequent terms are decoded
    assert set(cold._postings._lengths) == {"title", "abstract", "authors"}
    assert set(cold._facets.columns) >= {"published", "month", "catnames"}
    assert cold._vocab.letters == set(whoosh_engine.WARM_LETTERS)  # did-you-mean terms
    reader = cold._searcher.reader()
    words = {(f, w.decode()) for f in ("abstract", "title") for w in reader.lexicon(f)}
    assert 20 < len(words) < 2 * whoosh_engine.WARM_TERMS  # all of them are among the most common
    assert words <= set(cold._postings._cache)
    common = {(f, w) for f, w in words if w in index_schema.COMMON}  # phrases' common words
    assert len(common) > 5 and common == set(cold._postings._places)
    after = {q: ids(cold, q) for q in ("graph", "diffusion model", '"neural networks"')}
    after["sorted"] = ids(cold, "", sort="date")
    assert after == before
    cold.close()


def test_bulk_builds_fork_workers_only_from_the_main_thread() -> None:
    from server.index.whoosh_write import PARALLEL_FROM, _procs

    assert _procs(PARALLEL_FROM - 1) == 1
    found = []
    worker = threading.Thread(target=lambda: found.append(_procs(PARALLEL_FROM * 10)))
    worker.start()
    worker.join()
    assert found == [1]
    if (os.cpu_count() or 1) > 1:
        assert _procs(PARALLEL_FROM * 10) >= 2
