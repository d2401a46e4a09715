"""Which engine an index is: whoosh (the default, pure Python) or tantivy (`pip install
'paperboy[tantivy]'`), each in its own folder of the data directory."""

from __future__ import annotations

from pathlib import Path

from server.index.base import SearchIndex
from server.index.types import EngineMissing

ENGINES = ("whoosh", "tantivy")  # the setting index_engine; tantivy is an optional extra


def engine_class(engine: str) -> type[SearchIndex]:
    """The SearchIndex class of an engine name, or EngineMissing saying what to install."""
    if engine == "whoosh":
        from server.index.whoosh_engine import WhooshIndex

        return WhooshIndex
    if engine != "tantivy":
        raise EngineMissing(f"unknown index_engine {engine!r} (one of {', '.join(ENGINES)})")
    try:
        from server.index.tantivy_engine import TantivyIndex
    except ImportError as exc:
        raise EngineMissing(
            f"index_engine 'tantivy' needs the tantivy package ({exc}): "
            "pip install 'paperboy[tantivy]'"
        ) from None
    return TantivyIndex


def make_index(path: Path, engine: str = "whoosh", lock_timeout: float = 300.0) -> SearchIndex:
    """The index of one engine in the folder `path`."""
    return engine_class(engine)(Path(path), lock_timeout)


def open_index(data_dir: Path, engine: str, lock_timeout: float = 300.0) -> SearchIndex:
    """The engine's index in a data directory: `index/` for whoosh, `index-tantivy/` for
    tantivy. Each engine keeps its own, so switching back and forth syncs instead of rebuilding."""
    folder = "index" if engine == "whoosh" else f"index-{engine}"
    return make_index(Path(data_dir) / folder, engine, lock_timeout)
