"""Shared fixtures: the saved corpus beside the project, and skips that become failures in CI."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
SEED = ROOT.parent / "shared" / "seed" / "hf-papers-page.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


pytest_plugins = ["ci_skips"]  # under CI=true, every skip is a failure


def need(condition: bool, reason: str) -> None:
    """Skip when a tool or file is missing (under CI=true, ci_skips makes that a failure)."""
    if not condition:
        pytest.skip(reason)


@pytest.fixture(params=["whoosh", "tantivy"])
def engine(request) -> str:
    """Each index engine in turn: a test taking this runs against both."""
    if request.param == "tantivy":
        installed = importlib.util.find_spec("tantivy") is not None
        need(installed, "tantivy is not installed (pip install 'paperboy[tantivy]')")
    return request.param


@pytest.fixture
def corpus() -> Path:
    """The real saved pages in ../shared/corpus (skips where a fresh clone has none)."""
    need(CORPUS.is_dir(), f"the saved corpus is absent at {CORPUS}")
    return CORPUS


@pytest.fixture
def seed() -> Path:
    """The text copy of a Hugging Face Papers page in ../shared/seed."""
    need(SEED.is_file(), f"the seed page is absent at {SEED}")
    return SEED


def read_fixture(name: str) -> str:
    """Text of one of our own hand-written pages under tests/fixtures."""
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hf_store(tmp_path_factory: pytest.TempPathFactory):
    """A store of about a thousand real papers: the corpus's HF bulk set, its first 60 days."""
    from server.crawl.importer import import_paths
    from server.store import Store

    bulk = CORPUS / "bulk" / "hf-daily-papers-api_2404589803"
    need(bulk.is_dir(), f"the HF bulk corpus is absent at {bulk}")
    with Store(tmp_path_factory.mktemp("hf-store") / "papers.sqlite3") as made:
        import_paths(made, [str(day) for day in sorted(bulk.iterdir())[:60]])
        assert made.count("papers") > 500
        yield made
