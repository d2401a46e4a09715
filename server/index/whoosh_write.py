"""Writing the search index: a whole new build, or the store's changes applied to the live one."""

from __future__ import annotations

import heapq
import multiprocessing
import os
import pickle
import queue
import threading
from itertools import repeat
from pathlib import Path

from whoosh import index
from whoosh.codec import whoosh3
from whoosh.fields import Schema
from whoosh.formats import Positions
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from server import cores
from server.index.schema import FoldTokenizer, row_to_doc
from server.index.types import PaperSource
from server.progress import Step, step

WRITER_MB = 256  # RAM a build's postings may take (shared by its processes) before runs spill
# A rebuild of this many papers or more runs on every core (server/cores.py): a process per
# core writes one segment, and there is no final merge.
PARALLEL_FROM = 5_000
# A commit takes about this share of the time spent adding the docs (the worker processes write
# their postings only then): the estimate shown while it runs. 9,877 papers on 2 cores: added in
# 7.7 s, committed in 4.6 s.
COMMIT_SHARE = 0.6
PICKLE_PROTOCOL = 5
BATCH = 100  # documents handed to a worker process at a time


def _dumps(obj, protocol=None) -> bytes:
    """whoosh's pickling of posting blocks and term infos, at PICKLE_PROTOCOL whatever it asks.

    whoosh asks for protocol 2, which writes every bytes value (each posting's positions) as a
    call to codecs.encode: a block of the commonest abstract word unpickles 3.9x faster at
    protocol 5, pickles 3.7x faster, and compresses 40% smaller. Any whoosh reads either
    (pickle.loads takes every protocol), so indexes written before stay readable."""
    return pickle.dumps(obj, PICKLE_PROTOCOL)


whoosh3.dumps = _dumps  # the codec module's own name for pickle.dumps; readers are untouched


class _TermPool:
    """A build's postings grouped by (field, term), in posting order: whoosh's own pool keeps a
    tuple per posting, pickles each one to disk and back once it holds `limitmb`, and sorts
    them all. Here a posting is three slots of its term's list; past `limitmb` the groups go to
    disk as one sorted run, a pickle per term, and the runs are merged term by term."""

    def __init__(self, tempstore, limitmb: float):
        self._terms: dict[tuple[str, bytes], list] = {}
        self._size = 0
        self._limit = int(limitmb * 1024 * 1024)
        self._tempstore = tempstore
        self._runs: list[str] = []

    def add(self, fieldname: str, docnum: int, postings) -> int:
        """A doc's postings in one field, (term bytes, frequency, weight, value bytes) each, in
        one call (a build adds millions); their frequencies' sum. A term's docnums come in
        increasing order (the writer's)."""
        terms, size, total = self._terms, self._size, 0
        for tbytes, freq, weight, vbytes in postings:
            total += freq
            held = terms.get((fieldname, tbytes))
            if held is None:
                held = terms[fieldname, tbytes] = []
                size += 120 + len(tbytes)
            held += (docnum, weight, vbytes)
            size += 80 + (len(vbytes) if vbytes else 0)  # three slots, a float, the bytes
        self._size = size
        if size > self._limit:
            self._spill()
        return total

    def _spill(self) -> None:
        name = f"{os.getpid()}-{len(self._runs)}.terms"  # workers share the temp folder
        with self._tempstore.create_file(name) as f:
            for key in sorted(self._terms):
                pickle.dump((key, self._terms[key]), f, PICKLE_PROTOCOL)
        self._runs.append(name)
        self._terms, self._size = {}, 0

    def _read(self, name: str):
        with self._tempstore.open_file(name) as f:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    return

    def groups(self):
        """(field, term bytes, [docnum, weight, value, ...]) in field and term order."""
        sources = [self._read(name) for name in self._runs]
        sources.append((key, self._terms[key]) for key in sorted(self._terms))
        merged = heapq.merge(*sources, key=lambda group: group[0])  # ties: earlier run first
        key, held = None, []
        for found, postings in merged:
            if found != key:
                if key is not None:
                    yield (*key, held)
                key, held = found, postings
            else:
                held = held + postings
        if key is not None:
            yield (*key, held)

    def cleanup(self) -> None:
        for name in self._runs:
            self._tempstore.delete_file(name)
        self._runs = []


class _BuildWriter(SegmentWriter):
    """whoosh's segment writer for a whole new build, writing the same segment faster (1.4x in
    one process on a thousand HF papers; with a process per core, the HF bulk set's index step
    took 11-12 s instead of 19-25): postings go to a _TermPool, a text field of ours is tokenized
    without a token object per word (FoldTokenizer.positions), and field lengths are kept in
    memory for the postings instead of read back from the segment's column per posting.
    tests/index/test_whoosh_write.py checks every posting, length, stored field and column
    against whoosh's own writer. It takes plain documents: no boosts, no _stored_ values."""

    def __init__(self, ix, limitmb: float = WRITER_MB, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _TermPool(self._tempstorage, limitmb)
        self._lengths: dict[str, dict[int, int]] = {}
        for name, field in self.schema.items():
            if field.separate_spelling() or field.vector:
                raise ValueError(f"_BuildWriter: field {name!r} needs whoosh's own writer")

    def add_document(self, **fields) -> None:
        self._check_state()
        if any(name.startswith("_") for name in fields):
            raise ValueError(f"_BuildWriter takes plain fields, not {sorted(fields)}")
        schema, perdoc, pool, docnum = self.schema, self.perdocwriter, self.pool, self.docnum
        names = sorted(fields)
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                held = pool.add(name, docnum, _postings(field, value))  # its frequencies' sum
                length = held if field.scorable else 0
                if length:
                    lengths = self._lengths.setdefault(name, {})
                    lengths[docnum] = byte_to_length(length_to_byte(length))  # as stored
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        """Write the postings, term by term (whoosh's add_postings, a call per posting less)."""
        self.perdocwriter.close()
        writer, current = self.fieldwriter, None
        for name, tbytes, postings in self.pool.groups():
            if name != current:
                if current is not None:
                    writer.finish_field()
                writer.start_field(name, self.schema[name])
                current, length = name, self._lengths.get(name, {}).get
            writer.start_term(tbytes)
            _add_postings(writer._postwriter, postings, length)
            writer.finish_term()
        if current is not None:
            writer.finish_field()
        self.fieldwriter.close()


def _add_postings(pw, postings: list, length) -> None:
    """whoosh3's add_posting for each of a term's postings ([docnum, weight, value bytes, ...]),
    a block at a time: the same blocks, the same statistics, without a call per posting."""
    docs, weights, values = postings[0::3], postings[1::3], postings[2::3]
    limit = pw._blocklimit
    for start in range(0, len(docs), limit):
        if start:  # add_posting writes a full block as the next posting comes
            pw._write_block()
        end = start + limit
        ids, block_weights = docs[start:end], weights[start:end]
        pw._ids.extend(ids)
        pw._weights.extend(block_weights)
        pw._maxweight = max(pw._maxweight, *block_weights)
        pw._values.extend(v for v in values[start:end] if v)
        known = [n for n in map(length, ids, repeat(0)) if n]  # a length of 0 is not counted
        if known:
            low = min(known)
            pw._minlength = low if pw._minlength is None else min(pw._minlength, low)
            pw._maxlength = max(pw._maxlength, *known)


def _postings(field, value):
    """(term bytes, frequency, weight, value bytes) of each term, as `field.index` gives them."""
    fmt = field.format
    if type(field.analyzer) is not FoldTokenizer or type(fmt) is not Positions:
        return field.index(value)
    if not isinstance(value, str):
        return field.index(value)
    boost, encode = fmt.field_boost, _encode_positions
    return [
        (word.encode(), len(at), float(len(at)) * boost, encode(at))
        for word, at in field.analyzer.positions(value).items()
    ]


_ONE: dict[int, bytes] = {}  # a position -> the value of a word found there alone (3 words in 4)
_ONE_LIMIT = 100_000
_ENCODE = Positions().encode  # whoosh's: the count, then the gaps pickled


def _encode_positions(at: list[int]) -> bytes:
    """Positions.encode of a word's positions in a field; a lone position's value is kept."""
    encode = _ENCODE
    if len(at) != 1:
        return encode(at)
    found = _ONE.get(at[0])
    if found is None:
        if len(_ONE) >= _ONE_LIMIT:
            _ONE.clear()
        found = _ONE[at[0]] = encode(at)
    return found


def write_all(build: Path, schema: Schema, store: PaperSource) -> int:
    """Index every paper of the store into a new index at `build`; returns the count. Its
    progress is the "index" step: a bar of papers, then a live line while the commit runs.

    From PARALLEL_FROM papers, a process per core (server/cores.py) writes one segment of
    its share, without a final merge; this process reads the store and hands out batches."""
    total = store.count("papers")
    procs = _procs(total)
    ix = index.create_in(str(build), schema)
    with step("index", "paper") as shown:
        if procs > 1:
            _write_parallel(ix, store, total, procs, shown)
        else:
            _write_here(ix, store, total, shown)
    return shown.count or 0


def _write_here(ix: index.Index, store: PaperSource, total: int, shown: Step) -> None:
    """Index the store's documents in this process, into one segment."""
    writer = _BuildWriter(ix, limitmb=WRITER_MB, compound=False)
    try:
        for row in shown.iter(store.index_rows(), total):
            writer.add_document(**row_to_doc(row))
    except BaseException:
        writer.cancel()
        raise
    _commit(writer, shown)


def _write_parallel(
    ix: index.Index, store: PaperSource, total: int, procs: int, shown: Step
) -> None:
    """Hand the store's documents to `procs` worker processes in batches; each writes a segment,
    and the index's table of contents then lists them all."""
    writer = ix.writer(compound=False)  # holds the lock, and writes the table of contents
    context = multiprocessing.get_context("fork")  # only from the main thread (_procs)
    jobs, done = context.Queue(procs * 4), context.Queue()
    limitmb = WRITER_MB // procs
    workers = [
        context.Process(target=_write_part, args=(ix.storage.folder, limitmb, jobs, done))
        for _ in range(procs)
    ]
    try:
        for worker in workers:
            worker.start()
        batch = []
        for row in shown.iter(store.index_rows(), total):
            batch.append(row_to_doc(row))
            if len(batch) == BATCH:
                _hand(jobs, batch, workers)
                batch = []
        for last in ([batch] if batch else []) + [None] * procs:
            _hand(jobs, last, workers)
        with shown.wait("committing", estimate=COMMIT_SHARE * shown.seconds):
            segments = [_result(done, workers) for _ in workers]
            writer._close_segment()
            writer._commit_toc([segment for segment in segments if segment is not None])
            writer._finish()
    except BaseException:
        for worker in workers:
            worker.kill() if worker.is_alive() else None
        jobs.cancel_join_thread()  # batches no worker will read: do not wait to flush them
        writer.cancel()
        raise
    finally:
        for worker in workers:
            worker.join() if worker.pid is not None else None
        jobs.close()  # and end its feeding thread, which would keep the next step from forking
        jobs.join_thread()


def _write_part(folder: str, limitmb: int, jobs, done) -> None:
    """A worker process: index the batches it takes, then hand back its finished segment (None
    when it took no document), or what went wrong, as text."""
    try:
        writer = _BuildWriter(index.open_dir(folder), _lk=False, limitmb=limitmb, compound=False)
        while (batch := jobs.get()) is not None:
            for doc in batch:
                writer.add_document(**doc)
        if writer._added:
            done.put(writer._finalize_segment())
        else:
            writer._close_segment()
            done.put(None)
    except BaseException as exc:
        done.put(f"{type(exc).__name__}: {exc}")


def _hand(jobs, batch, workers) -> None:
    """Queue a batch for the workers, noticing one that died."""
    while True:
        try:
            return jobs.put(batch, timeout=1)
        except queue.Full:
            _alive(workers)


def _result(done, workers):
    """A worker's segment; its error raised here."""
    while True:
        try:
            found = done.get(timeout=1)
        except queue.Empty:
            _alive(workers)
            continue
        if isinstance(found, str):
            raise RuntimeError(f"index build: a worker process failed: {found}")
        return found


def _alive(workers) -> None:
    for worker in workers:
        if worker.exitcode not in (None, 0):
            raise RuntimeError(f"index build: a worker process exited with {worker.exitcode}")


def apply_changes(ix: index.Index, store: PaperSource, since: str, timeout: float) -> int:
    """Re-index papers changed since `since` and delete merged-away ids; count docs touched."""
    writer = ix.writer(timeout=timeout, limitmb=WRITER_MB, compound=False)
    touched = 0
    with step("index", "paper") as shown:
        try:
            for row in shown.iter(store.index_rows(since), None, "changed"):
                writer.update_document(**row_to_doc(row))
                touched += 1
            for alias in store.aliases():
                touched += writer.delete_by_term("id", alias)
        except BaseException:
            writer.cancel()
            raise
        if touched:
            _commit(writer, shown)
        else:
            writer.cancel()
    return touched


def _commit(writer, shown: Step) -> None:
    """Commit under a live line: the time so far and, from the add phase, an estimate."""
    with shown.wait("committing", estimate=COMMIT_SHARE * shown.seconds):
        writer.commit()


def drop_absent(ix: index.Index, store: PaperSource, timeout: float) -> int:
    """Delete index docs whose papers left the store (rare: only when counts disagree)."""
    with ix.searcher() as searcher:
        if searcher.doc_count() == store.count("papers"):
            return 0
        indexed = {fields["id"] for fields in searcher.all_stored_fields()}
    absent = indexed - store.paper_ids()
    if not absent:
        return 0
    writer = ix.writer(timeout=timeout, compound=False)
    for paper_id in absent:
        writer.delete_by_term("id", paper_id)
    writer.commit()
    return len(absent)


def _procs(papers: int) -> int:
    """Processes for a build of `papers` (server/cores.py), but never from a server thread:
    the workers are forked, and a sibling thread may hold a lock the child would wait on."""
    threaded = threading.current_thread() is not threading.main_thread()
    return 1 if threaded else cores.procs(papers, PARALLEL_FROM)
