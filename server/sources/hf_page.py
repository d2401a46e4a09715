"""Read Hugging Face papers HTML pages: daily, weekly and monthly lists, and single paper pages."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from server.models import Appearance, Listing, Paper, Problem, canonical
from server.sources import budget
from server.sources.common import (
    add_paper,
    clean,
    html_soup,
    iso_date,
    safe_output,
    to_int,
)
from server.sources.errors import ParseError
from server.sources.hf_api import paper_from_json, read_items, url_date

KIND = "hf-page"
DESCRIPTION = "Hugging Face Papers pages (huggingface.co/papers daily, weekly, monthly, one paper)"

_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
_PERIODS = {"date": "hf-daily", "week": "hf-weekly", "month": "hf-monthly"}
_PROP_PERIODS = {"day": "hf-daily", "week": "hf-weekly", "month": "hf-monthly"}
_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def matches(text: str, url: str | None) -> bool:
    """HTML from huggingface.co/papers, or a saved page carrying the DailyPapers data island."""
    if not text[:4096].lstrip().startswith("<"):
        return False
    if _papers_path(url) is not None:
        return True
    head = text[:8192]
    return 'data-target="DailyPapers"' in text or (
        "SVELTE_HYDRATER" in text and 'content="https://huggingface.co/papers' in head
    )


def _papers_path(url: str | None) -> list[str] | None:
    """The path segments after /papers on a Hugging Face URL, else None."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if (parts.hostname or "").lower() not in _HOSTS or segments[:1] != ["papers"]:
        return None
    return segments[1:]


@safe_output
def parse(text: str, url: str | None = None) -> Listing:
    """Papers and their hf-daily/weekly/monthly appearances; one Paper for a paper page."""
    soup = html_soup(text)
    listing = Listing(kind=KIND, url=url)
    props, items, single = _islands(soup)
    if single and (items is None or _is_paper_url(url)):
        paper = paper_from_json(single["paper"], single.get("title"), "paper", listing.problems)
        listing.papers.extend([paper] if paper else [])
    elif items is not None:
        list_name, day = _list_and_date(url, props)
        read_items(items, listing, list_name, day)
    else:
        _read_cards(soup, listing, url)
    return listing


def _is_paper_url(url: str | None) -> bool:
    """True for huggingface.co/papers/<arXiv id>."""
    segments = _papers_path(url) or []
    return len(segments) == 1 and canonical(segments[0]) is not None


def _islands(soup: BeautifulSoup) -> tuple[dict, list | None, dict]:
    """The props holding paper items (DailyPapers first), those items, and paper-page props."""
    nodes = soup.select('[data-target="DailyPapers"][data-props]') + soup.select("[data-props]")
    found: tuple[dict, list | None] = ({}, None)
    single: dict = {}
    for node in nodes:
        budget.check()
        props = _props(node)
        items = _item_list(props)
        if items is not None and found[1] is None:
            found = (props, items)
        if not single and isinstance(props.get("paper"), dict) and "id" in props["paper"]:
            single = props
    return found[0], found[1], single


def _props(node: Tag) -> dict:
    raw = node.get("data-props")
    try:
        props = budget.load_json(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        return {}  # a broken island: the cards may still be read
    return props if isinstance(props, dict) else {}


def _item_list(props: dict) -> list | None:
    """The first list of {paper: {...}} items in the props (an empty dailyPapers counts)."""
    if isinstance(props.get("dailyPapers"), list):
        return props["dailyPapers"]
    for value in props.values():
        if isinstance(value, list) and any(
            isinstance(i, dict) and isinstance(i.get("paper"), dict) for i in value[:5]
        ):
            return value
    return None


def _list_and_date(url: str | None, props: dict) -> tuple[str | None, str | None]:
    """Which HF list the page is and its date: from the URL, else from the props."""
    segments = _papers_path(url) or []
    if segments[:1] == ["trending"]:
        return None, None  # trending is ranked but not a dated list: papers only
    if len(segments) >= 2 and segments[0] in _PERIODS:
        return _PERIODS[segments[0]], period_date(segments[1]) or url_date(url)
    list_name = _PROP_PERIODS.get(str(props.get("periodType")), "hf-daily")
    for key in ("dateString", "date", "week", "month"):
        day = period_date(props.get(key))
        if day:
            return list_name, day
    return list_name, url_date(url)


def period_date(text: object) -> str | None:
    """A list's ISO date: YYYY-MM-DD as is, YYYY-Www its Monday, YYYY-MM its first day."""
    if not isinstance(text, str):
        return None
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        return iso_date(text)
    week = _WEEK.fullmatch(text.strip())
    if week:
        try:
            return date.fromisocalendar(int(week[1]), int(week[2]), 1).isoformat()
        except ValueError:
            return None
    month = _MONTH.fullmatch(text.strip())
    return iso_date(f"{month[1]}-{month[2]}-01") if month else None


def _read_cards(soup: BeautifulSoup, listing: Listing, url: str | None) -> None:
    """The server-rendered cards, when the data island is missing or broken (no abstracts)."""
    cards = soup.select("article")
    if not cards:
        raise ParseError(
            "no Hugging Face papers on this page: neither the DailyPapers data island nor "
            "paper cards (article h3 a) were found"
        )
    list_name, listing.date = _list_and_date(url, {})
    seen: set[str] = set()
    for rank, card in enumerate(cards, start=1):
        budget.check()
        paper = _card_paper(card, f"item {rank}", listing.problems)
        if paper is None:
            continue
        if not add_paper(listing, seen, paper):
            continue
        if list_name:
            listing.appearances.append(
                _card_appearance(card, paper.id, list_name, rank, listing.date)
            )


def _card_paper(card: Tag, label: str, problems: list[Problem]) -> Paper | None:
    link = card.select_one('h3 a[href*="/papers/"]')
    ref = canonical(str(link.get("href", ""))) if link else None
    title = clean(link.get_text()) if link else ""
    if ref is None or not title:
        problems.append(Problem(label, "card without a paper link and title (h3 a)"))
        return None
    return Paper(id=ref.id, version=ref.version, title=title)


def _card_appearance(
    card: Tag, paper_id: str, list_name: str, rank: int, day: str | None
) -> Appearance:
    """Rank, upvotes (the numeric div.leading-none), comments and submitter of a card."""
    votes = [to_int(v.get_text()) for v in card.select("div.leading-none")]
    comments = card.select_one('a[href$="#community"]')
    return Appearance(
        paper_id=paper_id,
        list=list_name,
        date=day,
        rank=rank,
        upvotes=next((v for v in votes if v is not None), None),
        comments=to_int(comments.get_text()) if comments else None,
        submitter=_card_submitter(card),
    )


def _card_submitter(card: Tag) -> str | None:
    """The name after 'Submitted by' on a card."""
    for node in card.find_all(string=re.compile("Submitted by")):
        parent = node.parent
        name = clean(parent.get_text(" ") if parent else "").removeprefix("Submitted by").strip()
        if name:
            return name
    return None
