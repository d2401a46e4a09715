"""Scraping and `update` in process, against the replay server, on a fake clock: what is stored,
what each run reports, provisional days, abstracts from the API, faults and recovery, reparse."""

import json
import random
import re
from dataclasses import asdict

import pytest
from helpers import DEMO
from replay import FAULTS, FakeClock, Replay

from server.archive import Archive
from server.config import load
from server.crawl.fetch import Fetcher, Politeness
from server.crawl.importer import reparse
from server.crawl.scrape import Scraper
from server.crawl.targets import arxiv_list, hf_day, hf_period, public_url
from server.sources import parse
from server.store import Store
from server.update import UpdateBusy, update, update_lock

HF_BULK = "bulk/hf-daily-papers-api_2404589803"
HF_PAGE = "hf/daily/2024-08-01_slbqc-dailay_paper_info.html"
NEW_2018 = "arxiv/list-new/cs_2018-07-20_old-layout_from-python-string_ravoro-arxiv-helper.html"
MONTH = "arxiv/list-month/cs_2301_show3_browse-0.3.4_nullbio-arxiv-scraper.html"
TODAY = "2024-08-04"  # a Sunday: the week is Mon 07-29 .. Sun 08-04


@pytest.fixture
def site(corpus):
    """HF's API for every saved day (and [] for the rest), arXiv cs/new of 2024-08-02."""
    with Replay() as replay:
        replay.hf_api_days(corpus / HF_BULK)
        replay.add_file("/list/cs/new", DEMO / "arxiv-cs-new-2024-08-02.html", "text/html")
        yield replay


def settings(tmp_path, replay, **more):
    """Settings pointing every site at the replay server."""
    values = {
        "data": str(tmp_path / "data"),
        "hf_url": replay.url,
        "arxiv_url": replay.url,
        "arxiv_api_url": replay.url + "/api/query",
        "contact": "test@example.org",
        "categories": ["cs"],
        "fetch_timeout": 0.3,
        "hub_papers": 0,  # the Hub's artifacts have their own tests (test_artifacts.py)
        **more,
    }
    empty = tmp_path / "empty.toml"  # no file or variable of the machine's may change the test
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.write_text("")
    return load(values, empty, environ={})


def fetcher(config, clock=None) -> Fetcher:
    return Fetcher(Politeness.from_config(config), clock or FakeClock(), random.Random(7))


def run_update(config, today=TODAY, clock=None):
    """One in-process update (no build, no digest); its report and printed lines."""
    archive, lines = Archive(config), []
    try:
        report = update(archive, fetcher(config, clock), today, lines.append, steps=())
    finally:
        archive.close()
    return report, lines


def snapshot(config) -> dict:
    """What the store holds, without timestamps: papers, appearances, readings, raw pages."""
    with Store(config.data_dir / "papers.sqlite3") as store:
        papers = {p.id: asdict(p) for p in store.iter_papers()}
        lists = {pid: [asdict(a) for a in store.appearances(pid)] for pid in papers}
        readings = sorted(
            tuple(r)
            for r in store.db.execute(
                "SELECT a.paper_id, a.list, a.date, o.rank, o.upvotes, o.comments "
                "FROM observations o JOIN appearances a ON a.id = o.appearance_id"
            )
        )
        raw = sorted(r[0] for r in store.db.execute("SELECT sha256 FROM raw_pages"))
    return {"papers": papers, "appearances": lists, "readings": readings, "raw": raw}


def statuses(report) -> dict[str, str]:
    return {o.label: o.status for o in report.scrape.outcomes}


def test_update_stores_a_week_then_reports_nothing_new(tmp_path, site):
    config = settings(tmp_path, site)
    first, lines = run_update(config)
    assert first.exit_code == 0, lines
    assert statuses(first) == {
        **{f"hf 2024-0{d}": "new" for d in ("7-29", "7-30", "7-31", "8-01", "8-02")},
        "hf 2024-08-03": "weekend",
        "hf 2024-08-04": "weekend",
        "arxiv cs/new": "new",
    }
    stored = snapshot(config)
    assert len(stored["papers"]) > 50 and len(stored["raw"]) == 7  # 5 days, [] once, cs/new
    second, lines = run_update(config)
    assert second.exit_code == 1
    assert statuses(second) == {**statuses(first), **{k: "unchanged" for k in statuses(first)}} | {
        "hf 2024-08-03": "weekend",
        "hf 2024-08-04": "weekend",
        "arxiv cs/new": "weekend",
    }
    text = "\n".join(lines)
    assert "not modified since the last run (HTTP 304)" in text
    assert "arXiv announces nothing on Saturday and Sunday" in text
    assert second.scrape.summary() == "nothing new: 5 unchanged, 3 weekend"
    assert snapshot(config) == stored


def test_each_update_repolls_the_window_and_records_upvote_drift(tmp_path, site, corpus):
    config = settings(tmp_path, site)
    run_update(config)
    items = json.loads((corpus / HF_BULK / "2024-08-01.json").read_text())
    items[0]["paper"]["upvotes"] += 5
    site.add("/api/daily_papers?date=2024-08-01", json.dumps(items), "application/json")
    report, lines = run_update(config)
    assert report.exit_code == 0
    assert (
        "  hf 2024-08-01: new: 0 papers new, 0 updated, 0 appearances new, 1 observations new"
        in (lines)
    )
    with Store(config.data_dir / "papers.sqlite3") as store:
        upvotes = [o["upvotes"] for o in store.observations(items[0]["paper"]["id"])]
    assert upvotes == [upvotes[0], upvotes[0] + 5]


def test_weekly_and_monthly_pages(tmp_path, site, corpus):
    for path in ("/papers/week/2024-W31", "/papers/month/2024-08"):
        site.add_file(path, corpus / HF_PAGE, "text/html")
    config = settings(tmp_path, site)
    archive = Archive(config)
    targets = [hf_period(config, "2024-W31"), hf_period(config, "2024-08")]
    report = Scraper(archive.store, fetcher(config), config, TODAY).run_all(targets)
    lists = archive.store.stats()["lists"]
    archive.close()
    assert [o.status for o in report.outcomes] == ["new", "new"]
    assert lists["hf-weekly"] == {"n": 13, "days": 1, "first": "2024-07-29", "last": "2024-07-29"}
    assert lists["hf-monthly"]["first"] == "2024-08-01"


def test_an_unchanged_page_is_known_by_its_hash_without_validators(tmp_path, site):
    site.etags = False
    config = settings(tmp_path, site)
    run_update(config)
    second, lines = run_update(config)
    assert second.exit_code == 1
    assert sum("the page is as last read" in line for line in lines) == 8


def test_raw_pages_and_listings_carry_the_public_url(tmp_path, site):
    config = settings(tmp_path, site)
    run_update(config)
    with Store(config.data_dir / "papers.sqlite3") as store:
        urls = {r[0] for r in store.db.execute("SELECT url FROM raw_pages")}
    assert "https://huggingface.co/api/daily_papers?date=2024-08-01" in urls
    assert "https://arxiv.org/list/cs/new" in urls
    assert public_url(config, site.url + "/api/query?id_list=1") == (
        "https://export.arxiv.org/api/query?id_list=1"
    )


def test_backfill_says_which_days_have_no_page(tmp_path, site, corpus):
    site.add_file("/papers/date/2024-08-01", corpus / HF_PAGE, "text/html")
    config = settings(tmp_path, site)
    archive = Archive(config)
    scraper = Scraper(archive.store, fetcher(config), config, TODAY)
    targets = [hf_day(config, d, via="page") for d in ("2024-07-31", "2024-08-01")]
    report = scraper.run_all(targets)
    archive.close()
    lines = [o.line() for o in report.outcomes]
    assert lines[0].startswith("hf 2024-07-31: missing: the site has no such page")
    assert "HTTP 404" in lines[0]
    assert lines[1].startswith("hf 2024-08-01: new: 13 papers new")
    assert report.changed and not report.failures


def test_papers_without_abstracts_get_them_from_the_api(tmp_path, site, corpus):
    site.add_file("/list/cs/2301", corpus / MONTH, "text/html")
    listing = parse((corpus / MONTH).read_text(), "https://arxiv.org/list/cs/2301")
    for paper in listing.papers:
        paper.abstract = f"What {paper.id} found."
        site.atom_papers[paper.id] = paper
    config = settings(tmp_path, site)
    archive = Archive(config)
    report = Scraper(archive.store, fetcher(config), config, TODAY).run_all(
        [arxiv_list(config, "cs/2301")]
    )
    stored = {p.id: p.abstract for p in archive.store.iter_papers()}
    queue = archive.store.crawl.abstract_queue()
    archive.close()
    assert stored == {p.id: f"What {p.id} found." for p in listing.papers}
    assert queue == []
    assert report.outcomes[-1].detail.endswith("3 of 3 abstracts filled")
    assert len(site.paths("/api/query?id_list=")) == 1


def test_abstracts_are_asked_in_batches_of_100(tmp_path, site):
    config = settings(tmp_path, site)
    archive = Archive(config)
    ids = [f"2408.{n:05d}" for n in range(1, 251)]
    with archive.store.db:
        archive.store.db.executemany(
            "INSERT INTO papers (id, title, first_seen, changed_at) VALUES (?, 't', '', '')",
            [(i,) for i in ids],
        )
    archive.store.crawl.queue_abstracts(ids)
    Scraper(archive.store, fetcher(config), config, TODAY).enrich()
    tries = {r[0] for r in archive.store.db.execute("SELECT tries FROM abstract_queue")}
    archive.close()
    asked = [p.split("id_list=")[1].split("&")[0].split(",") for p in site.paths("/api/query")]
    assert [len(a) for a in asked] == [100, 100, 50] and sum(asked, []) == ids
    assert tries == {1}  # unanswered: counted, and given up on after three tries


def test_a_short_day_is_provisional_until_it_fills(tmp_path, site, corpus):
    full = (corpus / HF_BULK / "2024-08-02.json").read_text()
    items = json.loads(full)
    site.add("/api/daily_papers?date=2024-08-02", json.dumps(items[:1]), "application/json")
    config = settings(tmp_path, site, sources=["hf"], repoll_days=5)
    first, lines = run_update(config, today="2024-08-02")
    assert "provisional: 1 papers of the" in "\n".join(lines)
    site.add("/api/daily_papers?date=2024-08-02", full, "application/json")
    later, lines = run_update(config, today="2024-08-12")  # 08-02 is out of the 5-day window
    assert any(line.startswith("  hf 2024-08-02 (provisional): new") for line in lines), lines
    assert "complete now" in "\n".join(lines)
    with Store(config.data_dir / "papers.sqlite3") as store:
        assert store.crawl.provisional_days() == []
        day = store.appearances_between("2024-08-02", "2024-08-02")
    assert len(day) == len(items) and later.exit_code == 0


def test_a_page_no_parser_reads_is_kept_for_reparse(tmp_path, site):
    site.add("/api/daily_papers?date=2024-08-02", '{"oops": true}', "application/json")
    config = settings(tmp_path, site, sources=["hf"], repoll_days=1)
    report, lines = run_update(config, today="2024-08-02")
    assert report.exit_code == 4
    assert "cannot read the page" in "\n".join(lines) and "paperboy reparse" in "\n".join(lines)
    with Store(config.data_dir / "papers.sqlite3") as store:
        assert store.count("raw_pages") == 1


def test_reparse_rebuilds_what_the_raw_pages_hold(tmp_path, site):
    config = settings(tmp_path, site)
    run_update(config)
    before = snapshot(config)
    with Store(config.data_dir / "papers.sqlite3") as store:
        store.db.execute("DELETE FROM observations")
        store.db.execute("DELETE FROM appearances")
        store.db.execute("DELETE FROM papers")
        report = reparse(store)
    assert report.pages == 7 and not report.failures
    assert report.papers_new == len(before["papers"])
    after = snapshot(config)
    assert after["papers"] == before["papers"] and after["appearances"] == before["appearances"]


def test_an_update_refuses_to_run_twice_at_once(tmp_path, site):
    config = settings(tmp_path, site)
    config.data_dir.mkdir(parents=True)
    with update_lock(config.data_dir), pytest.raises(UpdateBusy, match="another"):
        run_update(config)


# -- faults: each one is reported, nothing is lost, the next run recovers --------------------

DAY = "/api/daily_papers?date=2024-08-01"
RECOVERED_IN_RUN = {"429": "", "503": "", "timeout": "", "truncated": ""}
FAILED_THEN_RECOVERED = {
    "wrong-type": "wrong content type text/html: expected json",
    "redirect-loop": "redirect loop",
    "huge": "the page is too large: 10485760 bytes",
    "robots": "robots.txt of http://127.0.0.1:\\d+ disallows it for Paperboy",
}


@pytest.fixture
def clean(tmp_path, site):
    """The store after a run without faults."""
    config = settings(tmp_path / "clean", site)
    assert run_update(config)[0].exit_code == 0
    site.hits.clear()
    return snapshot(config)


@pytest.mark.parametrize("fault", list(RECOVERED_IN_RUN))
def test_transient_faults_are_retried_in_the_same_run(tmp_path, site, clean, fault):
    site.fault(DAY, fault)
    clock = FakeClock()
    report, lines = run_update(settings(tmp_path, site), clock=clock)
    assert report.exit_code == 0 and not report.scrape.failures, lines
    assert [h.fault for h in site.hits if h.path == DAY] == [fault, None]
    assert (7.0 in clock.sleeps) == (fault == "429")  # Retry-After honoured
    assert snapshot(settings(tmp_path, site)) == clean


@pytest.mark.parametrize("fault", list(FAILED_THEN_RECOVERED))
def test_other_faults_fail_clearly_and_the_next_run_recovers(tmp_path, site, clean, fault):
    if fault == "robots":
        site.robots = "User-agent: *\nDisallow: /api/*date=2024-08-01\n"
    else:
        site.fault(DAY, fault)
    config = settings(tmp_path, site)
    report, lines = run_update(config)
    assert [o.label for o in report.scrape.failures] == ["hf 2024-08-01"]
    assert re.search(FAILED_THEN_RECOVERED[fault], report.scrape.failures[0].detail), lines
    assert report.exit_code == 0  # the other days were new
    site.robots = "User-agent: *\nDisallow: /private/\n"
    again, lines = run_update(config)
    assert statuses(again)["hf 2024-08-01"] == "new" and again.exit_code == 0
    assert snapshot(config) == clean


def test_a_failed_source_and_nothing_new_exits_4(tmp_path, site):
    config = settings(tmp_path, site)
    run_update(config)
    site.robots = "User-agent: *\nDisallow: /\n"
    report, lines = run_update(config)
    assert report.exit_code == 4 and report.scrape.summary() == "nothing new: 8 failed"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_faults_in_20_percent_of_requests_end_as_a_clean_run(tmp_path, site, seed):
    clean_config = settings(tmp_path / "clean", site, repoll_days=21)
    assert run_update(clean_config)[0].exit_code == 0
    clean = snapshot(clean_config)
    site.hits.clear()
    site.rng.seed(seed)
    site.random_faults(0.2, FAULTS)
    config = settings(tmp_path, site, repoll_days=21)
    codes, failed = [], 0
    for _ in range(3):  # cron runs it again; faults stay on at 20% of requests throughout
        report, lines = run_update(config)
        codes.append(report.exit_code)
        failed += len(report.scrape.failures)
        assert all(o.detail for o in report.scrape.failures)
    faults = [h.fault for h in site.hits if h.fault]
    print(f"seed {seed}: {len(site.hits)} requests, {len(faults)} faults {sorted(set(faults))},")
    print(f"  {failed} targets failed over 3 runs, exit codes {codes}; store identical to clean")
    assert len(faults) >= 3 and len(set(faults)) >= 3, faults
    assert snapshot(config) == clean, (codes, faults)
