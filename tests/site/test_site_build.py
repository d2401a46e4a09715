"""The built site: incremental and deterministic, links resolve, safe HTML, and Markdown parity."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from payloads import hostile_listing
from sitefix import (
    DEMO,
    TOPICS,
    corpus_site,
    demo_site,
    make_site,
    page_kinds,
    sites,
)

from server import tex
from server.crawl.importer import import_paths
from server.index import make_index
from server.models import Appearance, Listing, Paper
from server.site.builder import build
from server.store import Store

MD_IT = MarkdownIt("commonmark").enable("table")


def html_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def test_every_page_kind_is_built():
    for site in sites():
        kinds = page_kinds(site)
        assert {"index", "day", "week", "month", "paper", "topic", "about", "search"} <= set(kinds)
        for path in kinds.values():
            assert path.with_suffix(".md").is_file(), path


def test_every_internal_link_and_asset_resolves():
    for site in sites():
        for page in html_files(site):
            doc = soup(page)
            for tag in doc.find_all(["a", "link", "script", "img", "form"]):
                target = tag.get("href") or tag.get("src") or tag.get("action")
                if not target or urlsplit(target).scheme in ("http", "https"):
                    continue
                assert not target.startswith("/"), (page, target)  # relative everywhere
                path = unquote(urlsplit(target).path)
                if not path:
                    assert doc.find(id=urlsplit(target).fragment), (page, target)
                    continue
                assert (page.parent / path).resolve().is_file(), (page, target)


def test_markdown_links_resolve_too():
    for page in sorted(demo_site().rglob("*.md")):
        for target in _md_links(page.read_text()):
            if not target.startswith("http"):
                assert (page.parent / target).resolve().is_file(), (page, target)


def _md_links(text: str) -> list[str]:
    return [
        c.attrs["href"]
        for t in MD_IT.parse(text)
        if t.type == "inline"
        for c in t.children
        if c.type == "link_open"
    ]


def _texts(tokens, kind):
    found, inside = [], None
    for t in tokens:
        if t.type == f"{kind}_open":
            inside = []
        elif t.type == f"{kind}_close":
            found.append("".join(inside))
            inside = None
        elif t.type == "inline" and inside is not None:
            inside.append("".join(_text_of(c) for c in t.children))
    return found


MATH = "$MATH$"  # a TeX span: MathML in the HTML, its source as a code span in the Markdown


def _text_of(token) -> str:
    if token.type == "code_inline" and re.fullmatch(r"\$.+\$", token.content):
        return MATH
    return token.content if token.type in ("text", "code_inline") else ""


def _html_text(tag) -> str:
    for math in tag.find_all("math"):
        math.replace_with(MATH)
    return tag.get_text()


def test_markdown_it_sees_the_same_headings_and_links():
    for site in sites():
        for page in html_files(site):
            text = page.with_suffix(".md").read_text()
            headings = _texts(MD_IT.parse(text), "heading")
            hrefs = [re.sub(r"\.md(?=$|#)", ".html", h) for h in _md_links(text)]
            main = soup(page).main
            assert [_html_text(h) for h in main.find_all(re.compile("^h[1-6]$"))] == headings, page
            assert [a["href"] for a in main.find_all("a")] == hrefs, page


def test_hostile_text_never_becomes_markup():
    for page in html_files(demo_site()):
        main = soup(page).main
        for tag in main.find_all(True):
            assert tag.name not in ("script", "img", "iframe", "style"), (page, tag)
            assert tag.name != "math" or tag.find_parent("math") is None, (page, tag)
            if tag.find_parent("math") is not None:  # MathML: only what server/tex.py allows
                assert tag.name in tex.ELEMENTS and set(tag.attrs) <= tex.ATTRIBUTES, tag
            assert not [a for a in tag.attrs if a.startswith("on")], (page, tag)
        for a in main.find_all("a"):
            assert urlsplit(a["href"]).scheme in ("", "http", "https"), (page, a)
            assert "evil" not in a["href"], (page, a)


def test_paper_page_shows_title_math_and_chart():
    """TeX in the title is MathML on the site and its source in the .md; BibTeX is folded."""
    page = soup(demo_site() / "paper" / "2408.99022.html")
    assert page.h1.get_text().startswith("Bounds ") and len(page.h1.find_all("math")) == 2
    assert page.h1.math.find("mfrac") and page.h1.math.find("msubsup")
    text = (demo_site() / "paper" / "2408.99022.md").read_text()
    assert text.startswith("# Bounds `$\\alpha_{i}^{2} \\leq \\frac{a}{b}$` and `$O(n \\log n)$`")
    assert page.find("svg").find("title").get_text().startswith("Upvotes over time")
    assert page.find("pre").get_text().startswith("@misc{")
    assert page.find("pre").find_parent("details").summary.get_text() == "BibTeX"


def _day_listing(day: str, ids=None, title="New paper {n}", abstract="Fresh retrieval work."):
    ids = ids or [f"2408.9890{n}" for n in range(1, 4)]
    papers = [
        Paper(
            id=pid,
            title=title.format(n=n),
            abstract=abstract,
            authors=["A. Author"],
            published=day,
        )
        for n, pid in enumerate(ids, 1)
    ]
    apps = [
        Appearance(p.id, "hf-daily", day, rank=n, upvotes=10 * n) for n, p in enumerate(papers, 1)
    ]
    return Listing(kind="hf-api", url=None, date=day, papers=papers, appearances=apps)


def _rebuild(data: Path, out: Path, **options):
    with Store(data / "papers.sqlite3") as store:
        index = make_index(data / "index")
        index.ensure(store)
        report = build(
            store,
            index,
            out,
            base_url="https://example.org/pb/",
            topics=TOPICS,
            pagefind=False,
            **options,
        )
        index.close()
    return report


def test_incremental_rule(tmp_path):
    data, out = tmp_path / "data", tmp_path / "site"
    with Store(data / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
        store.ingest(hostile_listing())
    first = _rebuild(data, out)
    assert len(first.written) > first.pages
    assert _rebuild(data, out).written == []  # no change in the store: no file written
    with Store(data / "papers.sqlite3") as store:
        store.ingest(_day_listing("2024-08-07"))
    added = {path for path, _ in _rebuild(data, out).written}
    new_pages = {"day/2024-08-07", "paper/2408.98901", "paper/2408.98902", "paper/2408.98903"}
    # the day before the new one gains its "Next day" link
    changed_pages = {"index", "day/2024-08-06", "week/2024-W32", "month/2024-08", *new_pages}
    must = {f"{p}.{ext}" for p in changed_pages for ext in ("md", "html")}
    assert must <= added
    indexing = {"sitemap.xml", "search-index.json", "assets/search-index.js"}
    topics = {p for p in added if p.startswith(("topic/", "feeds/"))}
    assert added - must - indexing - topics == set(), sorted(added - must)
    assert _rebuild(data, out).written == []


def _steps(out: Path, page: str) -> dict[str, str]:
    """The previous and next links of a built page: {"Previous": target, "Next": target}."""
    doc = soup(out / f"{page}.html")
    found = {}
    for a in doc.find_all("a"):
        words = a.get_text(" ", strip=True)
        for kind in ("Previous", "Next"):
            if kind in words.split()[:2] + words.split()[-1:]:
                found[kind] = a["href"]
    return found


def test_every_dated_page_links_both_ways_and_a_new_day_links_back(tmp_path):
    data, out = tmp_path / "data", tmp_path / "site"
    with Store(data / "papers.sqlite3") as store:
        for n, day in enumerate(("2024-07-31", "2024-08-01", "2024-08-05")):
            store.ingest(_day_listing(day, ids=[f"2408.9{n}001"]))
    _rebuild(data, out)
    assert _steps(out, "day/2024-07-31") == {"Next": "2024-08-01.html"}
    assert _steps(out, "day/2024-08-01") == {
        "Previous": "2024-07-31.html",
        "Next": "2024-08-05.html",
    }
    assert _steps(out, "week/2024-W31") == {"Next": "2024-W32.html"}
    assert _steps(out, "week/2024-W32") == {"Previous": "2024-W31.html"}
    assert _steps(out, "month/2024-07") == {"Next": "2024-08.html"}
    assert _steps(out, "month/2024-08") == {"Previous": "2024-07.html"}
    with Store(data / "papers.sqlite3") as store:  # a new day in a new month: an incremental build
        store.ingest(_day_listing("2024-09-02", ids=["2409.90001"]))
    _rebuild(data, out)
    assert _steps(out, "day/2024-08-05") == {
        "Previous": "2024-08-01.html",
        "Next": "2024-09-02.html",
    }
    assert _steps(out, "week/2024-W32") == {"Previous": "2024-W31.html", "Next": "2024-W36.html"}
    assert _steps(out, "month/2024-08") == {"Previous": "2024-07.html", "Next": "2024-09.html"}


def test_rerun_after_a_lost_manifest_or_a_full_build_writes_nothing(tmp_path):
    data, out = tmp_path / "data", tmp_path / "site"
    with Store(data / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    _rebuild(data, out)
    shutil.rmtree(out / ".paperboy")  # as after a build killed before it saved its state
    assert _rebuild(data, out).written == []
    assert _rebuild(data, out, full=True).written == []
    (out / "day" / "2024-08-02.html").unlink()
    assert [p for p, _ in _rebuild(data, out).written] == ["day/2024-08-02.html"]


def test_corpus_site_has_real_papers():
    site = corpus_site()
    days = sorted((site / "day").glob("*.html"))
    assert len(days) >= 8
    assert soup(days[-1]).main.find_all("h2")


def _retrieval_day(day: str, first: int) -> Listing:
    ids = [f"2408.9{first + n:04d}" for n in range(3)]
    abstract = "Sparse retrieval with learned routers and distilled rerankers."
    return _day_listing(day, ids, "Sparse retrieval with learned routers, part {n}", abstract)


def test_an_incremental_build_refreshes_the_pages_a_new_paper_is_similar_to(tmp_path):
    """A new paper enters the similar lists of the papers most like it: an incremental build
    makes their pages again, and they read as a full build of the same store writes them."""
    data, out, full = tmp_path / "data", tmp_path / "site", tmp_path / "full"
    with Store(data / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    _rebuild(data, out)
    for day, first in (("2024-08-07", 10), ("2024-08-08", 20)):
        with Store(data / "papers.sqlite3") as store:
            store.ingest(_retrieval_day(day, first))
        report = _rebuild(data, out)
    old = (out / "paper" / "2408.90010.md").read_text()  # of the first new day, not changed since
    assert "2408.90020" in old, "the page of a paper like the new ones was not made again"
    assert any("a paper like it changed" in why for _, why in report.written)
    _rebuild(data, full, full=True)
    for n in (10, 11, 12, 20, 21, 22):
        page = f"paper/2408.900{n}.md"
        assert (out / page).read_text() == (full / page).read_text(), page


def test_topic_pages_list_the_same_papers_on_both_engines(tmp_path, engine):
    with Store(tmp_path / "data" / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    built = {}
    for name in ("whoosh", engine):
        store, index = make_site(tmp_path / "data", tmp_path / name, engine=name, pagefind=False)
        index.close()
        store.close()
        pages = sorted((tmp_path / name / "topic").glob("*.md"))
        built[name] = {p.name: set(re.findall(r"paper/([\w.]+)\.md", p.read_text())) for p in pages}
    assert built["whoosh"] and all(built["whoosh"].values())
    assert built[engine] == built["whoosh"]


def test_a_killed_pagefind_leaves_a_working_site(tmp_path, monkeypatch):
    """At 200k papers Pagefind needs over 20 GB and the kernel kills it: the build must still
    finish, say so, and keep the pages (a real process killed by SIGKILL stands in for it)."""
    with Store(tmp_path / "data" / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    killed = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    monkeypatch.setattr("server.site.pagefind.PAGEFIND", [sys.executable, "-c", killed])
    report = build_report(tmp_path / "data", tmp_path / "site")
    assert "pagefind was killed by signal 9" in report.search
    assert "falls back to titles and authors" in report.search
    assert (tmp_path / "site" / "search-index.json").is_file()
    assert (tmp_path / "site" / "index.html").is_file()
    assert not (tmp_path / "site" / "pagefind").exists()


def build_report(data, out):
    with Store(data / "papers.sqlite3") as store:
        index = make_index(data / "index")
        index.ensure(store)
        report = build(store, index, out, base_url="https://example.org/pb/", full=True)
        index.close()
    return report


def _topic_list(text: str, heading: str) -> list[tuple[str, int | None]]:
    """(paper page, upvotes shown) of each entry under a topic page's heading."""
    part = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    entries = re.findall(r"^### \d+\. \[.*?\]\(\.\./(paper/[^)]+)\.md\)\n\n(.*)$", part, re.M)
    return [
        (page, int(m[1]) if (m := re.search(r"(\d+) upvotes", rest)) else None)
        for page, rest in entries
    ]


def test_topic_lists_most_upvoted_and_newest_of_its_matches():
    """Issue 18: a topic's lists are ordered by upvotes and by date, not by keyword match (which
    once put a 3-upvote paper first), each under a heading that says so."""
    site = corpus_site()
    text = (site / "topic" / "agents.md").read_text(encoding="utf-8")
    total = int(re.search(r"^([\d,]+) matching papers\.$", text, re.M)[1].replace(",", ""))
    upvoted = _topic_list(text, "Most upvoted of the matching papers")
    newest = _topic_list(text, "Newest of the matching papers")
    assert len(upvoted) == len(newest) == min(total, 20) and total > 20
    votes = [v or 0 for _, v in upvoted]
    assert votes == sorted(votes, reverse=True) and votes[0] > 3
    assert votes[-1] >= max(v or 0 for page, v in newest if page not in dict(upvoted))
    published = [
        re.search(r"^Published (\d{4}-\d\d-\d\d)", (site / f"{p}.md").read_text(), re.M)[1]
        for p, _ in newest
    ]
    assert published == sorted(published, reverse=True)
