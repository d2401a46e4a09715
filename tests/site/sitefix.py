"""Sites built once per test run: our demo pages plus hostile papers, and a corpus subset.

Not a conftest (tests/conftest.py owns that name on sys.path): test modules import from here.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, need
from payloads import hostile_listing

from server.crawl.importer import import_paths
from server.index import SearchIndex, open_index
from server.site.builder import build
from server.store import Store

DEMO = ROOT / "server" / "demo"
TOPICS = [("Agents", "agent OR agents"), ("Retrieval <b>&</b>", "retrieval")]
CORPUS_DAYS = 8


def make_site(
    data: Path, out: Path, engine: str = "whoosh", **options
) -> tuple[Store, SearchIndex]:
    """Open the store and the engine's index in `data`, sync the index and build into `out`."""
    store = Store(data / "papers.sqlite3")
    index = open_index(data, engine)
    index.ensure(store)
    build(store, index, out, base_url="https://example.org/pb/", topics=TOPICS, **options)
    return store, index


def _scratch(name: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"paperboy-{name}-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def demo_site() -> Path:
    """The demo pages and the hostile papers, built with Pagefind (once per run)."""
    root = _scratch("demo")
    with Store(root / "data" / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
        store.ingest(hostile_listing())
    store, index = make_site(root / "data", root / "site")
    index.close()
    store.close()
    return root / "site"


SHARD_PAGES = 3  # paper pages per Pagefind shard in sharded_site()


@functools.cache
def sharded_site() -> tuple[Path, str]:
    """The demo pages built with Pagefind in shards of SHARD_PAGES paper pages (as a big
    archive is), and the build's line about its search bundle (once per run)."""
    root = _scratch("shards")
    with Store(root / "data" / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("server.site.pagefind.SHARD_PAGES", SHARD_PAGES)
        with Store(root / "data" / "papers.sqlite3") as store:
            index = open_index(root / "data", "whoosh")
            index.ensure(store)
            report = build(store, index, root / "site", base_url="https://example.org/pb/")
            index.close()
    return root / "site", report.search


def corpus_days() -> list[Path]:
    """The saved Hugging Face API days of the corpus (needed: skips or fails when absent)."""
    days = sorted((CORPUS / "bulk").glob("hf-daily-papers-api_*/*.json"))
    need(len(days) >= CORPUS_DAYS, f"the saved corpus is absent at {CORPUS}")
    return days[-CORPUS_DAYS:]


@functools.cache
def _corpus_site(days: tuple[Path, ...]) -> Path:
    root = _scratch("corpus")
    with Store(root / "data" / "papers.sqlite3") as store:
        import_paths(store, [str(p) for p in days])
    store, index = make_site(root / "data", root / "site", pagefind=False)
    index.close()
    store.close()
    return root / "site"


def corpus_site() -> Path:
    """A few real Hugging Face days from the saved corpus, built without Pagefind."""
    return _corpus_site(tuple(corpus_days()))


# Named days of the bulk corpus: Llama 3 (533 authors) on 2024-08-01, LongLive-2.0 (NVIDIA,
# Hugging Face's summary, code, project page, stars) on 2026-05-19, and the days around them.
BULK_DAYS = ("2024-07-31", "2024-08-01", "2026-05-18", "2026-05-19")


def bulk_site() -> Path:
    """The BULK_DAYS of the saved corpus, built without Pagefind (once per run)."""
    found = {p.stem: p for p in (CORPUS / "bulk").glob("hf-daily-papers-api_*/*.json")}
    need(all(d in found for d in BULK_DAYS), f"the saved corpus is absent at {CORPUS}")
    return _corpus_site(tuple(found[d] for d in BULK_DAYS))


def sites() -> list[Path]:
    """Both built sites."""
    return [demo_site(), corpus_site()]


def page_kinds(site: Path) -> dict[str, Path]:
    """One HTML page of each kind in a built site."""
    first = {
        kind: sorted((site / kind).glob("*.html"))[0]
        for kind in ("day", "week", "month", "paper", "topic")
        if (site / kind).is_dir()
    }
    named = {n: site / f"{n}.html" for n in ("index", "archive", "about", "search", "topics")}
    return {**named, **first}


def copy_site(site: Path, to: Path) -> Path:
    """A copy of a built site (for tests that change it)."""
    shutil.copytree(site, to)
    return to
