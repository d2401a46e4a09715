"""Feeds and indexing files: Atom feeds made with feedgen, sitemap.xml, robots.txt, search JSON.

feedgen writes the feeds; the sitemap, a flat list of URLs, is escaped text in the exact layout
ElementTree gives (6x faster; tests parse it with ElementTree). Every date comes from the data
(a feed's updated is its newest entry), so rebuilds are byte-identical.
"""

from __future__ import annotations

import json
import posixpath
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator

from server.index import SearchIndex
from server.site.data import SiteData, Topic, top_upvotes
from server.site.markup import long_date
from server.text import paper_page

ARCHIVE_ENTRIES = 50
DAILY_ENTRIES = 30
TOPIC_ENTRIES = 30
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _when(day: str | None) -> datetime:
    return datetime.fromisoformat((day or "1970-01-01")[:10]).replace(tzinfo=UTC)


def _href(base_url: str, feed: str, target: str) -> str:
    """An absolute URL under base_url, or a link relative to the feed file."""
    if base_url:
        return base_url.rstrip("/") + "/" + target
    return posixpath.relpath(target, posixpath.dirname(feed))


def _feed(base_url: str, path: str, title: str, page: str, entries: list[dict]) -> bytes:
    fg = FeedGenerator()
    fg.id(f"urn:paperboy:feed:{path}")
    fg.title(title)
    fg.author({"name": "Paperboy"})
    fg.link(href=_href(base_url, path, page), rel="alternate")
    fg.link(href=_href(base_url, path, path), rel="self")
    fg.language("en")
    fg.updated(max((e["updated"] for e in entries), default=_when(None)))
    for e in entries:
        fe = fg.add_entry(order="append")
        fe.id(e["id"])
        fe.title(e["title"])
        fe.link(href=_href(base_url, path, e["page"] + ".html"))
        fe.updated(e["updated"])
        fe.summary(e["summary"] or e["title"])
        for name in e.get("authors", [])[:10]:
            fe.author({"name": name})
    return fg.atom_str(pretty=True)


def _paper_entry(data: SiteData, paper_id: str, day: str | None) -> dict:
    p = data.paper(paper_id)
    votes = top_upvotes(data.appearances(paper_id))
    summary = (f"{votes} upvotes. " if votes is not None else "") + p.abstract
    return {
        "id": f"urn:paperboy:paper:{p.id}",
        "title": p.title,
        "page": paper_page(p.id),
        "updated": _when(day or p.published),
        "summary": summary,
        "authors": p.authors,
    }


def archive_feed(data: SiteData, base_url: str) -> bytes:
    """Every paper as it is first listed, newest first."""
    first = {pid: apps[0].date for pid, apps in data.by_paper.items() if apps}
    newest = sorted(first, key=lambda pid: (first[pid], pid), reverse=True)[:ARCHIVE_ENTRIES]
    entries = [_paper_entry(data, pid, first[pid]) for pid in newest]
    return _feed(base_url, "feeds/archive.xml", "Paperboy: every paper", "index.html", entries)


def daily_feed(data: SiteData, base_url: str) -> bytes:
    """One entry per listing day: its top papers."""
    entries = []
    for day in data.days[:DAILY_ENTRIES]:
        top = data.top("day", day, 10)
        lines = [f"{n}. {data.paper(t.paper_id).title}" for n, t in enumerate(top, 1)]
        entries.append(
            {
                "id": f"urn:paperboy:day:{day}",
                "title": f"Top papers of {long_date(day)}, in Hugging Face's order",
                "page": f"day/{day}",
                "updated": _when(day),
                "summary": "\n".join(lines),
            }
        )
    return _feed(base_url, "feeds/daily.xml", "Paperboy: daily trending", "index.html", entries)


def topic_feed(data: SiteData, index: SearchIndex, topic: Topic, base_url: str) -> bytes:
    """The newest papers matching a topic's saved search."""
    hits = index.search(topic.query, per_page=TOPIC_ENTRIES, sort="date", facets=()).hits
    ids = [h.id for h in hits if data.store.resolve(h.id)]
    entries = [_paper_entry(data, pid, data.paper(pid).published) for pid in ids]
    path, page = f"feeds/topic/{topic.slug}.xml", f"topic/{topic.slug}.html"
    return _feed(base_url, path, f"Paperboy topic: {topic.name}", page, entries)


def sitemap(pages: list[str], base_url: str) -> bytes:
    """sitemap.xml listing every HTML page (absolute URLs need a base URL).

    37k pages in 25 ms, against 160 ms through ElementTree: it is rewritten on every new day.
    """
    urls = "".join(
        f"  <url>\n    <loc>{escape(_href(base_url, '', page))}</loc>\n  </url>\n"
        for page in sorted(pages)
    )
    head = f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{SITEMAP_NS}\">\n"
    return (head + urls + "</urlset>\n").encode()


def robots(base_url: str) -> bytes:
    """robots.txt: everything may be crawled; where the sitemap is."""
    lines = ["User-agent: *", "Allow: /"]
    if base_url:
        lines.append(f"Sitemap: {base_url.rstrip('/')}/sitemap.xml")
    return ("\n".join(lines) + "\n").encode()


def search_entry(data: SiteData, paper_id: str) -> str:
    """One paper in the search index, as its JSON object {id, title, authors, date, url}.

    Entries are kept encoded between builds, so a new day re-encodes only its own papers.
    """
    p = data.paper(paper_id)
    apps = data.appearances(paper_id)
    day = p.published or (apps[0].date if apps else "")
    row = {"id": p.id, "title": p.title, "authors": p.authors[:5], "date": day}
    row["url"] = paper_page(p.id) + ".html"
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def search_files(entries: dict[str, str]) -> tuple[bytes, bytes]:
    """The search index as JSON, and as a script for file:// where fetch is not allowed."""
    text = "[" + ",".join(entries[k] for k in sorted(entries)) + "]"
    script = "window.PAPERBOY_INDEX = " + text.replace("</", "<\\/") + ";\n"
    return (text + "\n").encode(), script.encode()
