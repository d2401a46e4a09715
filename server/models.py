"""The data every part of Paperboy shares: Paper, Appearance, Listing, and canonical paper ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

# Lists a paper can appear on. The arXiv ones are qualified by a category.
LISTS = (
    "hf-daily",
    "hf-weekly",
    "hf-monthly",
    "arxiv-new",
    "arxiv-recent",
    "arxiv-pastweek",
    "arxiv-month",
    "arxiv-rss",
    "text",
)
RANKED_LISTS = ("hf-daily", "hf-weekly", "hf-monthly")  # ordered by rank, not by announcement


@dataclass
class Paper:
    """One paper, merged across every source that mentioned it."""

    id: str
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    version: int | None = None
    published: str | None = None  # ISO date of v1 (or of publication for non-arXiv papers)
    updated: str | None = None  # ISO date of the latest version
    categories: list[str] = field(default_factory=list)  # primary first
    doi: str | None = None
    comments: str | None = None
    journal_ref: str | None = None
    code_url: str | None = None
    project_url: str | None = None
    url: str | None = None  # landing page, for papers that are not on arXiv
    # What Hugging Face knows of it: its GitHub stars as last read (their history is the store's
    # star readings), the organisation that posted it (id and display name), the AI summary and
    # keywords it wrote (shown as Hugging Face's), and its thumbnail image.
    github_stars: int | None = None
    org: str | None = None
    org_name: str | None = None
    hf_summary: str | None = None
    hf_keywords: list[str] = field(default_factory=list)
    thumbnail: str | None = None


@dataclass
class Appearance:
    """A paper's place on one list on one day: rank, upvotes, comments as last observed."""

    paper_id: str
    list: str
    date: str | None
    category: str = ""
    rank: int | None = None
    upvotes: int | None = None
    comments: int | None = None
    submitter: str | None = None
    section: str | None = None  # arXiv /new sections: new, cross-list, replacement


@dataclass
class Problem:
    """An item a parser skipped, and why."""

    item: str
    reason: str


@dataclass
class Listing:
    """What a parser read from one page: papers, their appearances, and what it skipped."""

    kind: str
    url: str | None = None
    date: str | None = None
    papers: list[Paper] = field(default_factory=list)
    appearances: list[Appearance] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total: int | None = None  # the number of entries the page says the whole list holds
    next_url: str | None = None  # the next page of a paged list, when the page links it
    # the day the page was read, when not today (a stored page read again): its GitHub stars
    # are a reading of that day; a saved file's are of its listing's day
    read_on: str | None = None


# The kinds of repository on the Hugging Face Hub, and where each one's page lives there.
ARTIFACT_KINDS = ("model", "dataset", "space")
_HUB_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
HUB = "https://huggingface.co"


@dataclass
class Artifact:
    """A model, dataset or Space on the Hugging Face Hub that cites a paper (tagged arxiv:ID)."""

    kind: str  # one of ARTIFACT_KINDS
    repo_id: str  # "owner/name" (a few old models have no owner)
    likes: int | None = None
    downloads: int | None = None  # the Hub counts none for Spaces

    @property
    def url(self) -> str:
        """Its page on the Hub: huggingface.co/ID, /datasets/ID or /spaces/ID."""
        return f"{HUB}/{_HUB_PREFIX[self.kind]}{self.repo_id}"


@dataclass
class IndexRow:
    """What the search index needs of one paper: the record and its list summary (the store
    reads it, the index writes it)."""

    paper: Paper
    first_seen: str
    changed_at: str
    last_trended: str | None
    upvotes: int | None


class Ref(NamedTuple):
    """A canonical paper id and, when the input named one, its version."""

    id: str
    version: int | None = None


_NEW_ID = re.compile(r"(?P<ym>\d{4})\.(?P<num>\d{4,5})(?:v(?P<v>\d+))?")
_OLD_ID = re.compile(
    r"(?P<arch>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2})?/(?P<ym>\d{4})(?P<num>\d{3})(?:v(?P<v>\d+))?"
)
_ARXIV_HOSTS = {
    "arxiv.org",
    "www.arxiv.org",
    "export.arxiv.org",
    "ar5iv.labs.arxiv.org",
    "ar5iv.org",
    "huggingface.co",
    "www.huggingface.co",
    "hf.co",
    "alphaxiv.org",
    "www.alphaxiv.org",
    "browse.arxiv.org",
}
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
_PATH_ID = re.compile(
    r"^/(?:abs|pdf|html|format|ps|src|papers|overview|list-id)/(?P<id>.+?)(?:\.pdf)?/?$"
)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>.+)$", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_TITLE_ID = re.compile(r"^title:[0-9a-f]{16}$")


def _valid_month(ym: str, old: bool) -> bool:
    year, month = int(ym[:2]), int(ym[2:])
    if not 1 <= month <= 12:
        return False
    return year >= 91 or year <= 7 if old else True


def _bare_arxiv(text: str) -> Ref | None:
    """Match a bare arXiv id (new or old style, optional version) and nothing else."""
    m = _NEW_ID.fullmatch(text)
    if m:
        short = int(m["ym"]) < 1501
        if not _valid_month(m["ym"], old=False) or (len(m["num"]) == 4) != short:
            return None
        return Ref(f"{m['ym']}.{m['num']}", int(m["v"]) if m["v"] else None)
    m = _OLD_ID.fullmatch(text)
    if m and _valid_month(m["ym"], old=True):
        return Ref(f"{m['arch']}/{m['ym']}{m['num']}", int(m["v"]) if m["v"] else None)
    return None


def _from_url(text: str) -> Ref | None:
    try:
        parts = urlsplit(text if "://" in text else "https://" + text)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unbalanced IPv6 bracket: not a URL we know
        return None
    path = unquote(parts.path)
    if host in _DOI_HOSTS:
        return canonical(path.lstrip("/"))
    if host not in _ARXIV_HOSTS:
        return None
    m = _PATH_ID.match(path)
    return _bare_arxiv(m["id"]) if m else None


def canonical(text: str | None) -> Ref | None:
    """Turn any paper URL or id form into its canonical id and version; None if it is none."""
    if not text or not isinstance(text, str):
        return None
    s = text.strip()
    lower = s.lower()
    for prefix in ("arxiv:", "oai:arxiv.org:", "doi:", "https://doi.org/", "http://doi.org/"):
        if lower.startswith(prefix):
            s, lower = s[len(prefix) :].strip(), lower[len(prefix) :].strip()
            break
    if _TITLE_ID.match(s):
        return Ref(s)
    m = _ARXIV_DOI.match(s)
    if m:
        return _bare_arxiv(m["id"])
    if _DOI.match(s):
        return Ref("doi:" + lower)
    if s.startswith("/"):
        m = _PATH_ID.match(s)
        return _bare_arxiv(m["id"]) if m else None
    if "/" in s and ("." in s.split("/", 1)[0] and not _OLD_ID.fullmatch(s)):
        return _from_url(s)
    return _bare_arxiv(s) or (_from_url(s) if "://" in s else None)


def normalise_title(title: str) -> str:
    """Fold a title to the form used to recognise the same paper across sources."""
    if title.isascii():  # most titles: NFKD leaves ASCII as it is, and casefold() is lower()
        plain = title.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", title)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def title_id(title: str) -> str:
    """A stable id for a paper known only by its title."""
    digest = hashlib.sha1(normalise_title(title).encode()).hexdigest()
    return "title:" + digest[:16]


def doi_id(doi: str) -> str | None:
    """The canonical id for a DOI: the arXiv id for arXiv DOIs, else ``doi:<lowercased doi>``."""
    ref = canonical(doi)
    return ref.id if ref else None


def is_arxiv_id(paper_id: str) -> bool:
    """True when the id is an arXiv id (not a title or DOI id)."""
    return not paper_id.startswith(("title:", "doi:"))
