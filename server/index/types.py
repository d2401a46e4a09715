"""What the search index reads, answers with, and how it fails: shared by both engines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from whoosh import query

from server.models import IndexRow


class QueryError(ValueError):
    """A search query that does not parse or is refused; the message says what is wrong."""

    what = "the query does not parse"  # how the API and the CLI introduce the message


class QueryRefused(QueryError):
    """A query that parses but would cost too much (index_bounds); the message says why and
    what to search for instead."""

    what = "the query is refused"


class IndexCorrupt(Exception):
    """The index is missing or cannot be read: `paperboy reindex` rebuilds it."""


class EngineMissing(Exception):
    """The configured index engine is unknown or its package is not installed."""


@dataclass
class Hit:
    """One search result: the paper id and its relevance score (0 when sorted otherwise)."""

    id: str
    score: float


@dataclass
class SearchResult:
    """One page of hits, the total, facets over all hits, a did-you-mean, and notes on how the
    query was narrowed (a wildcard that stood for too many words), and the terms its hits'
    highlights mark."""

    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    page: int
    per_page: int
    notes: list[str] = field(default_factory=list)
    marks: set[tuple[str, bytes]] = field(default_factory=set)  # (field, term) pairs to mark


@dataclass
class Similar:
    """A similar paper, its score, and the key terms it shares with the original."""

    id: str
    score: float
    terms: list[str]


@dataclass
class Ask:
    """One checked search request, its query parsed (query.Every() for an empty one)."""

    q: str
    parsed: query.Query
    page: int
    per_page: int
    sort: str
    date_from: str | None
    date_to: str | None
    cat: str | None
    facets: tuple[str, ...]

    @property
    def limit(self) -> int:
        """Hits up to the end of the asked page."""
        return self.page * self.per_page

    @property
    def start(self) -> int:
        """Where the asked page begins among the hits."""
        return (self.page - 1) * self.per_page


PaperText = tuple[str, str, str]  # a paper's id, title and abstract


class PaperSource(Protocol):
    """What the index reads from the store (which is one): the index never opens its file."""

    def count(self, table: str) -> int:
        """Rows in one of the store's tables ("papers")."""

    def last_change(self) -> str:
        """The time of the latest change to any paper or its lists."""

    def index_rows(self, since: str | None = None) -> Iterator[IndexRow]:
        """Papers changed after `since` (all when None), with their list summary."""

    def paper_texts(self) -> Iterator[PaperText]:
        """Every paper's id, title and abstract, by id (what the similarity file reads)."""

    def aliases(self) -> list[str]:
        """Ids that were folded into another paper."""

    def paper_ids(self) -> set[str]:
        """The id of every stored paper."""
