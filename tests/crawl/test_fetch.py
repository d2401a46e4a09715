"""The polite fetcher against the replay server: who we say we are, robots.txt, per-host delays,
retries and backoff (on a fake clock), conditional GET, gzip, size and content-type limits."""

import gzip
import random

import pytest
from replay import FakeClock, Replay

from server.config import load
from server.crawl.fetch import Fetcher, FetchError, Politeness, retry_after


@pytest.fixture
def replay():
    with Replay() as server:
        server.add("/page", "<html><p>hello</p></html>", "text/html")
        server.add("/data", '[{"a": 1}]', "application/json")
        yield server


def fetcher(clock=None, **settings) -> Fetcher:
    politeness = Politeness(contact="ada@example.org", default_delay=0.0, timeout=0.3)
    for name, value in settings.items():
        setattr(politeness, name, value)
    return Fetcher(politeness, clock or FakeClock(), random.Random(1))


def test_user_agent_names_paperboy_and_the_contact_and_gzip_is_undone(replay):
    response = fetcher().get(replay.url + "/page", "html")
    assert response.status == 200 and response.body == b"<html><p>hello</p></html>"
    hit = replay.hits[-1]
    assert hit.headers["User-Agent"].startswith("Paperboy/")
    assert "mailto:ada@example.org" in hit.headers["User-Agent"]
    assert hit.headers["Accept-Encoding"] == "gzip"
    assert replay.paths() == ["/robots.txt", "/page"]  # robots.txt first, once per host


def test_conditional_get_gives_not_modified(replay):
    f = fetcher()
    first = f.get(replay.url + "/page", "html")
    again = f.get(replay.url + "/page", "html", etag=first.etag)
    assert again.not_modified and again.body == b""
    assert replay.hits[-1].headers["If-None-Match"] == first.etag


def test_robots_disallow_is_honoured_with_wildcards(replay):
    replay.robots = "User-agent: *\nDisallow: /list/*/pastweek\n"
    replay.add("/list/cs/pastweek", "<html></html>", "text/html")
    f = fetcher()
    with pytest.raises(FetchError, match="robots.txt .* disallows it for Paperboy"):
        f.get(replay.url + "/list/cs/pastweek")
    assert "/list/cs/pastweek" not in replay.paths()
    assert f.get(replay.url + "/page").status == 200


def test_robots_disallow_all_and_missing_robots(replay):
    replay.robots = "User-agent: Paperboy\nDisallow: /\n"
    with pytest.raises(FetchError, match="disallows"):
        fetcher().get(replay.url + "/page")
    with Replay() as bare:  # robots.txt 404: everything allowed
        bare.add("/page", "<p>x</p>", "text/html")
        bare.robots = None
        assert fetcher().get(bare.url + "/page").status == 200


def test_unreadable_robots_means_not_fetching(replay):
    replay.fault("/robots.txt", *["503"] * 6)
    with pytest.raises(FetchError, match=r"robots.txt could not be read \(HTTP 503"):
        fetcher().get(replay.url + "/page")
    assert "/page" not in replay.paths()


def test_crawl_delay_from_robots_raises_the_delay(replay):
    replay.robots = "User-agent: *\nCrawl-delay: 5\n"
    clock = FakeClock()
    f = fetcher(clock, default_delay=1.0)
    for _ in range(3):
        f.get(replay.url + "/page")
    assert clock.sleeps == [5.0, 5.0, 5.0]  # from the first page on, after robots.txt


def test_delay_per_host_arxiv_3s_hf_1s():
    clock = FakeClock()
    with Replay() as hf, Replay() as arxiv:
        for server in (hf, arxiv):
            server.add("/p", "<p>x</p>", "text/html")
            server.clock = clock
        config = load({"hf_url": hf.url, "arxiv_url": arxiv.url, "contact": "a@b.c"}, environ={})
        f = Fetcher(Politeness.from_config(config), clock)
        assert f.delay(hf.url[7:]) == 1.0 and f.delay(arxiv.url[7:]) == 3.0
        for _ in range(3):
            f.get(hf.url + "/p")
            f.get(arxiv.url + "/p")
        hf_times = [h.at for h in hf.hits if h.path == "/p"]
        arxiv_times = [h.at for h in arxiv.hits if h.path == "/p"]
    assert all(b - a >= 1.0 for a, b in zip(hf_times, hf_times[1:], strict=False))
    assert all(b - a >= 3.0 for a, b in zip(arxiv_times, arxiv_times[1:], strict=False))
    assert clock.t - 1000.0 <= 1 + 3 * 3  # arXiv's own 3 gaps (robots.txt first), not the sum


def test_429_honours_retry_after_then_succeeds(replay):
    replay.fault("/page", "429")
    clock = FakeClock()
    assert fetcher(clock).get(replay.url + "/page").status == 200
    assert clock.sleeps == [7.0]
    assert [h.fault for h in replay.hits if h.path == "/page"] == ["429", None]


def test_503s_back_off_exponentially_with_jitter(replay):
    replay.fault("/page", "503", "503", "503", "503")
    clock = FakeClock()
    assert fetcher(clock).get(replay.url + "/page").status == 200
    assert len(clock.sleeps) == 4
    for n, slept in enumerate(clock.sleeps):
        assert 2**n / 2 <= slept <= 2**n  # equal jitter: half fixed, half random
    assert len(set(clock.sleeps)) == 4


def test_retries_stop_at_the_budget(replay):
    replay.fault("/page", *["503"] * 10)
    clock = FakeClock()
    with pytest.raises(FetchError, match=r"HTTP 503.*gave up after \d tries.*10 s budget"):
        fetcher(clock, budget=10.0).get(replay.url + "/page")
    assert sum(clock.sleeps) <= 10.0


def test_retry_after_beyond_the_budget_gives_up_at_once(replay):
    replay.fault("/page", "429")
    with pytest.raises(FetchError, match="HTTP 429.*gave up after 1 tries.*budget"):
        fetcher(budget=5.0).get(replay.url + "/page")


@pytest.mark.parametrize("fault", ["timeout", "truncated"])
def test_timeouts_and_cut_bodies_are_retried(replay, fault):
    replay.fault("/page", fault)
    assert fetcher().get(replay.url + "/page").body == b"<html><p>hello</p></html>"
    assert [h.fault for h in replay.hits if h.path == "/page"] == [fault, None]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("wrong-type", "wrong content type text/html: expected json"),
        ("redirect-loop", "redirect loop: .*/data -> .*/loop/1 -> .*/loop/2 -> .*/loop/1"),
        ("huge", "too large: 10485760 bytes"),
    ],
)
def test_faults_that_are_not_retried_say_what_went_wrong(replay, fault, message):
    replay.fault("/data", fault)
    with pytest.raises(FetchError, match=message) as caught:
        fetcher().get(replay.url + "/data", "json")
    assert replay.url + "/data" in str(caught.value)
    assert fetcher().get(replay.url + "/data", "json").body == b'[{"a": 1}]'  # next run: fine


def test_a_gzip_bomb_is_refused(replay):
    replay.gzip = False
    bomb = gzip.compress(b"a" * 2_000_000)
    replay.add("/bomb", bomb, "text/html", **{"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="too large: over 1000000 bytes once unzipped"):
        fetcher(max_bytes=1_000_000).get(replay.url + "/bomb")


def test_retry_after_forms():
    assert retry_after("120") == 120.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert retry_after("soon") is None and retry_after(None) is None


def test_jitter_leaves_the_global_random_alone(replay):
    state = random.getstate()
    replay.fault("/page", "503", "503")
    fetcher().get(replay.url + "/page")
    assert random.getstate() == state  # whoosh relies on the global generator


def test_a_name_that_does_not_resolve_fails_at_once():
    # offline (or a mistyped host), no retry can help: once 6 tries over 27 s of backoff
    clock = FakeClock()
    with pytest.raises(FetchError, match="no-such-host.invalid does not resolve") as failed:
        fetcher(clock).get("http://no-such-host.invalid/papers", "html")
    assert "offline" in str(failed.value)
    assert clock.sleeps == []
