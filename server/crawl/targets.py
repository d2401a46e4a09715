"""Which URLs to scrape: HF days, weeks and months, arXiv lists, Atom batches, abstract pages,
and the Hugging Face Hub's lists of the models, datasets and Spaces citing a paper.

Base URLs are settings (hf_url, arxiv_url, arxiv_api_url), so tests point the crawler at a local
replay server. Parsers and raw pages see the public URL the page stands for
(`https://huggingface.co/...`), so what is stored does not depend on where it was fetched from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

from server.config import ConfigError
from server.models import canonical

PUBLIC = {
    "arxiv_api_url": "https://export.arxiv.org/api/query",
    "hf_url": "https://huggingface.co",
    "arxiv_url": "https://arxiv.org",
}
HUB_LIST = {"model": "models", "dataset": "datasets", "space": "spaces"}  # kind -> /api/ path
HUB_LIMIT = 50  # artifacts of each kind asked for per paper, the most liked first
ATOM_BATCH = 100  # ids per arXiv API request (its documented comfortable maximum)
_LIST_SPEC = re.compile(r"^[A-Za-z-]+(\.[A-Za-z-]+)?/(new|recent|pastweek|\d{4})$")
_WEEK = re.compile(r"^\d{4}-W\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
SOURCES = ("hf", "arxiv")


@dataclass
class Target:
    """One URL to fetch, and what it is for."""

    url: str
    label: str  # how reports name it: "hf 2024-08-01", "arxiv cs.LG/new"
    expect: str = "any"  # content type family: json, html, xml, any
    base: str | None = None  # the setting its URL starts with (hf_url, arxiv_url, ...)
    list: str | None = None  # the list it reads, for provisional days
    category: str = ""
    day: str | None = None  # the day it lists, when the URL names one


def _base(config, name: str) -> str:
    return str(config[name]).rstrip("/")


def hf_day(config, day: str, via: str = "api") -> Target:
    """A Hugging Face daily list: the API (default) or the /papers/date/D page."""
    if via == "api":
        url = f"{_base(config, 'hf_url')}/api/daily_papers?date={day}"
        return Target(url, f"hf {day}", "json", "hf_url", "hf-daily", day=day)
    url = f"{_base(config, 'hf_url')}/papers/date/{day}"
    return Target(url, f"hf {day}", "html", "hf_url", "hf-daily", day=day)


def hf_period(config, period: str) -> Target:
    """A Hugging Face weekly (2024-W31) or monthly (2024-08) page."""
    if _WEEK.match(period):
        kind, name = "week", "hf-weekly"
    elif _MONTH.match(period):
        kind, name = "month", "hf-monthly"
    else:
        raise ConfigError(f"{period!r} is neither a week (2024-W31) nor a month (2024-08)")
    url = f"{_base(config, 'hf_url')}/papers/{kind}/{period}"
    return Target(url, f"hf {period}", "html", "hf_url", name)


def arxiv_list(config, spec: str) -> Target:
    """An arXiv listing, 'cs.LG/new' (or /recent, /pastweek, /2301)."""
    if not _LIST_SPEC.match(spec):
        raise ConfigError(f"{spec!r} is not an arXiv list: use CATEGORY/new|recent|pastweek|YYMM")
    category, period = spec.split("/")
    names = {"new": "arxiv-new", "recent": "arxiv-recent", "pastweek": "arxiv-pastweek"}
    name = names.get(period, "arxiv-month")
    url = f"{_base(config, 'arxiv_url')}/list/{spec}"
    return Target(url, f"arxiv {spec}", "html", "arxiv_url", name, category)


def arxiv_abs(config, ref: str) -> Target:
    """An arXiv abstract page, for any id or URL form."""
    parsed = canonical(ref)
    if parsed is None or parsed.id.startswith(("doi:", "title:")):
        raise ConfigError(f"{ref!r} is not an arXiv id")
    url = f"{_base(config, 'arxiv_url')}/abs/{parsed.id}"
    return Target(url, f"arxiv abs {parsed.id}", "html", "arxiv_url")


def batches(ids: list[str], size: int = ATOM_BATCH) -> list[list[str]]:
    """ids in runs of at most `size` (the arXiv API takes up to 100 per request comfortably)."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def atom_batch(config, ids: list[str]) -> Target:
    """An arXiv API request for these ids (id_list)."""
    url = f"{_base(config, 'arxiv_api_url')}?id_list={','.join(ids)}&max_results={len(ids)}"
    return Target(url, f"arxiv api {len(ids)} ids from {ids[0]}", "xml", "arxiv_api_url")


def hub_list(config, kind: str, paper_id: str) -> Target:
    """The Hub's list of the public models, datasets or Spaces tagged arxiv:ID, most liked first."""
    tag = quote(f"arxiv:{paper_id}", safe=":")
    url = (
        f"{_base(config, 'hf_url')}/api/{HUB_LIST[kind]}?filter={tag}"
        f"&sort=likes&direction=-1&limit={HUB_LIMIT}"
    )
    return Target(url, f"hub {paper_id} {HUB_LIST[kind]}", "json", "hf_url")


def url_target(url: str) -> Target:
    """Any page by URL; its kind is detected once fetched."""
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{url!r} is not an http(s) URL")
    return Target(url, url)


def public_url(config, url: str, base: str | None = None) -> str:
    """The URL on the public site that a fetched URL stands for (itself when it is public)."""
    names = [base] if base else sorted(PUBLIC, key=lambda n: -len(_base(config, n)))
    for name in names:
        prefix = _base(config, name)
        if url.startswith(prefix) and (len(url) == len(prefix) or url[len(prefix)] in "/?"):
            return PUBLIC[name] + url[len(prefix) :]
    return url


def days(first: str, last: str) -> list[str]:
    """ISO days from first to last, inclusive."""
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    if end < start:
        raise ConfigError(f"--until {last} is before --since {first}")
    return [(start + timedelta(n)).isoformat() for n in range((end - start).days + 1)]


def window(today: str, count: int) -> list[str]:
    """The last `count` days up to today, oldest first."""
    end = date.fromisoformat(today)
    return [(end - timedelta(n)).isoformat() for n in reversed(range(max(1, count)))]


def update_targets(config, today: str) -> list[Target]:
    """What `paperboy update` fetches: HF's last repoll_days days, arXiv /new per category."""
    unknown = [s for s in config["sources"] if s not in SOURCES]
    if unknown:
        raise ConfigError(f"sources: unknown {', '.join(unknown)} (known: {', '.join(SOURCES)})")
    targets = []
    if "hf" in config["sources"]:
        targets += [hf_day(config, d) for d in window(today, int(config["repoll_days"]))]
    if "arxiv" in config["sources"]:
        targets += [arxiv_list(config, f"{cat}/new") for cat in config["categories"]]
    return targets


def provisional_target(config, day) -> Target:
    """The target that polls a provisional list again."""
    if day.list == "hf-daily":
        target = hf_day(config, day.date)
    else:
        target = Target(day.url, f"{day.list} {day.category} {day.date}".replace("  ", " "))
        target.list, target.category, target.day = day.list, day.category, day.date
    target.label += " (provisional)"
    return target
