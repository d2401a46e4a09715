"""The archive builder: store -> Markdown pages -> HTML, feeds, sitemap and search.

`_build()` reads like the site map:

    index                   home: trending now (by the trending score) and the latest days
    archive, about, trending, search, topics
    desk                    the reading desk: live when `paperboy serve` serves the site
    day/YYYY-MM-DD          one per listing day: ranked papers as compact entries
    week/YYYY-Www, month/YYYY-MM   most upvoted papers of the period, as compact entries
    paper/ID                HF signals above the abstract, trend table + SVG charts, similar, BibTeX
    topic/NAME              one per saved search: query, SVG chart per month, most upvoted, newest
    feeds/archive.xml, feeds/daily.xml, feeds/topic/NAME.xml   (Atom, by feedgen)
    sitemap.xml, robots.txt, search-index.json, pagefind/      (search without a server)

each page as Markdown (NAME.md) and HTML (NAME.html). Incremental by default: papers whose store
record has not changed since the last build keep their pages untouched, listing pages are
re-rendered only for days with a changed paper, and any file is written only when its bytes
differ.
"""

from __future__ import annotations

import gc
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from server.config import ConfigError
from server.index import QueryError, SearchIndex, Similar, check_query
from server.progress import step
from server.site import feeds, pages
from server.site import paper as site_paper
from server.site.data import SiteData, Topic, parse_topics
from server.site.markup import iso_week
from server.site.output import Output
from server.site.pagefind import index_pages
from server.site.render import ASSETS, Renderer, version
from server.store import Store, today
from server.text import paper_page

SIMILAR = site_paper.SIMILAR
NEIGHBOURS = 10  # a changed paper's most similar papers, whose pages are made again too
DEFAULT_BASE_URL = "http://127.0.0.1:8765/"  # where `paperboy serve` shows the site
DEFAULT_TOPICS = [
    ("Agents", "agent OR agents OR agentic"),
    ("Diffusion models", "diffusion"),
    ("Reasoning", "reasoning"),
]


@dataclass
class BuildReport:
    """What a build did: files written (path, why), files left as they were, pages, time."""

    written: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    pages: int = 0
    seconds: float = 0.0  # the whole build, Pagefind included
    search: str = ""  # what Pagefind did
    search_seconds: float = 0.0

    def lines(self, out: Path, shown: int = 30) -> list[str]:
        """Each written file and why (counted by folder past `shown`), then a summary line."""
        found = [f"wrote {path}  ({why})" for path, why in self.written[:shown]]
        rest: dict[str, int] = {}
        for path, _ in self.written[shown:]:
            rest[path.split("/")[0]] = rest.get(path.split("/")[0], 0) + 1
        found += [f"wrote {n} more files in {kind}" for kind, n in sorted(rest.items())]
        took = self.seconds - self.search_seconds
        rate = self.pages / took if took else 0.0
        found.append(
            f"{out}: {self.pages} pages, {len(self.written)} files written, {self.unchanged} "
            f"unchanged, {took:.1f}s ({rate:.0f} pages/s); {self.search}"
        )
        return found


def options(config, out: str | None, base_url: str | None, topics: list[str] | None) -> dict:
    """Where and how to build: explicit options, then settings, then defaults.

    A topic whose query does not parse, or would be refused, is a ConfigError naming it."""
    chosen = parse_topics(topics) or parse_topics(config["topics"]) or DEFAULT_TOPICS
    for name, query in chosen:
        try:
            check_query(query)
        except QueryError as exc:
            raise ConfigError(f"topic {name!r} ({query!r}): {exc.what}: {exc}") from None
    return {
        "out": Path(out or str(config["site_dir"])),
        "base_url": base_url or str(config["base_url"] or DEFAULT_BASE_URL),
        "topics": chosen,
        # the form shows only when the server's public URL was configured, not defaulted
        "subscribe_url": "" if config.sources["public_url"] == "default" else config["public_url"],
    }


def build(
    store: Store,
    index: SearchIndex,
    out: Path,
    base_url: str = "",
    full: bool = False,
    topics: list[tuple[str, str]] | None = None,
    pagefind: bool = True,
    subscribe_url: str = "",
) -> BuildReport:
    """Build (or bring up to date) the archive site in `out`; see the module docstring. Its
    progress: one step per phase (server/progress.py), the verb decides what shows."""
    with fewer_collections():
        return _build(store, index, out, base_url, full, topics, pagefind, subscribe_url)


@contextmanager
def fewer_collections():
    """No cycle collection while a build runs, one at its end: a build makes millions of
    short-lived objects and few cycles, and the collector's passes over the loaded store took
    a fifth of an incremental build."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        gc.collect()


def _build(store, index, out, base_url, full, topics, pagefind, subscribe_url):
    started = time.perf_counter()
    with step("site data", "paper") as shown:
        with shown.wait("reading the store"):
            output = Output(Path(out), version(), full)
            site = Site(store, index, output, base_url, topics, subscribe_url)
        shown.count = len(site.keys)
        shown.detail = f"{len(site.changed):,} changed since the last build"
    with step("pages", "page") as shown:
        site.assets()
        home = [
            ("index", lambda: pages.home(site.data, site.topics), "home", "the latest days"),
            ("archive", lambda: pages.archive(site.data), "list", "the list of months"),
            ("about", lambda: site_paper.about(site.topics), "about", "about page"),
            ("trending", site_paper.trending_page, "about", "how lists are ordered"),
            ("search", site_paper.search_page, "search", "search page"),
            ("topics", lambda: site_paper.topics(site.topics), "list", "the list of topics"),
            ("desk", site_paper.desk_page, "desk", "the reading desk"),
        ]
        made = [
            lambda p=page, t=text, k=kind, w=why: site.page(p, t(), k, w)
            for page, text, kind, why in home
        ]
        made += site.listing_pages()  # day/, week/, month/
        for make in shown.iter(made, len(made)):
            make()
    site.paper_pages()  # paper/
    with step("topics", "topic") as shown:
        for topic in shown.iter(site.topics, len(site.topics)):
            text = site_paper.topic(site.data, index, topic)
            site.page(f"topic/{topic.slug}", text, "topic", "topic")
    with step("feeds", "feed") as shown:
        site.feeds(shown)  # feeds/archive.xml, feeds/daily.xml, feeds/topic/*.xml
    with step("site files", "file") as shown, shown.wait("sitemap, search index"):
        site.indexing_files()  # sitemap.xml, robots.txt, search-index.json/.js
    search_started = time.perf_counter()
    search_note = site.search_index() if pagefind else "pagefind skipped"
    search_seconds = time.perf_counter() - search_started  # Pagefind alone
    with step("manifest", "file") as shown, shown.wait("removing old files, saving"):
        report = site.finish(started, search_note)
    report.search_seconds = round(search_seconds, 3)
    return report


def slugify(name: str) -> str:
    """A topic name as a file name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "topic"


class Site:
    """One build: the data, the renderer, the output folder and what changed since last time."""

    def __init__(self, store, index, out: Output, base_url, topics, subscribe_url=""):
        self.store, self.index, self.out, self.base_url = store, index, out, base_url
        self.topics = [Topic(n, q, slugify(n)) for n, q in (topics or DEFAULT_TOPICS)]
        self.renderer, self.pages = Renderer(subscribe_url), set()
        self.data = SiteData.load(store)
        self.synced_to = store.last_change()
        self.changed, self.keys = self._changed_papers()
        self.gone = {a for a in store.aliases() if a in self.keys}
        for pid in self.gone:
            self.keys.pop(pid, None)

    def _changed_papers(self) -> tuple[set[str], dict[str, str]]:
        """Papers changed since the last build (all on a full build), and every paper's stamp."""
        keys = dict(self.out.keys)
        changed = set()
        for row in self.store.index_rows(self.out.synced_to):
            self.data.add(row.paper)
            changed.add(row.paper.id)
            keys[row.paper.id] = row.changed_at
        return changed, keys

    def page(self, page: str, text: str, kind: str, why: str, paper_id: str = "") -> None:
        """Write a page's Markdown, and its HTML when the Markdown (or the templates) changed."""
        self.pages.add(page)
        wrote = self.out.put(page + ".md", text.encode(), why)
        if wrote or self.out.full or not self.out.unchanged(page + ".html"):
            html = self.renderer.html(page, text, kind, paper_id)
            self.out.put(page + ".html", html.encode(), why)
        else:
            self.out.keep(page + ".html")

    def keep(self, page: str) -> None:
        """A page whose inputs did not change: its files stay as they are."""
        if self.out.unchanged(page + ".md") and self.out.unchanged(page + ".html"):
            self.pages.add(page)
            self.out.keep(page + ".md")
            self.out.keep(page + ".html")
            return
        raise LookupError(page)

    def assets(self) -> None:
        """The stylesheet and scripts, copied from site/assets."""
        for path in sorted(ASSETS.iterdir()):
            self.out.put(f"assets/{path.name}", path.read_bytes(), "site asset")

    def listing_pages(self) -> list:
        """Day, week and month pages: those with a changed paper, or all on a full build; one
        call to make (or keep) each page, for the caller to make under its progress bar."""
        days = self._touched_days()
        made = [
            lambda d=day: self._page_or_keep(f"day/{d}", d in days, lambda: pages.day(self.data, d))
            for day in self.data.days
        ]
        weeks = {iso_week(d) for d in days}
        made += [
            lambda w=week: self._page_or_keep(
                f"week/{w}", w in weeks, lambda: pages.week(self.data, w)
            )
            for week in self.data.weeks()
        ]
        months = {d[:7] for d in days}
        made += [
            lambda m=m: self._page_or_keep(
                f"month/{m}", m in months, lambda: pages.month(self.data, m)
            )
            for m in self.data.months()
        ]
        return made

    def _page_or_keep(self, page: str, touched: bool, text) -> None:
        kind, why = page.split("/")[0], f"{page.split('/')[0]} {page.split('/')[1]}"
        if touched or self.out.full:
            self.page(page, text(), kind, why)
            return
        try:
            self.keep(page)
        except LookupError:  # missing or edited on disk: make it again
            self.page(page, text(), kind, why)

    def _touched_days(self) -> set[str]:
        """Days showing a changed paper, and the days before and after each (their 'next' and
        'previous' links); their weeks and months are the ones re-rendered."""
        touched = {a.date for pid in self.changed for a in self.data.appearances(pid)}
        ordered = sorted(self.data.days)
        after = {ordered[i + 1] for i, d in enumerate(ordered[:-1]) if d in touched}
        before = {ordered[i - 1] for i, d in enumerate(ordered) if i and d in touched}
        return touched | after | before

    def paper_pages(self) -> None:
        """One page per paper. A changed paper's page is made again, and so are the pages of the
        papers most like it (NEIGHBOURS), whose similar lists it may now enter; other pages are
        kept without re-rendering. Similar papers come from the index, as the API's do."""
        with step("similar papers", "paper") as shown:
            unchanged = {pid: paper_page(pid) for pid in self.keys if pid not in self.changed}
            redo = set(self.keep_all(list(unchanged.values())))
            ids = sorted(p for p in self.keys if p not in unchanged or unchanged[p] in redo)
            shown.bar(len(ids), "of the papers to write")
            found = self._similar(ids, NEIGHBOURS, shown.advance)
            near = {s.id for pid in ids if pid in self.changed for s in found[pid]}
            near = sorted(near - set(ids) - self.gone)
            shown.bar(len(near), "of their neighbours")
            found.update(self._similar(near, SIMILAR, shown.advance))
        with step("paper pages", "page") as shown:
            for pid in shown.iter(ids + near, len(ids) + len(near)):
                if pid in self.changed:
                    why = f"paper {pid} changed in the store"
                else:
                    why = f"paper {pid}" if pid in ids else f"paper {pid}: a paper like it changed"
                page = site_paper.paper(self.data, found[pid][:SIMILAR], pid)
                self.page(paper_page(pid), page, "paper", why, paper_id=pid)

    def _similar(self, ids: list[str], n: int, done) -> dict[str, list[Similar]]:
        """The n papers most like each (those with a page), from the index in one go."""
        found = self.index.similar_many([self.data.paper(pid) for pid in ids], n, done)
        return {pid: [s for s in found[pid] if s.id in self.keys] for pid in ids}

    def keep_all(self, pages: list[str]) -> list[str]:
        """keep() for many pages in set operations; returns those missing or edited on disk."""
        files = self.out.hashes.keys() & self.out.on_disk
        good = [p for p in pages if p + ".md" in files and p + ".html" in files]
        self.pages.update(good)
        self.out.kept.update(f"{p}{ext}" for p in good for ext in (".md", ".html"))
        return [p for p in pages if p + ".md" not in files or p + ".html" not in files]

    def feeds(self, shown) -> None:
        """Atom feeds: every paper, daily trending, one per topic (under shown's bar)."""
        made = [
            ("feeds/archive.xml", lambda: feeds.archive_feed(self.data, self.base_url), "feed"),
            ("feeds/daily.xml", lambda: feeds.daily_feed(self.data, self.base_url), "feed"),
        ]
        made += [
            (
                f"feeds/topic/{t.slug}.xml",
                lambda t=t: feeds.topic_feed(self.data, self.index, t, self.base_url),
                f"feed of topic {t.name}",
            )
            for t in self.topics
        ]
        for name, data, why in shown.iter(made, len(made)):
            self.out.put(name, data(), why)

    def indexing_files(self) -> None:
        """sitemap.xml, robots.txt and the JSON search index (also the offline fallback)."""
        html = [p + ".html" for p in self.pages]
        same_pages = self.out.pages == sorted(self.pages) and not self.out.full
        if same_pages and self.out.unchanged("sitemap.xml"):
            self.out.keep("sitemap.xml")
        else:
            self.out.put("sitemap.xml", feeds.sitemap(html, self.base_url), "the list of pages")
        self.out.put("robots.txt", feeds.robots(self.base_url), "robots.txt")
        files = ("search-index.json", "assets/search-index.js")
        if not (self.changed or self.gone) and all(map(self.out.unchanged, files)):
            for name in files:
                self.out.keep(name)
            return
        entries = None if self.out.full else self.out.load_cache("search.marshal")
        if entries is None:
            entries = {pid: feeds.search_entry(self.data, pid) for pid in self.keys}
        for pid in self.gone:
            entries.pop(pid, None)
        entries.update({pid: feeds.search_entry(self.data, pid) for pid in self.changed})
        as_json, as_script = feeds.search_files(entries)
        self.out.put("search-index.json", as_json, "search index")
        self.out.put("assets/search-index.js", as_script, "search index")
        self.out.save_cache("search.marshal", entries)

    def search_index(self) -> str:
        """Pagefind's bundles, each run again only when the text it indexes changed."""
        newest = self.store.latest_date()
        year = int(newest[:4]) if newest else today().year
        return index_pages(self.out, sorted(self.pages), year)

    def finish(self, started: float, search_note: str) -> BuildReport:
        """Remove what is gone, save the manifest, and report."""
        self.out.prune()
        self.out.save(self.synced_to, dict(sorted(self.keys.items())), sorted(self.pages))
        unchanged = len(self.out.kept) - len({p for p, _ in self.out.written})
        return BuildReport(
            written=self.out.written,
            unchanged=max(unchanged, 0),
            pages=len(self.pages),
            seconds=round(time.perf_counter() - started, 3),
            search=search_note,
        )
