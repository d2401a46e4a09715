"""GitHub stars as readings over time (issue 20): one per paper and listing day, the paper's own
count following the newest day's reading, whatever order the pages are read in."""

from __future__ import annotations

from store.test_store import day, listing, paper

from server.models import title_id
from server.store import Store

CODE = "https://github.com/example/lattice"


def read(store: Store, stars: int, on: str, pid: str = "2408.90001"):
    found = paper(pid, code_url=CODE, github_stars=stars)
    return store.ingest(listing(found, appearances=[day(pid, on)]))


def test_each_day_s_reading_is_kept_and_the_newest_counts(tmp_path):
    with Store(tmp_path / "papers.sqlite3") as store:
        read(store, 100, "2024-08-02")
        read(store, 180, "2024-08-09")
        assert store.star_readings("2408.90001") == [("2024-08-02", 100), ("2024-08-09", 180)]
        assert store.paper("2408.90001").github_stars == 180
        # an older page read later (a reparse, a backfill) does not roll the count back
        read(store, 60, "2024-07-30")
        assert store.paper("2408.90001").github_stars == 180
        assert store.star_readings("2408.90001")[0] == ("2024-07-30", 60)
        # the same day read again replaces that day's reading; reading it unchanged changes nothing
        assert "2408.90001" in read(store, 200, "2024-08-09").changed_ids
        assert store.paper("2408.90001").github_stars == 200
        assert read(store, 200, "2024-08-09").changed_ids == set()


def test_a_listing_without_a_day_reads_on_its_own_date(tmp_path):
    with Store(tmp_path / "papers.sqlite3") as store:
        found = paper(code_url=CODE, github_stars=7)
        store.ingest(listing(found))  # a paper page: no appearance, no listing date
        ((on, stars),) = store.star_readings("2408.90001")
        assert stars == 7 and len(on) == 10


def test_readings_follow_a_paper_absorbed_into_its_arxiv_id(tmp_path):
    with Store(tmp_path / "papers.sqlite3") as store:
        twin = title_id("Sparse Lattice Transformers")
        read(store, 5, "2024-08-01", pid=twin)
        read(store, 9, "2024-08-02")
        store.ingest(listing(paper(title="Sparse Lattice Transformers")))
        assert store.star_readings("2408.90001")[-1] == ("2024-08-02", 9)
        assert store.star_readings(twin) == []
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_live_page_reads_stars_on_the_day_it_is_read(tmp_path):
    """A page fetched today says today's stars, whatever day it lists; read again by reparse,
    its stars stay a reading of the day it was fetched."""
    import json

    from server import sources
    from server.crawl.importer import reparse
    from server.store import today

    item = {
        "paper": {
            "id": "2408.90001",
            "title": "Sparse Lattice Transformers",
            "summary": "We study lattices.",
            "githubRepo": CODE,
            "githubStars": 42,
            "submittedOnDailyAt": "2024-08-02T00:00:00.000Z",
        }
    }
    raw = json.dumps([item]).encode()
    url = "https://huggingface.co/api/daily_papers?date=2024-08-02"
    with Store(tmp_path / "papers.sqlite3") as store:
        store.ingest(sources.parse(raw.decode(), url), raw=raw)
        assert store.star_readings("2408.90001") == [(today().isoformat(), 42)]
        with store.db:
            store.db.execute("UPDATE raw_pages SET fetched_at = '2024-08-03T09:00:00+00:00'")
            store.db.execute("DELETE FROM star_readings")
        reparse(store)
        assert store.star_readings("2408.90001") == [("2024-08-03", 42)]
