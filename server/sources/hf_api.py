"""Read Hugging Face /api/daily_papers JSON, and map daily-paper items (hf_page reuses it)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

from server.models import Appearance, Listing, Paper, Problem, canonical
from server.sources import budget, pyrepr
from server.sources.common import (
    add_paper,
    clean,
    clean_field,
    iso_date,
    safe_output,
    to_int,
)
from server.sources.errors import ParseError

KIND = "hf-api"
DESCRIPTION = "Hugging Face daily papers API JSON (huggingface.co/api/daily_papers, saved copies)"

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ITEM_HEAD = re.compile(r"""["']paper["']\s*:\s*\{\s*["']id["']""")
# What a caught json failure can be on hostile input.
_DECODE_ERRORS = (ValueError, RecursionError)
# The longest item string read: the real dumps' longest is 22,564 characters.
MAX_ITEM_CHARS = 65_536


def matches(text: str, url: str | None) -> bool:
    """JSON whose head holds daily-paper items, or anything fetched from the HF papers API."""
    head = text[:8192].lstrip()[:4096]
    if not head.startswith(("[", "{")):
        return False
    if url and ("/api/daily_papers" in url or "huggingface.co/api/papers/" in url):
        return True
    if '"status_code"' in head and '"body"' in head:
        return False  # a recorded HTTP response: unwrap() hands us its body instead
    return bool(_ITEM_HEAD.search(head))


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """Papers and hf-daily appearances from an API response (list, repr strings or wrapper)."""
    data = _load(text)
    listing = Listing(kind=KIND, url=url)
    if isinstance(data, dict) and "id" in data and "title" in data:
        paper = paper_from_json(data, None, "paper", listing.problems)  # /api/papers/<id>
        listing.papers.extend([paper] if paper else [])
        return listing
    items, wrapper = _items(data)
    listing.total = to_int(wrapper.get("count"))
    date = url_date(url) or iso_date(_text(wrapper.get("date")))
    read_items(items, listing, "hf-daily", date)
    return listing


def _load(text: str) -> object:
    try:
        return budget.load_json(text)
    except _DECODE_ERRORS as err:
        raise ParseError(f"not Hugging Face API JSON: {err}") from None


def _items(data: object) -> tuple[list, dict]:
    """The item list and, for the {status, date, count, data} wrapper, the wrapper itself."""
    if isinstance(data, list):
        return data, {}
    if isinstance(data, dict):
        for key in ("data", "dailyPapers"):
            if isinstance(data.get(key), list):
                return data[key], data
        if "error" in data:
            raise ParseError(f"the Hugging Face API answered with an error: {clean(data['error'])}")
    raise ParseError("not a Hugging Face daily papers list: expected a JSON list of items")


def url_date(url: str | None) -> str | None:
    """The day a URL names: its date= parameter, else a YYYY-MM-DD in its last path segment."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    for value in parse_qs(parts.query).get("date", []):
        if iso_date(value):
            return iso_date(value)
    found = _DAY.search(unquote(parts.path).rstrip("/").rsplit("/", 1)[-1])
    return iso_date(found.group()) if found else None


def read_items(items: list, listing: Listing, list_name: str | None, date: str | None) -> None:
    """Add daily-paper items to the listing; date None means each item's own daily date."""
    seen: set[str] = set()
    for rank, raw in enumerate(items, start=1):
        budget.check()
        item = _as_item(raw, f"item {rank}", listing.problems)
        paper = item_paper(item, f"item {rank}", listing.problems) if item else None
        if paper is None:
            continue
        if not add_paper(listing, seen, paper):
            continue
        if list_name:
            day = date or item_date(item)
            listing.appearances.append(item_appearance(item, paper.id, list_name, rank, day))
    days = {a.date for a in listing.appearances}
    listing.date = date or (days.pop() if len(days) == 1 else None)


def _as_item(raw: object, label: str, problems: list[Problem]) -> dict | None:
    """An item object; items saved as strings (JSON or Python repr) are read up to a cap."""
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        if len(raw) > MAX_ITEM_CHARS:
            reason = f"item string of {len(raw)} characters is over the cap of {MAX_ITEM_CHARS}"
            problems.append(Problem(label, reason))
            return None
        raw = _item_string(raw)
        if raw is None:
            problems.append(Problem(label, "item string is not a readable Python literal"))
            return None
    if isinstance(raw, dict) and isinstance(raw.get("paper"), dict):
        return raw
    problems.append(Problem(label, "no paper object"))
    return None


def _item_string(raw: str) -> object | None:
    """The value of an item string: JSON, else the Python repr some saved dumps hold."""
    try:
        return json.loads(raw)
    except _DECODE_ERRORS:
        pass
    try:
        return json.loads(pyrepr.to_json(raw))
    except _DECODE_ERRORS:
        return None


def item_paper(item: dict, label: str, problems: list[Problem]) -> Paper | None:
    """The Paper of one daily-paper item ({paper: {...}, title, ...}), or None with a problem;
    the item's own thumbnail and organisation fill what the paper object lacks."""
    paper = paper_from_json(item["paper"], item.get("title"), label, problems)
    if paper is None:
        return None
    if paper.org is None:
        paper.org, paper.org_name = _organisation(item.get("organization"))
    paper.thumbnail = paper.thumbnail or _text(item.get("thumbnail")).strip() or None
    return paper


def paper_from_json(
    raw: dict, fallback_title: object, label: str, problems: list[Problem]
) -> Paper | None:
    """A Paper from an HF paper object (id, title, summary, authors...); None with a problem."""
    ref = canonical(_text(raw.get("id")))
    if ref is None:
        problems.append(Problem(label, f"no arXiv id in {_text(raw.get('id'))!r}"))
        return None
    title = clean_field(_text(raw.get("title"))) or clean_field(_text(fallback_title))
    if not title:
        problems.append(Problem(ref.id, "no title"))
        return None
    org, org_name = _organisation(raw.get("organization"))
    code_url = _text(raw.get("githubRepo")).strip() or None
    return Paper(
        id=ref.id,
        version=ref.version,
        title=title,
        abstract=clean_field(_text(raw.get("summary"))),
        authors=_authors(raw.get("authors")),
        published=iso_date(_text(raw.get("publishedAt"))),
        code_url=code_url,
        project_url=_text(raw.get("projectPage")).strip() or None,
        # stars without a repository to count them for are not a reading
        github_stars=_count(raw.get("githubStars")) if code_url else None,
        org=org,
        org_name=org_name,
        hf_summary=clean_field(_text(raw.get("ai_summary"))) or None,
        hf_keywords=_keywords(raw.get("ai_keywords")),
        thumbnail=_text(raw.get("thumbnail")).strip() or None,
    )


MAX_KEYWORDS = 30  # Hugging Face gives a dozen or so; a page with thousands is not believed


def _keywords(raw: object) -> list[str]:
    """Hugging Face's AI keywords: distinct non-empty strings, in order, at most MAX_KEYWORDS."""
    if not isinstance(raw, list):
        return []
    found: dict[str, None] = {}
    for value in raw[: MAX_KEYWORDS * 4]:
        word = clean(_text(value))[:100]
        if word and word.lower() not in (w.lower() for w in found):
            found[word] = None
    return list(found)[:MAX_KEYWORDS]


def _organisation(raw: object) -> tuple[str | None, str | None]:
    """(id, display name) of an HF organisation object {name, fullname, ...}; (None, None)."""
    if not isinstance(raw, dict):
        return None, None
    name = clean(_text(raw.get("name")))[:100] or None
    full = clean(_text(raw.get("fullname")))[:200] or None
    return (name, full or name) if name else (None, None)


def _count(value: object) -> int | None:
    """A count: a whole number from 0 up (to_int refuses bools), else None."""
    number = to_int(value)
    return number if number is not None and number >= 0 else None


def _authors(raw: object) -> list[str]:
    if not isinstance(raw, list):
        return []
    names = (clean(a.get("name")) if isinstance(a, dict) else "" for a in raw)
    return [name for name in names if name]


def item_date(item: dict) -> str | None:
    """The day an item was on the daily list: paper.submittedOnDailyAt, else its publishedAt."""
    day = iso_date(_text(item["paper"].get("submittedOnDailyAt")))
    return day or iso_date(_text(item.get("publishedAt")))


def item_appearance(
    item: dict, paper_id: str, list_name: str, rank: int, date: str | None
) -> Appearance:
    """The Appearance of one item: rank, upvotes, comments and submitter."""
    return Appearance(
        paper_id=paper_id,
        list=list_name,
        date=date,
        rank=rank,
        upvotes=to_int(item["paper"].get("upvotes")),
        comments=to_int(item.get("numComments")),
        submitter=_submitter(item.get("submittedBy")),
    )


def _submitter(raw: object) -> str | None:
    if not isinstance(raw, dict):
        return None
    return clean(_text(raw.get("fullname"))) or clean(_text(raw.get("name"))) or None


def _text(value: object) -> str:
    """A JSON string value, or '' for anything else (numbers and objects are not text here)."""
    return value if isinstance(value, str) else ""
