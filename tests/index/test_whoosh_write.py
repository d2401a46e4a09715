"""A whole build's writer (whoosh_write._BuildWriter, and its worker processes) writes the index
whoosh's own writer writes: every posting, weight, position, length, stored field and column."""

from __future__ import annotations

import io
import multiprocessing
import threading
from pathlib import Path

import pytest
from whoosh import index
from whoosh.codec import whoosh3
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Positions

from server.index import whoosh_write
from server.index.schema import make_schema, row_to_doc
from server.store import Store


@pytest.fixture(scope="module")
def stock(hf_store: Store, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What whoosh's own writer makes of the store, as _dump reads it."""
    folder = tmp_path_factory.mktemp("stock")
    ix = index.create_in(str(folder), make_schema())
    writer = ix.writer(limitmb=64, compound=False)
    for row in hf_store.index_rows():
        writer.add_document(**row_to_doc(row))
    writer.commit()
    return _dump(folder)


def _dump(folder: Path) -> dict:
    """Everything a search reads, keyed by paper id instead of document number (a parallel
    build numbers them otherwise): per term its postings (id, weight, value, field length)
    and term info; per field its total length and column values; the stored ids."""
    out: dict = {}
    with index.open_dir(str(folder)).searcher() as searcher:
        reader = searcher.reader()
        ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        for field, text in reader.all_terms():
            matcher, postings = reader.postings(field, text), []
            while matcher.is_active():
                doc = matcher.id()
                length = reader.doc_field_length(doc, field)
                postings.append((ids[doc], matcher.weight(), matcher.value(), length))
                matcher.next()
            info = reader.term_info(field, text)
            out[field, text] = (
                sorted(postings),
                (info.weight(), info.doc_frequency(), info.min_length(), info.max_length()),
                info.max_weight(),
            )
        for field in reader.schema.names():
            out["length", field] = reader.field_length(field)
            if reader.has_column(field):
                column = reader.column_reader(field)
                out["column", field] = sorted((ids[doc], column[doc]) for doc in ids)
        out["ids"] = sorted(ids.values())
    return out


def _differences(got: dict, want: dict) -> list:
    return [key for key in want.keys() | got.keys() if got.get(key) != want.get(key)][:5]


def test_a_build_writes_what_whoosh_writes(hf_store: Store, stock: dict, tmp_path: Path) -> None:
    count = whoosh_write.write_all(tmp_path, make_schema(), hf_store)
    assert count == hf_store.count("papers") == len(stock["ids"])
    assert _differences(_dump(tmp_path), stock) == []
    assert any(key[0] == "pairs" for key in stock) and ("column", "catnames") in stock


def test_spilled_runs_merge_into_the_same_index(
    hf_store: Store, stock: dict, tmp_path: Path
) -> None:
    """Past its memory limit the pool writes sorted runs to disk; merged, they are the same."""
    ix = index.create_in(str(tmp_path), make_schema())
    writer = whoosh_write._BuildWriter(ix, limitmb=0.2, compound=False)
    for row in hf_store.index_rows():
        writer.add_document(**row_to_doc(row))
    runs = list(writer.pool._runs)
    writer.commit()
    assert len(runs) > 3, "the limit was never reached: lower it"
    assert not any((tmp_path / name).exists() for name in runs)
    assert _differences(_dump(tmp_path), stock) == []


def test_worker_processes_write_one_segment_each(
    hf_store: Store, stock: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whoosh_write, "PARALLEL_FROM", 100)
    monkeypatch.setattr(whoosh_write, "BATCH", 7)  # many batches, taken by whichever is free
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    threads = set(threading.enumerate())
    count = whoosh_write.write_all(tmp_path, make_schema(), hf_store)
    assert set(threading.enumerate()) <= threads, "a thread of the build's outlived it"
    assert count == hf_store.count("papers")
    segments = index.open_dir(str(tmp_path))._segments()
    assert len(segments) == 2 and min(s.doc_count() for s in segments) > 0
    assert _differences(_dump(tmp_path), stock) == []
    assert not list(tmp_path.glob("*.tmp")), "the workers' temporary folder was left behind"


def test_a_failing_worker_fails_the_build(
    hf_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document a worker cannot index stops the build with what went wrong, in this process,
    and leaves no worker running."""
    monkeypatch.setattr(whoosh_write, "PARALLEL_FROM", 100)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    real = whoosh_write.row_to_doc
    seen = []

    def bad_after_300(row):
        seen.append(row)
        return real(row) | ({"nonesuch": "x"} if len(seen) == 300 else {})

    monkeypatch.setattr(whoosh_write, "row_to_doc", bad_after_300)
    with pytest.raises(RuntimeError, match="worker process failed: UnknownFieldError.*nonesuch"):
        whoosh_write.write_all(tmp_path, make_schema(), hf_store)
    assert index.open_dir(str(tmp_path)).doc_count() == 0  # the table of contents lists nothing
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("weights", ["varied", "ones", "same", "zeros"])
@pytest.mark.parametrize("count", [1, 2, 127, 128, 129, 300])
def test_a_term_is_written_as_whooshs_add_posting_writes_it(count: int, weights: str) -> None:
    """The build's term writer writes the bytes whoosh's postings writer writes with one
    add_posting per posting: the same blocks (whoosh3 keeps 128 postings a block), block
    statistics and term info, with lengths of 0 and empty values among the postings, and
    weights that vary, are all 1 (not written), all the same (written once) or all 0."""
    postings, lengths = [], {}
    for n in range(count):
        doc = 3 * n + n % 2
        weight = {"varied": float(1 + n % 5), "ones": 1.0, "same": 2.0, "zeros": 0.0}[weights]
        postings += [doc, weight, b"" if n % 7 == 0 else bytes([n % 256]) * (n % 4)]
        if n % 3:
            lengths[doc] = 1 + (n * 37) % 300

    def whooshs(pw) -> bytes:
        pw.start_postings(Positions(), whoosh3.W3TermInfo())
        for i in range(0, len(postings), 3):
            doc = postings[i]
            pw.add_posting(doc, postings[i + 1], postings[i + 2], lengths.get(doc, 0))
        return pw.finish_postings().to_bytes()

    def ours(pw) -> bytes:
        return whoosh_write._TermWriter(pw, Positions(), lengths.get).write(postings)

    def written(write) -> tuple[bytes, bytes]:
        out = StructFile(io.BytesIO())
        out.write(b"earlier terms")  # a term's offset is where the file was
        info = write(whoosh3.W3Codec().postings_writer(out))
        return out.file.getvalue(), info

    want = written(whooshs)
    assert written(ours) == want
    assert len(want[0]) > len(b"earlier terms")  # not kept inline, in the term info
