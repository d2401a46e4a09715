"""`paperboy update`, `scrape`, `reparse`, `config`: real processes against the replay server."""

import re

import pytest
from helpers import DEMO, run, run_crashing
from mailsink import MailServer, Sink
from replay import Replay

from server.archive import Archive
from server.config import load

HF_BULK = "bulk/hf-daily-papers-api_2404589803"
HF_PAGE = "hf/daily/2024-08-01_slbqc-dailay_paper_info.html"
ABS = "arxiv/abs/2004.10162_browse-0.3.0_2020_gfournier-document-scraper.html"


@pytest.fixture
def site(corpus, monkeypatch, tmp_path):
    """A replay server with a week of HF days and arXiv cs/new, and settings pointing at it."""
    with Replay() as replay:
        replay.hf_api_days(corpus / HF_BULK)
        replay.add_file("/list/cs/new", DEMO / "arxiv-cs-new-2024-08-02.html", "text/html")
        replay.add_file("/papers/date/2024-08-01", corpus / HF_PAGE, "text/html")
        replay.add_file("/abs/2004.10162", corpus / ABS, "text/html")
        for name, value in {
            "HF_URL": replay.url,
            "ARXIV_URL": replay.url,
            "ARXIV_API_URL": replay.url + "/api/query",
            "DELAY_HF": "0",
            "DELAY_ARXIV": "0",
            "HUB_PAPERS": "0",  # the Hub's artifacts: tests/cli/test_artifacts_cli.py
            "CATEGORIES": "cs",
            "CONTACT": "test@example.org",
            "SITE_DIR": str(tmp_path / "site"),
            "CONFIG": str(tmp_path / "paperboy.toml"),
        }.items():
            monkeypatch.setenv(f"PAPERBOY_{name}", value)
        (tmp_path / "paperboy.toml").write_text("")  # a named file must exist; the tests fill it
        yield replay


def test_update_stores_a_week_then_says_nothing_new_and_why(tmp_path, site):
    data = tmp_path / "data"
    first = run(data, "update", "--date", "2024-08-04")
    assert first.returncode == 0, first.stderr
    assert "hf 2024-07-30: new: 20 papers new" in first.stdout
    assert "hf 2024-08-03: weekend: no papers listed (weekend)" in first.stdout
    assert "arxiv cs/new: new: 8 papers new" in first.stdout
    assert "new: 71 papers new, 0 updated, 71 appearances new" in first.stdout
    assert "index: search index was missing: rebuilt with 71 papers" in first.stdout
    assert "build: " in first.stdout and "digest: " in first.stdout
    took = re.search(
        r"^took: scrape ([\d.]+)s, index ([\d.]+)s, build ([\d.]+)s, "
        r"digest ([\d.]+)s; ([\d.]+)s in all$",
        first.stdout,
        re.M,
    )
    assert took, first.stdout  # each step's time, for a cron log
    steps = [float(took[n]) for n in range(1, 5)]
    assert steps[2] > 0 and abs(sum(steps) - float(took[5])) <= 0.2
    second = run(data, "update", "--date", "2024-08-04")
    assert second.returncode == 1, second.stderr
    assert second.stdout.count("not modified since the last run (HTTP 304)") == 8
    assert "arXiv announces nothing on Saturday and Sunday" in second.stdout
    assert second.stdout.rstrip().endswith("nothing new: 5 unchanged, 3 weekend")
    assert "build: nothing new" in second.stdout


def test_a_crash_between_scraping_and_indexing_is_finished_by_the_next_update(tmp_path, site):
    data = tmp_path / "data"
    crashed = run_crashing(data, "scrape", "update", "--date", "2024-08-04", "--no-build")
    assert crashed.returncode == 9 and "index:" not in crashed.stdout
    archive = Archive(load({"data": str(data)}))
    assert archive.store.count("papers") == 71
    assert archive.index.state(archive.store) == "missing"
    archive.close()
    again = run(data, "update", "--date", "2024-08-04", "--no-build")
    assert again.returncode == 0, again.stderr  # the interrupted run's news is news
    assert "resuming: the update started" in again.stdout
    assert "index: search index was missing: rebuilt with 71 papers" in again.stdout
    assert "nothing new: 5 unchanged, 3 weekend" in again.stdout
    assert run(data, "search", "transformer").returncode == 0
    assert run(data, "update", "--date", "2024-08-04", "--no-build").returncode == 1


def test_scrape_backfill_skips_days_without_a_page(tmp_path, site):
    result = run(
        tmp_path / "data", "scrape", "hf", "--since", "2024-07-31", "--until", "2024-08-01",
        "--via", "page",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "hf 2024-07-31: missing: the site has no such page" in result.stdout
    assert "hf 2024-08-01: new: 13 papers new" in result.stdout


def test_scrape_arxiv_and_plain_urls(tmp_path, site):
    data = tmp_path / "data"
    listed = run(data, "scrape", "arxiv", "--list", "cs/new", "--abs", "2004.10162")
    assert listed.returncode == 0, listed.stderr
    assert "arxiv cs/new: new: 8 papers new" in listed.stdout
    assert "arxiv abs 2004.10162: new: 1 papers new" in listed.stdout
    by_url = run(data, "scrape", site.url + "/api/daily_papers?date=2024-08-02")
    assert by_url.returncode == 0 and "new: 16 papers new" in by_url.stdout
    again = run(data, "scrape", "url", site.url + "/api/daily_papers?date=2024-08-02")
    assert again.returncode == 1 and "nothing new: 1 unchanged" in again.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["scrape", "hf"],
        ["scrape", "hf", "--date", "yesterday"],
        ["scrape", "arxiv", "--list", "cs.LG"],
        ["scrape", "ftp://example.org/x"],
        ["update", "--date", "2024-13-01"],
    ],
)
def test_scrape_usage_errors_exit_2(tmp_path, site, args):
    result = run(tmp_path / "data", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_failed_source_with_nothing_new_exits_4(tmp_path, site):
    site.robots = "User-agent: *\nDisallow: /\n"
    result = run(tmp_path / "data", "update", "--date", "2024-08-04", "--no-build")
    assert result.returncode == 4
    assert "paperboy: error: hf 2024-08-01: failed:" in result.stderr
    assert "disallows it for Paperboy" in result.stderr


def test_reparse_rereads_raw_pages_without_fetching(tmp_path, site):
    data = tmp_path / "data"
    run(data, "update", "--date", "2024-08-04", "--no-build")
    site.hits.clear()
    result = run(data, "reparse")
    assert result.returncode == 1, result.stderr  # the same parsers find nothing new
    assert result.stdout.startswith("7 raw pages read, 0 papers new")
    assert site.hits == []


def test_config_shows_each_value_and_where_it_came_from(tmp_path, site, monkeypatch):
    (tmp_path / "paperboy.toml").write_text('sources = ["hf"]\nrepoll_days = 3\n')
    monkeypatch.setenv("PAPERBOY_SMTP_PASSWORD", "hunter2")
    result = run(tmp_path / "data", "--data", str(tmp_path / "d2"), "config")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert rows["repoll_days"].split()[1:] == ["3", str(tmp_path / "paperboy.toml")]
    assert rows["categories"].split()[1:] == ["cs", "environment"]
    assert rows["delay_hf"].split()[-1] == "environment"
    assert rows["data"].endswith("command line") and rows["digest_size"].endswith("default")
    assert "hunter2" not in result.stdout and "********" in rows["smtp_password"]


def _break(step: str, data, tmp_path, mail: MailServer) -> dict:
    """Settings (and files) under which `step` of an update fails, and nothing else does."""
    if step == "index":  # a file where the index's folder must be
        data.mkdir(parents=True)
        (data / "index").write_text("not a folder\n")
        return {}
    if step == "build":  # the site folder cannot be made: a file stands in its path
        (tmp_path / "blocker").write_text("")
        return {"site_dir": str(tmp_path / "blocker" / "site")}
    # the digest: a confirmed subscriber, and the mail server not started yet
    assert run(data, "subscribers", "add", "reader@example.org").returncode == 0
    return {"smtp_port": str(mail.port)}


DAY = "2024-08-02"  # a Friday: the digest has a day to send
WHY = {
    "index": "NotADirectoryError",
    "build": "NotADirectoryError",
    "digest": "SmtpFailure: SMTP server 127.0.0.1",
}


@pytest.mark.parametrize("broken", ["index", "build", "digest"])
def test_a_failed_step_exits_7_names_it_and_keeps_what_succeeded(tmp_path, site, broken):
    data, mail = tmp_path / "data", MailServer(Sink())
    settings = _break(broken, data, tmp_path, mail)
    result = run(data, "update", "--date", DAY, **settings)
    assert result.returncode == 7, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    said = f"paperboy: error: update: the {broken} step failed: {WHY[broken]}"
    assert said in result.stderr, result.stderr
    assert result.stderr.count("paperboy: error: update:") == 1 + (broken == "index")
    assert "new: 71 papers new" in result.stdout  # the scrape's summary still says what came
    archive = Archive(load({"data": str(data)}))
    assert archive.store.count("papers") == 71  # what the scrape stored is kept
    archive.close()
    built = re.search(r"^build: .*site: \d+ pages", result.stdout, re.M)
    assert bool(built) == (broken == "digest"), result.stdout  # the steps before it succeeded
    if broken != "index":
        assert run(data, "search", "transformer").returncode == 0
    # mended, the next update finishes what failed, and says so
    if broken == "index":
        (data / "index").unlink()
    settings.pop("site_dir", None)
    with mail:
        again = run(data, "update", "--date", DAY, **settings)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resuming: the update started" in again.stdout
    assert (tmp_path / "site" / "index.html").is_file()
    sent = mail.handler.recipients()
    assert sent == (["reader@example.org"] if broken == "digest" else []), sent
