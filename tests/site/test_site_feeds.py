"""Feeds read cleanly with feedparser; sitemap, robots and the search index are complete."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import feedparser
from sitefix import TOPICS, demo_site, sites

from server.site.builder import slugify


def test_every_feed_parses_without_bozo_and_has_its_entries():
    for site in sites():
        feeds = sorted((site / "feeds").rglob("*.xml"))
        assert len(feeds) == 2 + len(TOPICS)
        for path in feeds:
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
            assert parsed.entries, path
            for entry in parsed.entries:
                assert entry.id.startswith("urn:paperboy:") and entry.link and entry.title


def test_feeds_hold_the_expected_entries():
    site = demo_site()
    daily = feedparser.parse((site / "feeds" / "daily.xml").read_bytes())
    assert [e.id for e in daily.entries][:3] == [
        "urn:paperboy:day:2024-08-06",
        "urn:paperboy:day:2024-08-05",
        "urn:paperboy:day:2024-08-02",
    ]
    assert daily.feed.updated.startswith("2024-08-06")  # the newest data day, not build time
    archive = feedparser.parse((site / "feeds" / "archive.xml").read_bytes())
    assert archive.entries[0].link.startswith("https://example.org/pb/paper/")
    topic = feedparser.parse(
        (site / "feeds" / "topic" / f"{slugify(TOPICS[1][0])}.xml").read_bytes()
    )
    assert "<b>" in topic.feed.title  # a topic name is text, escaped by feedgen


def test_hostile_titles_stay_text_in_feeds():
    archive = feedparser.parse((demo_site() / "feeds" / "archive.xml").read_bytes())
    titles = [e.title for e in archive.entries]
    assert any(t.startswith("<script>window.__xss = 1</script>") for t in titles)


def test_sitemap_lists_every_page_and_robots_points_to_it():
    site = demo_site()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ElementTree.parse(site / "sitemap.xml").findall("s:url/s:loc", ns)]
    pages = sorted(
        p.relative_to(site).as_posix() for p in site.rglob("*.html") if "pagefind" not in p.parts
    )
    assert locs == ["https://example.org/pb/" + p for p in pages]
    assert "Sitemap: https://example.org/pb/sitemap.xml" in (site / "robots.txt").read_text()


def test_search_index_has_every_paper():
    site = demo_site()
    rows = json.loads((site / "search-index.json").read_text())
    assert {r["id"] for r in rows} >= {"2408.90001", "2408.99001"}
    assert set(rows[0]) == {"id", "title", "authors", "date", "url"}
    assert all((site / r["url"]).is_file() for r in rows)
    script = (site / "assets" / "search-index.js").read_text()
    assert script.startswith("window.PAPERBOY_INDEX = [") and "</script" not in script
