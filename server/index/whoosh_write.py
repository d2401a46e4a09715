"""Writing the search index: a whole new build, or the store's changes applied to the live one."""

from __future__ import annotations

import heapq
import multiprocessing
import os
import pickle
import queue
import threading
import zlib
from array import array
from collections.abc import Callable
from itertools import repeat
from operator import sub
from pathlib import Path

from whoosh import index
from whoosh.codec import whoosh3
from whoosh.fields import Schema
from whoosh.formats import Positions
from whoosh.system import pack_int, pack_long, pack_ushort
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
# 3.8-4.0 s, committed in 2.7-3.2 s.
COMMIT_SHARE = 0.75
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
    """A build's postings grouped by field and term, in posting order: whoosh's own pool keeps
    a tuple per posting, pickles each one to disk and back once it holds `limitmb`, and sorts
    them all. Here a posting is three slots of its term's list; past `limitmb` the groups go to
    disk as one sorted run, a pickle per term, and the runs are merged term by term. A term
    comes as bytes, or as text (a text field's words, encoded once per term at the end rather
    than once per posting); a field's terms come all one way."""

    def __init__(self, tempstore, limitmb: float):
        self._fields: dict[str, dict[str | bytes, list]] = {}
        self._size = 0
        self._limit = int(limitmb * 1024 * 1024)
        self._tempstore = tempstore
        self._runs: list[str] = []

    def add(self, fieldname: str, docnum: int, postings) -> int:
        """A doc's postings in one field, (term, frequency, weight, value bytes) each, in one
        call (a build adds millions); their frequencies' sum. A term's docnums come in
        increasing order (the writer's)."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        size, total = self._size, 0
        for term, freq, weight, vbytes in postings:
            total += freq
            held = terms.get(term)
            if held is None:
                held = terms[term] = []
                size += 120 + len(term)
            held += (docnum, weight, vbytes)
            size += 80 + (len(vbytes) if vbytes else 0)  # three slots, a float, the bytes
        self._size = size
        if size > self._limit:
            self._spill()
        return total

    def _spill(self) -> None:
        name = f"{os.getpid()}-{len(self._runs)}.terms"  # workers share the temp folder
        with self._tempstore.create_file(name) as f:
            for group in self._sorted():
                pickle.dump(group, f, PICKLE_PROTOCOL)
        self._runs.append(name)
        self._fields, self._size = {}, 0

    def _sorted(self):
        """((field, term bytes), postings) of the groups held, in field and term order (text
        sorts as its UTF-8 bytes do)."""
        for name in sorted(self._fields):
            terms = self._fields[name]
            for term in sorted(terms):
                yield (name, term.encode() if type(term) is str else term), terms[term]

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
        sources.append(self._sorted())
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
        """Write the postings, term by term: a _TermWriter call per term, where whoosh's field
        writer makes one per posting and several per block and term."""
        self.perdocwriter.close()
        writer, current = self.fieldwriter, None
        for name, tbytes, postings in self.pool.groups():
            if name != current:
                if current is not None:
                    writer.finish_field()
                writer.start_field(name, self.schema[name])
                current = name
                terms = _TermWriter(
                    writer._postwriter, writer._format, self._lengths.get(name, {}).get
                )
                prefix = pack_ushort(writer._fieldid)
            writer._tindex.add(prefix + tbytes, terms.write(postings))
        if current is not None:
            writer.finish_field()
        self.fieldwriter.close()


class _TermWriter:
    """What whoosh3's postings writer writes for a term of a field (start_postings, an
    add_posting per posting, finish_postings) in one call: the same blocks of at most
    `blocklimit` postings (their ids as gaps, weights, values, pickled and compressed alike),
    the same block and term statistics. tests/index/test_whoosh_write.py checks the bytes
    against whoosh's. A term of a whole build has most of its postings in one block, so the
    calls per term and per block were most of a commit's time (6.1-6.5 s of a 15-17 s build
    of the HF bulk set in one process; 4.0-4.6 s with this)."""

    def __init__(self, pw: whoosh3.W3PostingsWriter, fmt, length: Callable[[int, int], int]):
        if pw._byteids or pw._inlinelimit > 1:  # postings a term info holds: whoosh's writer
            raise ValueError("_TermWriter: this codec needs whoosh's own postings writer")
        self._file, self._limit, self._compression = pw._postfile, pw._blocklimit, pw._compression
        self._fixed = fmt.fixed_value_size()
        self._length = length  # a docnum's field length, as stored (0: none)

    def write(self, postings: list) -> bytes:
        """Write a term's postings ([docnum, weight, value bytes, ...], by docnum) as blocks
        to the postings file; returns its term info, as bytes."""
        docs, weights, values = postings[0::3], postings[1::3], postings[2::3]
        limit, length, count = self._limit, self._length, len(docs)
        total, low, high, heaviest = 0.0, None, 0, 0
        out = [whoosh3.WHOOSH3_HEADER_MAGIC]
        for start in range(0, count, limit):
            end = start + limit
            ids, given = docs[start:end], weights[start:end]
            stored, top = array("f", given), max(given)
            top = top if top > 0 else 0  # add_posting's: it starts from 0
            known = list(filter(None, map(length, ids, repeat(0))))  # 0 is not counted
            shortest, longest = (min(known), max(known)) if known else (None, 0)
            total += sum(stored)
            low = shortest if low is None else min(low, shortest)
            high, heaviest = max(high, longest), max(heaviest, top)
            data = _dumps((self._gaps(ids), self._weights(stored), self._values(values[start:end])))
            level = self._compression if len(data) >= whoosh3.COMPRESSION_MIN_SIZE else 0
            data = zlib.compress(data, level) if level else data
            info = _dumps(
                (len(ids), ids[-1], top, level, length_to_byte(shortest), length_to_byte(longest))
            )
            size = len(info) + len(data)
            out += (pack_int(-size if end >= count else size), info, data)
        block = b"".join(out)
        offset = self._file.tell()
        self._file.write(block)
        low = 0 if low is None else length_to_byte(low)
        stats = (False, total, count, low, length_to_byte(high), heaviest, docs[0], docs[-1])
        return whoosh3.W3TermInfo._struct.pack(*stats) + pack_long(offset) + pack_int(len(block))

    @staticmethod
    def _gaps(ids: list[int]) -> tuple[int, ...]:
        return (ids[0], *map(sub, ids[1:], ids))  # delta_encode's

    @staticmethod
    def _weights(stored: array) -> tuple[float, ...] | float | None:
        n = len(stored)
        if stored.count(1.0) == n:
            return None
        return stored[0] if stored.count(stored[0]) == n else tuple(stored)

    def _values(self, values: list[bytes]):
        present = list(filter(None, values))  # add_posting keeps a value only when it has one
        fixed = self._fixed
        if fixed is None or fixed < 0:
            return tuple(present)
        return None if fixed == 0 else b"".join(present)


def _postings(field, value):
    """(term, frequency, weight, value bytes) of each term, as `field.index` gives them (a
    text field's terms as text, not bytes: _TermPool)."""
    fmt = field.format
    if type(field.analyzer) is not FoldTokenizer or type(fmt) is not Positions:
        return field.index(value)
    if not isinstance(value, str):
        return field.index(value)
    boost, encode = fmt.field_boost, _encode_positions
    return [
        (word, len(at), float(len(at)) * boost, encode(at))
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
