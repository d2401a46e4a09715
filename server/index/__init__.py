"""The search index: derived from the store, rebuildable, searched by the API, the CLI and the
site. The only code that imports whoosh or tantivy; it never opens the store's file (it reads
the store through PaperSource) and holds nothing the store lacks: it keeps ids, so every result
is shown from the store. Its own similarity file (similar.py) is SQLite too, inside each build.

engines.py opens an index by engine name; base.py is what both engines share; whoosh_engine.py
and tantivy_engine.py (with tantivy_query.py) are the engines; query.py is the query language,
bounds.py what a query may cost, execute.py and rank.py run and rank whoosh queries, similar.py
the similar papers every surface shows, recommend.py the papers picked for a reader, schema.py
and whoosh_write.py make and write documents, columns.py reads per-document columns, files.py
keeps builds on disk, types.py names what the index answers with and how it fails.
"""

from server.budget import QueryTooBroad
from server.index.base import FEW_RESULTS, SORTS, SearchIndex
from server.index.engines import ENGINES, engine_class, make_index, open_index
from server.index.files import IndexBusy
from server.index.query import check_query
from server.index.types import (
    EngineMissing,
    Hit,
    IndexCorrupt,
    PaperSource,
    QueryError,
    QueryRefused,
    SearchResult,
    Similar,
)

__all__ = [
    "ENGINES",
    "EngineMissing",
    "FEW_RESULTS",
    "Hit",
    "IndexBusy",
    "IndexCorrupt",
    "PaperSource",
    "QueryError",
    "QueryRefused",
    "QueryTooBroad",
    "SORTS",
    "SearchIndex",
    "SearchResult",
    "Similar",
    "check_query",
    "engine_class",
    "make_index",
    "open_index",
]
