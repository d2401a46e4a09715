"""Pagefind's bundles: stable shards by arXiv id, only a reader's text indexed, and a new day
running only the bundles whose text changed (issue 21)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from sitefix import DEMO, SHARD_PAGES, make_site, sharded_site

from server.crawl.importer import import_paths
from server.models import Appearance, Listing, Paper
from server.site.builder import build
from server.store import Store


def fragments(site: Path, bundle: str) -> dict[str, dict]:
    """A bundle's indexed pages, by URL: what Pagefind stored for each (its gzipped JSON)."""
    found = {}
    for path in (site / bundle / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        page = json.loads(data[len(b"pagefind_dcd") :])
        found[page["url"]] = page
    return found


def bundle_files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in site.glob("pagefind*/**/*")
        if p.is_file()
    }


def test_a_big_archive_is_indexed_in_stable_shards_of_at_most_shard_pages():
    """The demo's eight papers are all of August 2024, the archive's newest year: one month,
    split in id order into bundles of SHARD_PAGES; every other page is in the first bundle."""
    site, said = sharded_site()
    papers = sorted(p.stem for p in (site / "paper").glob("*.html"))
    assert len(papers) == 8 and all(p.startswith("2408.") for p in papers)
    names = ["pagefind-2024-08", "pagefind-2024-08.2", "pagefind-2024-08.3"]
    assert json.loads((site / "pagefind" / "shards.json").read_text()) == [n + "/" for n in names]
    assert "in 4 of 4 bundles" in said
    seen = []
    for number, name in enumerate(names):
        urls = sorted(fragments(site, name))
        want = papers[number * SHARD_PAGES : (number + 1) * SHARD_PAGES]
        assert urls == [f"/paper/{p}.html" for p in want], name
        seen += urls
    others = fragments(site, "pagefind")
    assert others and not any("/paper/" in url for url in others)
    html = [p for p in site.rglob("*.html") if not p.relative_to(site).parts[0].startswith(".")]
    assert len(seen) + len(others) == len(html)  # every page in exactly one bundle


def test_pagefind_indexes_only_the_title_authors_summary_and_abstract():
    site, _ = sharded_site()
    for name in ("pagefind-2024-08", "pagefind-2024-08.2", "pagefind-2024-08.3"):
        for url, page in fragments(site, name).items():
            md = (site / url.removeprefix("/")).with_suffix(".md").read_text()
            title = md.splitlines()[0].removeprefix("# ")
            abstract = md.split("## Abstract\n\n", 1)[1].split("\n\n", 1)[0]
            text = page["content"]
            assert page["meta"]["title"] == title.replace("\\", "")
            first = re.sub(r"[\\*_`]", "", abstract).split()[:4]
            assert " ".join(first) in text, (url, first, text[:300])
            for left_out in ("BibTeX", "@misc", "Similar papers", "Trend history", "Published"):
                assert left_out not in text, (url, left_out)
            assert page["filters"]["kind"] == ["paper"]
    for url, page in fragments(site, "pagefind").items():
        heading = page["meta"]["title"]
        assert page["content"].rstrip(".") == heading, url  # the heading alone


def test_a_new_day_runs_only_the_bundles_whose_text_changed(tmp_path, monkeypatch):
    monkeypatch.setattr("server.site.pagefind.SHARD_PAGES", SHARD_PAGES)
    with Store(tmp_path / "data" / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    site = tmp_path / "site"
    store, index = make_site(tmp_path / "data", site)
    before = bundle_files(site)
    august = {rel: data for rel, data in before.items() if rel.startswith("pagefind-2024-08")}
    assert august

    day = "2024-09-02"
    papers = [
        Paper(
            f"2409.9000{n}",
            title=f"Walrus memory {n}",
            abstract="Walruses recall tides.",
            authors=["Ann Walrus"],
            published=day,
        )
        for n in (1, 2)
    ]
    apps = [Appearance(p.id, "hf-daily", day, rank=n, upvotes=9) for n, p in enumerate(papers, 1)]
    store.ingest(
        Listing(
            kind="hf-api",
            url="https://huggingface.co/papers",
            date=day,
            papers=papers,
            appearances=apps,
        )
    )
    index.ensure(store)
    report = build(store, index, site, base_url="https://example.org/pb/")
    # the new month's bundle and the first (the new day's page): not August's
    assert " in 2 of 5 bundles " in report.search, report.search
    after = bundle_files(site)
    assert {rel: after.get(rel) for rel in august} == august  # byte for byte
    assert sorted(fragments(site, "pagefind-2024-09")) == [
        "/paper/2409.90001.html",
        "/paper/2409.90002.html",
    ]
    assert "pagefind-2024-09/" in json.loads((site / "pagefind" / "shards.json").read_text())

    again = build(store, index, site, base_url="https://example.org/pb/")
    assert again.search == "search bundle unchanged (5 bundles)"

    changed = Paper("2408.90001", title="A new title about narwhals", version=99)  # a newer version
    store.ingest(Listing(kind="hf-api", url="https://huggingface.co/papers", papers=[changed]))
    index.ensure(store)
    report = build(store, index, site, base_url="https://example.org/pb/")
    # only the title changed: its bundle alone (the day pages' headings stay as they were)
    assert "indexed 3 pages in 1 of 5 bundles" in report.search, report.search
    now = bundle_files(site)
    for name in ("pagefind-2024-08.2", "pagefind-2024-08.3", "pagefind-2024-09"):
        kept = {rel: data for rel, data in after.items() if rel.startswith(name + "/")}
        assert {rel: now.get(rel) for rel in kept} == kept, name
    titles = {p["meta"]["title"] for p in fragments(site, "pagefind-2024-08").values()}
    assert "A new title about narwhals" in titles
    index.close()
    store.close()


def test_pages_a_killed_build_wrote_are_indexed_by_the_next(tmp_path, monkeypatch):
    """A build killed after writing its pages, before Pagefind and its manifest: the next build
    finds the pages already as it would write them, and must still index their new text."""
    with Store(tmp_path / "data" / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    site = tmp_path / "site"
    store, index = make_site(tmp_path / "data", site)
    changed = Paper("2408.90002", title="Narwhals under the ice", version=99)
    store.ingest(Listing(kind="hf-api", url="https://huggingface.co/papers", papers=[changed]))
    index.ensure(store)

    def killed(*args):
        raise KeyboardInterrupt  # as a kill between the pages and Pagefind

    with monkeypatch.context() as patch:
        patch.setattr("server.site.builder.index_pages", killed)
        try:
            build(store, index, site, base_url="https://example.org/pb/")
        except KeyboardInterrupt:
            pass
    assert "Narwhals under the ice" in (site / "paper" / "2408.90002.html").read_text()
    report = build(store, index, site, base_url="https://example.org/pb/")
    assert "indexed " in report.search, report.search
    titles = {p["meta"]["title"] for p in fragments(site, "pagefind-2024-08").values()}
    assert "Narwhals under the ice" in titles
    index.close()
    store.close()


def test_reading_the_pages_text_is_under_the_pagefind_bar(tmp_path):
    """A full build reads every page for the text Pagefind indexes before it runs a bundle:
    1.4 s silent at the HF bulk set's 10,633 pages, so seconds at 36k. A terminal sees a bar
    over the pages read, then one over the bundles, a live line while the bundles' scratch
    folder is removed, and the step's line counts bundles."""
    import io

    from server import progress

    with Store(tmp_path / "data" / "papers.sqlite3") as store:
        import_paths(store, [str(DEMO)])
    drawn = io.StringIO()
    with progress.shown(bars=True, lines=True, stream=drawn):
        store, index = make_site(tmp_path / "data", tmp_path / "site")
    index.close()
    store.close()
    shown = drawn.getvalue()
    site = tmp_path / "site"
    top = [p.relative_to(site).parts[0] for p in site.rglob("*.html")]
    pages = [t for t in top if not t.startswith((".", "pagefind"))]
    read = re.search(r"pagefind pages read: +0%\|[^|]*\| 0/(\d+) ", shown)
    assert read and int(read[1]) == len(pages) > 8, shown
    assert read.start() < shown.index("pagefind:   0%")
    # the bundles' scratch folder is removed under a live line (1.4 s at 36k), then the line
    assert shown.index("pagefind:   0%") < shown.index("pagefind: removing the scratch files")
    assert re.search(r"(^|\r)pagefind: \d bundles? in ", shown, re.M), shown
