"""Similar papers (server/index/similar.py): one similarity for every surface, on both engines.

Terms that explain a match are words: numbers, sizes and LaTeX never make two papers alike or
show as a reason. The similarity file follows the store through each sync, and a paper the
index has not seen yet is compared by its text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.index import SearchIndex, open_index
from server.models import Appearance, Listing, Paper
from server.store import Store

TERM = re.compile(r"[a-z]+(?:-[a-z]+)*(?: [a-z]+(?:-[a-z]+)*)?")
FILLER = [
    Paper(f"2301.{n:05d}", f"Filler study {word}", f"We study {word} systems and {word} signals.")
    for n, word in enumerate(
        "ocean forest desert glacier volcano river canyon prairie tundra marsh".split()
    )
]
PAPERS = [
    Paper(
        "2401.00001",
        "Sparse retrieval with learned routers",
        "Learned routers pick experts "
        "for sparse retrieval; distilled rerankers reorder the retrieved passages.",
    ),
    Paper(
        "2401.00002",
        "Routers for sparse passage retrieval",
        "Sparse retrieval of passages "
        "with learned routers and distilled rerankers, evaluated on open benchmarks.",
    ),
    Paper(
        "2401.00003",
        "Protein folding with diffusion",
        "A diffusion model folds proteins "
        "from sequence; the folding model samples protein backbones.",
    ),
    # Alike only by numbers, sizes and LaTeX: never similar to each other.
    Paper(
        "2401.00004",
        "Scaling 405b at 128k",
        "We report 9.8 points at 128k with 405b "
        "parameters and $\\mathcal{O}(n)$ cost, 3.14 and 2.71 and 9.8 again.",
    ),
    Paper(
        "2401.00005",
        "Tundra 405b 128k",
        "Gauges read 9.8 and 405b and 128k; $\\mathcal{O}(n)$ and 3.14 and 2.71.",
    ),
]


def _listing(papers: list[Paper], day: str) -> Listing:
    apps = [Appearance(p.id, "hf-daily", day, rank=n) for n, p in enumerate(papers, 1)]
    return Listing(kind="hf-api", date=day, papers=papers, appearances=apps)


@pytest.fixture()
def archive(tmp_path: Path, engine: str):
    store = Store(tmp_path / "papers.sqlite3")
    store.ingest(_listing(FILLER + PAPERS, "2024-01-02"))
    index = open_index(tmp_path, engine)
    index.ensure(store)
    yield store, index
    index.close()
    store.close()


def test_similar_papers_share_words_never_numbers(archive) -> None:
    store, index = archive
    found = index.similar(store.paper("2401.00001"))
    assert found[0].id == "2401.00002"
    assert {"sparse retrieval", "learned routers"} & set(found[0].terms), found[0].terms
    for paper in FILLER + PAPERS:
        for s in index.similar(store.paper(paper.id)):
            assert s.id != paper.id
            assert all(TERM.fullmatch(t) for t in s.terms), (paper.id, s.terms)
    numbers_only = [s.id for s in index.similar(store.paper("2401.00004"))]
    assert "2401.00005" not in numbers_only


def test_exclude_leaves_papers_out(archive) -> None:
    store, index = archive
    skipped = index.similar(store.paper("2401.00001"), exclude={"2401.00002"})
    assert "2401.00002" not in [s.id for s in skipped]


def test_the_similarity_follows_the_store(archive) -> None:
    """A paper added or changed after the build is found, and by its new text, after a sync."""
    store, index = archive
    new = Paper(
        "2402.00009",
        "Learned routers for sparse retrieval at scale",
        "Distilled rerankers and learned routers make sparse retrieval of passages fast.",
    )
    store.ingest(_listing([new], "2024-02-01"))
    index.ensure(store)
    assert "2402.00009" in [s.id for s in index.similar(store.paper("2401.00001"))]
    changed = Paper(
        "2402.00009",
        "Folding proteins by diffusion",
        "A protein folding model samples backbones by diffusion from the protein sequence, "
        "and a second diffusion model folds proteins from sequence to structure.",
        version=2,  # a new version's text replaces the stored one
    )
    store.ingest(_listing([changed], "2024-02-02"))
    index.ensure(store)
    assert "second diffusion" in store.paper("2402.00009").abstract
    assert index.similar(store.paper("2401.00003"))[0].id == "2402.00009"
    assert "2402.00009" not in [s.id for s in index.similar(store.paper("2401.00001"))][:1]


def test_a_paper_not_in_the_index_is_compared_by_its_text(archive) -> None:
    _, index = archive
    outsider = Paper(
        "9999.99999",
        "Sparse retrieval routers",
        "Learned routers and distilled rerankers for sparse retrieval.",
    )
    assert index.similar(outsider)[0].id in {"2401.00001", "2401.00002"}


def test_no_index_yet_means_no_similar_papers(tmp_path: Path, engine: str) -> None:
    index: SearchIndex = open_index(tmp_path, engine)
    assert index.similar(PAPERS[0]) == []


def test_a_missing_or_broken_similarity_file_is_written_again_by_the_next_sync(archive) -> None:
    store, index = archive
    path = index.files.current() / "similar.sqlite3"
    for damage in (path.unlink, lambda: path.write_bytes(b"not a database")):
        damage()
        store.ingest(
            _listing([Paper("2403.00001", "Sparse retrieval routers", "Routers.")], "2024-03-01")
        )
        index.ensure(store)
        assert index.similar(store.paper("2401.00001"))[0].id == "2401.00002"


def test_an_index_from_before_the_terms_lists_is_built_again(archive, engine: str) -> None:
    """A build whose similarity file has no `top` (stamped with the schema before it) is
    rebuilt by the next ensure, and similar papers answer from the new one."""
    import sqlite3

    store, index = archive
    build = index.files.current()
    db = sqlite3.connect(build / "similar.sqlite3")
    db.execute("DROP TABLE top")
    db.commit()
    db.close()
    index.files.write_stamp(
        build, store.last_change(), {"whoosh": 5, "tantivy": "tantivy-3"}[engine]
    )
    assert "rebuilt" in index.ensure(store)
    assert index.similar(store.paper("2401.00001"))[0].id == "2401.00002"


def test_a_write_on_every_core_writes_the_serial_one(
    hf_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The similarity file written by worker processes (a big archive's) holds the same
    vocabulary, vectors and postings as one written in this process."""
    import sqlite3

    from server import cores
    from server.index import similar

    def tables(path: Path) -> dict[str, list]:
        db = sqlite3.connect(path)
        try:
            return {
                "term": db.execute("SELECT * FROM term ORDER BY id").fetchall(),
                "doc": db.execute("SELECT paper, vec FROM doc ORDER BY paper").fetchall(),
                "post": db.execute(
                    "SELECT term, w, paper FROM post JOIN doc ON doc.id = post.doc"
                    " ORDER BY term, w, paper"
                ).fetchall(),
                "meta": db.execute("SELECT * FROM meta ORDER BY key").fetchall(),
            }
        finally:
            db.close()

    total = hf_store.count("papers")
    every = [(row.paper.id, row.paper.title, row.paper.abstract) for row in hf_store.index_rows()]
    assert list(hf_store.paper_texts()) == every  # what the file reads: each paper, by id
    similar.write(tmp_path / "serial.sqlite3", hf_store.paper_texts, total)
    monkeypatch.setattr(similar, "PARALLEL_FROM", 100)
    monkeypatch.setattr(similar, "CHUNK", 37)  # many chunks, several in flight
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    spawned = []
    real = cores.ProcessPoolExecutor
    monkeypatch.setattr(
        cores, "ProcessPoolExecutor", lambda *a, **k: spawned.append(1) or real(*a, **k)
    )
    similar.write(tmp_path / "cores.sqlite3", hf_store.paper_texts, total)
    assert len(spawned) == 2, "both passes should run in worker processes"
    serial, cores = tables(tmp_path / "serial.sqlite3"), tables(tmp_path / "cores.sqlite3")
    assert len(serial["doc"]) == total and len(serial["post"]) > total
    assert cores == serial


def test_each_terms_list_is_its_heaviest_postings_after_a_build_and_syncs(
    hf_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query reads each key term's POSTINGS heaviest papers from one row of `top`: after the
    build, after a sync that changes papers' texts and adds papers, and after one that drops
    papers, every term's row holds exactly the heaviest of its postings, in order."""
    import dataclasses
    import sqlite3

    from server.index import similar

    monkeypatch.setattr(similar, "POSTINGS", 7)  # most lists are cut: the cut must follow
    monkeypatch.setattr(similar, "REBUILD_SHARE", 1.0)  # the syncs change the file, not redo it
    monkeypatch.setattr(similar, "SMALL", 0)
    path = tmp_path / similar.FILE

    def lists(db: sqlite3.Connection) -> dict[int, list[tuple[int, float]]]:
        """Each term's row of `top`, read back as (doc, weight) pairs."""
        out = {}
        for term, blob in db.execute("SELECT term, list FROM top"):
            out[term] = list(zip(*similar._halves(blob), strict=True))
        return out

    def check() -> int:
        db = sqlite3.connect(path)
        try:
            want: dict[int, list[tuple[int, float]]] = {}
            for term, doc, w in db.execute(
                "SELECT term, doc, w FROM post ORDER BY term, w DESC, doc DESC"
            ):
                if len(want.setdefault(term, [])) < similar.POSTINGS:
                    want[term].append((doc, w))
            assert lists(db) == want
            return sum(len(best) for best in want.values())
        finally:
            db.close()

    similar.write(path, hf_store.paper_texts, hf_store.count("papers"))
    assert check() > 1_000
    rows = list(hf_store.index_rows())
    texts = [  # each paper of the first 40 takes another's text
        dataclasses.replace(
            row, paper=dataclasses.replace(row.paper, abstract=other.paper.abstract)
        )
        for row, other in zip(rows[:40], rows[-40:], strict=True)
    ]
    new = [  # and 5 papers come
        dataclasses.replace(row, paper=dataclasses.replace(row.paper, id=f"2999.{n:05d}"))
        for n, row in enumerate(rows[100:105])
    ]
    assert similar.apply(path, texts + new, [], hf_store.paper_texts) == 45
    check()
    gone = [row.paper.id for row in rows[200:260]]
    assert similar.apply(path, [], gone, hf_store.paper_texts) == 60
    check()


def _reference_counts(title: str, abstract: str) -> dict[str, int]:
    """The terms and counts as the rule in similar.words' docstring reads, token by token with
    no cache, each phrase counted where both its words stand."""
    from server.index.similar import ENGLISH, RUN, WORD

    def terms(text: str) -> list[str | None]:
        out: list[str | None] = []
        for token in text.lower().split():
            token = token.strip(".,;:!?()[]{}\"'`")
            whole = WORD.fullmatch(token)
            for word in [whole.group()] if whole else RUN.findall(token):
                out.append(word if len(word) > 1 and word not in ENGLISH else None)
            if not whole:
                out.append(None)
        return out

    found: dict[str, int] = {}
    for seq in (terms(title), terms(abstract)):
        for i, word in enumerate(seq):
            if word is None:
                continue
            found[word] = found.get(word, 0) + 1
            nxt = seq[i + 1] if i + 1 < len(seq) else None
            if nxt is not None:
                phrase = f"{word} {nxt}"
                found[phrase] = found.get(phrase, 0) + 1
    return found


def test_terms_are_counted_as_the_rule_says(hf_store: Store, monkeypatch) -> None:
    """Every real paper's terms, with the tokens' cache full and cleared on the way."""
    from server.index import similar

    monkeypatch.setattr(similar, "TOKENS_KEPT", 500)
    tricky = Paper(
        id="x1",
        title="GPT-4o and Qwen2.5-VL: text-to-image, (again) \\alpha-blending",
        abstract="It is  the state-of-the-art. $O(n)$ -- a 9.8 b 405B; a-b c--d -x- ''quoted''",
    )
    papers = [tricky, *(row.paper for row in hf_store.index_rows())]
    for paper in papers:
        assert dict(similar.counts(paper)) == _reference_counts(paper.title, paper.abstract)
    assert len(similar._tokens) <= 500


def test_the_sort_of_the_postings_shows_a_live_line(tmp_path: Path) -> None:
    """Between the second pass and the terms' lists, the postings are sorted into `post` by
    one SQL statement (2.7 s at 36k papers): a terminal sees a live line for it, not a still
    screen."""
    import io

    from server import progress
    from server.index import similar

    store = Store(tmp_path / "papers.sqlite3")
    store.ingest(_listing(FILLER + PAPERS, "2024-01-02"))
    drawn = io.StringIO()
    with progress.shown(bars=True, lines=False, stream=drawn):
        similar.write(tmp_path / "similar.sqlite3", store.paper_texts, len(FILLER + PAPERS))
    store.close()
    shown = drawn.getvalue()
    assert "similar: sorting postings" in shown, shown
    assert shown.index("pass 2/2") < shown.index("sorting postings") < shown.index("lists")


def test_each_pass_counts_papers_as_their_work_is_done_not_as_they_are_read(
    hf_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On every core, the workers read a few chunks ahead of the results taken: a bar counting
    the papers read reached its end while the last chunks were still being worked on, and the
    terminal was silent for that tail (1.4 s of the HF bulk set's reindex). Each result of a
    pass finds the bar at the papers of the results before it."""
    from contextlib import contextmanager

    from server import cores
    from server.index import similar

    monkeypatch.setattr(similar, "PARALLEL_FROM", 100)
    monkeypatch.setattr(similar, "CHUNK", 37)  # many chunks, several in flight
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    steps, seen = [], []
    real_step, real_across = similar.step, cores.across

    @contextmanager
    def step(*args, **kwargs):  # the real step, kept to read its count
        with real_step(*args, **kwargs) as shown:
            steps.append(shown)
            yield shown

    def across(work, pieces, *args):  # the real pool; the count as each result comes
        done = 0
        for result in real_across(work, pieces, *args):
            seen.append((work.__name__, steps[-1].count, done))
            done += result[1] if work is similar._terms_part else len(result)
            yield result

    monkeypatch.setattr(similar, "step", step)
    monkeypatch.setattr(cores, "across", across)
    total = hf_store.count("papers")
    similar.write(tmp_path / "similar.sqlite3", hf_store.paper_texts, total)
    assert len(seen) > 2 * cores.IN_FLIGHT * 2, seen  # the read-ahead is in play
    for work, count, done in seen:
        before = total if work == "_vectors_part" else 0  # pass 2's bar counts on from pass 1
        assert count - before == done, (work, count, done)


def test_a_vectors_key_terms_are_its_heaviest_the_lower_term_first_among_equals() -> None:
    """A vector's key terms: its KEY heaviest (term, weight), heaviest first, and among equal
    weights the lower term first, whether read from a packed vector or from a dict."""
    from server.index import similar

    weights = [0.5, 0.25, 0.125, 0.0625]  # exact in float32, so packing keeps them equal
    vector = [(t, weights[(t * 3) % 4]) for t in range(1, 1 + 2 * similar.KEY)]
    want = sorted(vector, key=lambda tw: (-tw[1], tw[0]))[: similar.KEY]
    assert want[:2] == [(4, 0.5), (8, 0.5)]  # ties: the lower term first
    packed = similar._pack(vector)
    assert similar._keys(*similar._halves(packed)) == want
    as_dict = dict(vector)
    assert similar._keys(as_dict.keys(), as_dict.values()) == want
    assert len(want) == similar.KEY < len(vector)
