"""Only http(s) links are stored or served: file:, javascript:, data: and friends never are.

Planted in every link field of every parser that reads links (hf-api and hf-page code and
project links, a paper page's own URL, next-page links), in a meta page imported from a file,
in a listing handed straight to the store, and in rows written past the store into the
database, which the API's `links` must still filter.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from html import escape
from pathlib import Path

import pytest
from helpers import DEMO, run, serving

from server import sources
from server.models import Listing, Paper
from server.sources import arxiv_oai, arxiv_search, hf_api, hf_page, meta_page
from server.store import Store

BAD = [
    "file:///etc/passwd",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/scheme-relative",
    "https:no-host",
    "\u202ejavascript:alert(1)",
]
HTTP = ("http://", "https://")


def item(code: str, project: str) -> dict:
    """A daily-papers item whose code and project links are the given URLs."""
    paper = {"id": "2408.90001", "title": "T", "githubRepo": code, "projectPage": project}
    return {"paper": paper, "title": "T"}


def meta(own: str) -> str:
    """A paper landing page naming `own` as its URL in og:url, the abstract URL and JSON-LD."""
    ld = json.dumps({"@type": "ScholarlyArticle", "name": "T", "url": own})
    return (
        f'<html><head><meta name="citation_title" content="A paper">'
        f'<meta name="citation_abstract_html_url" content="{escape(own)}">'
        f'<meta property="og:url" content="{escape(own)}">'
        f'<script type="application/ld+json">{escape(ld, quote=False)}</script></head></html>'
    )


def safe(url: str | None) -> bool:
    """True for no link or an http(s) one."""
    return url is None or url.startswith(HTTP)


@pytest.mark.parametrize("bad", BAD)
def test_hf_api_code_and_project_links(bad):
    paper = hf_api.parse(json.dumps([item(bad, bad)])).papers[0]
    assert (paper.code_url, paper.project_url) == (None, None)


@pytest.mark.parametrize("bad", BAD)
def test_hf_page_code_and_project_links(bad):
    props = escape(json.dumps({"dailyPapers": [item(bad, bad)]}), quote=True)
    page = f'<html><div data-target="DailyPapers" data-props="{props}"></div></html>'
    paper = hf_page.parse(page, "https://huggingface.co/papers?date=2024-08-02").papers[0]
    assert (paper.code_url, paper.project_url) == (None, None)


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("page_url", [None, "file:///home/me/saved/paper.html", "BAD"])
def test_meta_page_url_is_http_or_none(bad, page_url):
    listing = meta_page.parse(meta(bad), bad if page_url == "BAD" else page_url)
    assert listing.papers[0].url is None


def test_meta_page_keeps_its_own_http_url_when_read_from_a_file():
    listing = meta_page.parse(meta("https://aclanthology.org/x/"), "file:///tmp/x.html")
    assert listing.papers[0].url == "https://aclanthology.org/x/"


@pytest.mark.parametrize("bad", BAD)
def test_next_page_links(bad):
    nav = f'<nav class="pagination"><a href="{escape(bad)}" class="pagination-next">Next</a></nav>'
    page = (DEMO / "arxiv-search-reward.html").read_text(encoding="utf-8")
    listing = arxiv_search.parse(page.replace("<ol ", nav + "<ol ", 1))
    assert safe(listing.next_url), listing.next_url
    oai = (DEMO / "arxiv-oai-demo.xml").read_text(encoding="utf-8")
    oai = oai.replace(">http://export.arxiv.org/oai2<", f">{escape(bad)}<")
    oai = oai.replace("</ListRecords>", "<resumptionToken>1|1001</resumptionToken></ListRecords>")
    assert safe(arxiv_oai.parse(oai).next_url)


def test_every_parser_that_reads_links_is_covered():
    # the parsers whose code sets Paper.url, code_url, project_url or Listing.next_url (hf-page
    # through hf_api's paper_from_json)
    readers = {"hf-api", "hf-page", "meta-page", "arxiv-search", "arxiv-oai"}
    setters = ("code_url=", "project_url=", ".url =", "next_url =", "paper_from_json")
    for module in sources.PARSERS:
        code = Path(module.__file__).read_text()
        sets_links = any(k in code for k in setters)
        assert sets_links == (module.KIND in readers), module.KIND


@pytest.mark.parametrize("bad", BAD)
def test_the_store_drops_links_it_is_handed(tmp_path, bad):
    paper = Paper("title:0123456789abcdef", title="T", url=bad, code_url=bad, project_url=bad)
    with Store(tmp_path / "papers.sqlite3") as store:
        store.ingest(Listing(kind="test", papers=[paper]))
        stored = store.get_paper(paper.id)
    assert (stored.url, stored.code_url, stored.project_url) == (None, None, None)


def get(url: str) -> dict:
    """The data of a JSON API answer."""
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())["data"]


def test_a_meta_page_imported_from_a_file_keeps_no_file_url(tmp_path):
    page = tmp_path / "saved paper.html"
    page.write_text(meta("javascript:alert(1)"))
    data = tmp_path / "data"
    result = run(data, "import", str(page))
    assert result.returncode == 0, result.stderr
    with Store(data / "papers.sqlite3") as store:
        (paper,) = store.iter_papers()
    assert paper.url is None
    with serving(data, site_dir=str(tmp_path / "no-site")) as base:
        detail = get(f"{base}/api/papers/{paper.id}")
    assert "page" not in detail["links"]
    assert "file:" not in json.dumps(detail) and str(tmp_path) not in detail["bibtex"]


def test_the_api_serves_only_http_links_whatever_the_database_holds(tmp_path):
    data = tmp_path / "data"
    with Store(data / "papers.sqlite3") as store:
        store.ingest(
            Listing(
                kind="test", papers=[Paper(f"title:{n:016x}", title="T") for n in range(len(BAD))]
            )
        )
    db = sqlite3.connect(data / "papers.sqlite3")
    for n, bad in enumerate(BAD):  # written past the store, as an old version or a tool might
        db.execute(
            "UPDATE papers SET url = ?, code_url = ?, project_url = ? WHERE id = ?",
            (bad, bad, bad, f"title:{n:016x}"),
        )
    db.commit()
    db.close()
    with serving(data, site_dir=str(tmp_path / "no-site")) as base:
        for n in range(len(BAD)):
            links = get(f"{base}/api/papers/title:{n:016x}")["links"]
            assert all(url.startswith(HTTP) for url in links.values()), links
