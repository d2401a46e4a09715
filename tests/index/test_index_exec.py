"""The set-based executor agrees with whoosh's own matchers: same matches, same term scores."""

from __future__ import annotations

import pickle
import random
import zlib
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query
from whoosh.codec import whoosh3

from server.index import execute, whoosh_write
from server.index.bounds import bound
from server.index.execute import (
    Executor,
    Postings,
    _decode,
    in_sequence,
    sequence_tiers,
    top,
)
from server.index.query import make_parser, parse
from server.index.schema import make_schema, term
from server.index.whoosh_engine import WhooshLexicon

WORDS = "graph neural model diffusion attention sparse reward agent the of in a we learn".split()

QUERIES = [
    "graph",
    "graph neural",
    "graph OR diffusion",
    "graph NOT neural",
    "graph ANDNOT sparse",
    "graph ANDMAYBE attention",
    '"graph neural"',
    '"neural graph"',
    '"of the"',
    '"we learn the"',
    '"the graph the"',  # a word twice
    '"graph neural"~3',
    "title:graph",
    "author:smith",
    "abstract:(diffusion OR reward) sparse",
    "cat:cs.lg",
    "(graph OR agent) AND NOT (the OR reward)",
    # an And whose parts are looked up in the docs its rarest part left (Executor._within)
    'graph (diffusion OR "neural model") agent',
    "(graph AND sparse) OR (agent AND reward)",
    "title:(neural AND sparse) graph",
    'graph "we learn" NOT reward',
    "the of a",
]


def _doc(rng: random.Random, n: int) -> dict[str, object]:
    title = " ".join(rng.sample(WORDS, 4))
    abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))
    return {
        "id": f"p{n}",
        "title": title,
        "abstract": abstract,
        "pairs": f"{title}\n{abstract}",
        "authors": rng.choice(["Ann Smith ; Bo Li", "Cy Jones", "Smith Dee"]),
        "categories": rng.choice(["cs.LG", "cs.CL stat.ML", "cs.LG cs.AI"]),
        "catnames": b"cs.LG",
    }


DELETED = (3, 17, 301, 450, 599)  # in the first two segments of three


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    """A real index of three segments, with documents deleted in two of them."""
    ix = _three_segments(tmp_path_factory.mktemp("exec-index"), DELETED)
    s = ix.searcher()
    assert len(s.reader().leaf_readers()) == 3 and s.reader().has_deletions()
    yield s
    s.close()


@pytest.mark.parametrize("text", QUERIES)
def test_match_sets_equal_whooshs(searcher, text: str) -> None:
    q = parse(make_parser(searcher.schema), text)
    found = Executor(Postings(searcher)).match(q)
    assert found is not None, f"{text!r} fell back to whoosh"
    assert found == set(q.docs(searcher))
    assert found, f"{text!r} matched nothing: pick words the documents hold"


@pytest.mark.parametrize("text", ["graph", "graph neural", "abstract:reward", "graph OR agent"])
def test_term_queries_rank_as_whoosh_does(searcher, text: str) -> None:
    q = parse(make_parser(searcher.schema), text)
    ex = Executor(Postings(searcher))
    docs = ex.match(q)
    ours = top(ex.scores(q, docs), docs, 20)
    # every hit scored (limit=None): whoosh's block-skipping top-k can miss hits across segments
    theirs = [(h.docnum, h.score) for h in searcher.search(q, limit=None)][:20]
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [round(s, 6) for _, s in ours] == [round(s, 6) for _, s in theirs]


def test_phrases_are_checked_in_place_not_as_bags_of_words(searcher) -> None:
    ex = Executor(Postings(searcher))
    words = ex.match(parse(make_parser(searcher.schema), "graph neural"))
    phrase = ex.match(parse(make_parser(searcher.schema), '"graph neural"'))
    assert phrase < words


def _chained(places: list[list[int]], slop: int) -> bool:
    """Some position of each word follows one of the last word's by 1..slop (by brute force)."""
    ends = set(places[0])
    for nxt in places[1:]:
        ends = {p for p in nxt if any(p - k in ends for k in range(1, slop + 1))}
    return bool(ends)


@pytest.mark.parametrize(
    "text", ["graph neural", "the graph the", "of the model", "we learn the", "neural neural"]
)
@pytest.mark.parametrize("near", [1, 2, 4])
def test_sequence_tiers_are_the_phrases_then_the_words_near_in_order(searcher, text, near):
    """Phrases and near-in-order docs, read lazily word by word, are those whoosh's positions
    give (docs holding the first words near each other but not the last are in neither)."""
    reader = searcher.reader()
    words = [term(w) for w in text.split()]
    places = {w: dict(reader.postings("abstract", w).items_as("positions")) for w in set(words)}
    docs = set(query.Every().docs(searcher))
    held = [d for d in sorted(docs) if all(d in places[w] for w in words)]
    phrase = {d for d in held if _chained([places[w][d] for w in words], 1)}
    close = {d for d in held if _chained([places[w][d] for w in words], near)} - phrase
    assert sequence_tiers(reader, "abstract", words, docs, near) == (phrase, close)
    assert in_sequence(Postings(searcher), "abstract", words, docs, near) == phrase | close
    assert phrase or close, f"{text!r}: pick words some abstract holds in order"


@pytest.mark.parametrize("seed", range(40))
def test_top_orders_by_score_then_doc_number(seed: int) -> None:
    """Against a sort of every doc: tied scores at the cut, docs without a score (0), fewer
    scored docs than the limit, and scores of docs outside the match set."""
    rng = random.Random(seed)
    docs = set(rng.sample(range(500), rng.randint(1, 300)))
    levels = [0.5, 1.25, 2.0, 3.5] if seed % 2 else [rng.random() * 4 for _ in range(50)]
    scored = rng.sample(sorted(docs), rng.randint(0, len(docs)))
    scores = {d: rng.choice(levels) for d in scored}
    scores.update({d: 9.0 for d in rng.sample(range(500, 600), 3)})  # not in docs
    for limit in (1, 5, 20, 400):
        expected = sorted(docs, key=lambda d: (-scores.get(d, 0.0), d))[:limit]
        assert top(scores, docs, limit) == [(d, scores.get(d, 0.0)) for d in expected]


def test_unknown_shapes_fall_back(searcher) -> None:
    for text in ("gra*", "graf~", "date:[2024-01-01 to 2024-12-31]", "graph date:>2024-01-01"):
        q = parse(make_parser(searcher.schema), text)
        assert Executor(Postings(searcher)).match(q) is None, text


def test_cache_stays_within_its_budget(searcher) -> None:
    postings = Postings(searcher, budget=500)
    for word in WORDS:
        postings.get("abstract", word)
    assert 0 < postings.size <= 500 + max(len(postings.get("abstract", w)[0]) for w in WORDS)
    live = list(searcher.reader().postings("abstract", "graph").all_ids())  # deletions left out
    assert list(postings.get("abstract", "graph")[0]) == live


def test_common_words_positions_are_whooshs_and_kept_within_budget(searcher, monkeypatch) -> None:
    reader = searcher.reader()
    docs = reader.doc_frequency("abstract", "the")
    assert docs > execute.BLOCK
    postings = Postings(searcher)
    assert postings.places("abstract", "graph") is None  # not a common word
    assert postings.places("abstract", "the", checking=1) is None  # one block read, not all
    kept = postings.places("abstract", "the", checking=docs)
    assert kept is not None and postings.places("abstract", "the", checking=1) is kept
    for seg, offset in reader.leaf_readers():
        for docnum, places in seg.postings("abstract", "the").items_as("positions"):
            found = kept.at(docnum + offset)
            assert (found is None) == seg.is_deleted(docnum)  # deleted docs left out
            assert found is None or list(found) == places
    common = ("the", "of", "in", "a", "we")
    most = max(reader.doc_frequency("abstract", w) for w in common)
    monkeypatch.setattr(execute, "PLACES_BUDGET", most * execute.PLACE_BYTES * 2)
    postings = Postings(searcher)
    kept = [w for w in common if postings.places("abstract", w) is not None]
    assert 0 < len(kept) < len(common)  # the first fit; nothing is dropped for the others
    assert set(postings._places) == {("abstract", w) for w in kept}
    assert postings._places_size <= execute.PLACES_BUDGET


def test_narrow_keeps_the_docs_holding_a_decoded_term(searcher) -> None:
    postings = Postings(searcher)
    docs = set(range(0, 900, 7))
    assert postings.narrow("abstract", "graph", docs) is docs  # not decoded: nothing is read
    held = docs & set(postings.get("abstract", "graph")[0])
    assert 0 < len(held) < len(docs)
    assert postings.narrow("abstract", "graph", docs) == held


def test_empty_or_absent_terms_match_nothing(searcher) -> None:
    ex = Executor(Postings(searcher))
    assert ex.match(query.Term("abstract", "zzzz")) == set()
    assert ex.match(query.Phrase("abstract", ["graph", "zzzz"])) == set()


@pytest.mark.parametrize("word", ["the", "graph", "of"])
def test_probing_a_long_list_equals_decoding_it(searcher, word: str) -> None:
    """A few docs looked up by skipping through an uncached list give what decoding gives."""
    docs = set(random.Random(9).sample(sorted(query.Every().docs(searcher)), 2))
    probing = Postings(searcher)
    assert probing.sparse("abstract", word, docs)
    decoding = Postings(searcher)
    decoding.get("abstract", word)  # cached: never probed
    assert not decoding.sparse("abstract", word, docs)
    assert probing.score("abstract", word, docs) == decoding.score("abstract", word, docs)
    held = probing.holding("abstract", word, docs)
    assert held == decoding.holding("abstract", word, docs) and 0 < len(held) < len(docs) + 1


@pytest.mark.parametrize(
    "text",
    [
        "gra*",
        "g*h",
        "gr?ph",
        "grap~",
        "nueral~2",
        "cat:cs.*",
        "title:(gra* OR dif*) NOT rew*",
        "id:[p10 to p20]",
        "id:{p10 to p20}",
        "id:>p95",
    ],
)
def test_bounded_patterns_run_here_and_match_whooshs(searcher, text: str) -> None:
    """Patterns expanded by index_bounds (from every segment's words) run in set operations,
    with the same matches as whoosh's own expansion (deleted documents left out)."""
    q = parse(make_parser(searcher.schema), text)
    bounded, notes = bound(q, WhooshLexicon(searcher.reader()))
    found = Executor(Postings(searcher)).match(bounded)
    assert found is not None and notes == [], text
    assert found == set(q.docs(searcher)) and found, text


def _three_segments(path: Path, deletions: tuple[int, ...] = ()) -> whoosh_index.Index:
    """Three segments of the same 900 documents (seed 5), optionally with some deleted."""
    path.mkdir(exist_ok=True)
    ix = whoosh_index.create_in(str(path), make_schema())
    rng = random.Random(5)
    for start in (0, 300, 600):
        writer = ix.writer()
        for n in range(start, start + 300):
            writer.add_document(**_doc(rng, n))
        writer.commit(merge=False)
    if deletions:
        writer = ix.writer()
        for n in deletions:
            writer.delete_by_term("id", f"p{n}")
        writer.commit(merge=False)
    return ix


def _every_posting(reader, field: str, text: bytes) -> tuple[list[int], list[float]]:
    """A term's live postings as whoosh's own matcher walks them, one at a time."""
    ids, weights = [], []
    for seg, offset in reader.leaf_readers():
        if (field, text) in seg:
            for docnum, weight in seg.postings(field, text).items_as("weight"):
                if not seg.is_deleted(docnum):
                    ids.append(docnum + offset)
                    weights.append(weight)
    return ids, weights


@pytest.mark.parametrize("deletions", [(), DELETED], ids=["whole", "deletions"])
def test_decoded_postings_equal_whooshs_matcher_for_every_term(tmp_path, deletions) -> None:
    """Blocks read in bulk (no deletions) and one posting at a time (deletions) both give what
    whoosh's matcher gives, in the second and third segments too (doc numbers offset)."""
    reader = _three_segments(tmp_path, deletions).reader()
    terms = 0
    for field in ("title", "abstract", "authors", "pairs", "categories"):
        for text in reader.lexicon(field):
            ids, weights = _decode(reader, field, text)
            assert (list(ids), list(weights)) == _every_posting(reader, field, text), text
            terms += 1
    assert terms > 60  # the words, pairs and names of _doc


def test_posting_blocks_are_written_at_protocol_5_and_old_ones_still_read(tmp_path) -> None:
    """Blocks pickled at whoosh's protocol 2 (an index written before) decode the same."""
    new = _three_segments(tmp_path / "new").reader()
    blocks = []
    for seg, _ in new.leaf_readers():
        matcher = seg.postings("abstract", b"the")
        matcher._read_data()  # whoosh's reader of one block: any pickle protocol
        raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        blocks.append(zlib.decompress(raw) if matcher._compression else raw)
    assert {block[:2] for block in blocks} == {b"\x80\x05"}
    try:
        whoosh3.dumps = pickle.dumps  # whoosh's own: protocol 2, as it asks
        old = _three_segments(tmp_path / "old").reader()
    finally:
        whoosh3.dumps = whoosh_write._dumps
    for field in ("title", "abstract", "authors", "pairs"):
        for text in new.lexicon(field):
            assert _decode(old, field, text) == _decode(new, field, text), text
    old_size = sum(f.stat().st_size for f in (tmp_path / "old").iterdir())
    new_size = sum(f.stat().st_size for f in (tmp_path / "new").iterdir())
    assert new_size < old_size
