"""Thumbnails downloaded at scrape time (the `thumbnails` setting), against the replay server with
images made by the test: saved into the data folder once; a 404, an oversized body, a wrong
content type and bytes that are not the image they claim are refused, named, and the scrape goes on.
"""

import json
import os

from crawl.test_scrape import TODAY, fetcher, settings
from helpers import DEMO, tiny_png
from replay import Replay

from server.archive import Archive, thumbnail_file
from server.crawl.scrape import Scraper
from server.crawl.targets import hf_day
from server.crawl.thumbnails import MAX_BYTES, image_type

DAY = "2024-08-05"


def day_with_thumbnails(replay: Replay, names: list[str]) -> list[str]:
    """The demo's HF API day, its papers' thumbnails pointing at the replay server's /t/NAME."""
    items = json.loads((DEMO / "hf-api-2024-08-05.json").read_text())
    for n, item in enumerate(items):
        item["thumbnail"] = f"{replay.url}/t/{names[n]}" if n < len(names) else None
    replay.add(f"/api/daily_papers?date={DAY}", json.dumps(items), "application/json")
    return [item["paper"]["id"] for item in items]


def scrape(tmp_path, replay, **more):
    config = settings(tmp_path, replay, **more)
    archive = Archive(config)
    report = Scraper(archive.store, fetcher(config), config, TODAY).run_all(
        [hf_day(config, DAY)], enrich=False
    )
    archive.close()
    return config.data_dir, report


def test_thumbnails_are_saved_and_the_bad_ones_refused(tmp_path):
    png = tiny_png()
    with Replay() as replay:
        replay.add("/t/good.png", png, "image/png")
        replay.add("/t/huge.png", png + os.urandom(MAX_BYTES), "image/png")
        replay.add("/t/page.png", b"<html><script>alert(1)</script></html>", "text/html")
        ids = day_with_thumbnails(replay, ["good.png", "huge.png", "page.png", "missing.png"])
        data, report = scrape(tmp_path, replay, thumbnails=True)
        asked = replay.paths("/t/")
        # a second run stores nothing new, and asks again only for those it lacks
        data, again = scrape(tmp_path, replay, thumbnails=True)
        asked_again = replay.paths("/t/")[len(asked) :]
    assert report.outcomes[0].status == "new"
    detail = report.outcomes[0].detail
    assert "thumbnails: 1 saved, 3 refused" in detail
    assert "too large" in detail and "wrong content type text/html" in detail
    assert "HTTP 404" in detail
    saved = thumbnail_file(data, ids[0])
    assert saved is not None and saved.read_bytes() == png and saved.name == f"{ids[0]}.png"
    assert [thumbnail_file(data, i) for i in ids[1:]] == [None, None, None]
    assert not list((data / "thumbnails").glob("*.part"))
    assert sorted(asked) == ["/t/good.png", "/t/huge.png", "/t/missing.png", "/t/page.png"]
    assert again.outcomes[0].status == "unchanged" and asked_again == []


def test_bytes_that_are_not_the_claimed_image_are_refused(tmp_path):
    with Replay() as replay:
        replay.add("/t/liar.png", b"<svg onload='alert(1)'/>", "image/png")
        replay.add("/t/jpeg.png", tiny_png(), "image/jpeg")
        ids = day_with_thumbnails(replay, ["liar.png", "jpeg.png"])
        data, report = scrape(tmp_path, replay, thumbnails=True)
    detail = report.outcomes[0].detail
    assert "thumbnails: 0 saved, 2 refused" in detail
    assert detail.count("the body is not the image its Content-Type says") == 2
    assert thumbnail_file(data, ids[0]) is None and thumbnail_file(data, ids[1]) is None


def test_off_by_default_nothing_is_fetched(tmp_path):
    with Replay() as replay:
        replay.add("/t/good.png", tiny_png(), "image/png")
        ids = day_with_thumbnails(replay, ["good.png"])
        data, report = scrape(tmp_path, replay)
        asked = replay.paths("/t/")
    assert report.outcomes[0].status == "new" and "thumbnail" not in report.outcomes[0].detail
    assert asked == [] and thumbnail_file(data, ids[0]) is None


def test_image_types_by_their_first_bytes():
    assert image_type(tiny_png()) == "png"
    assert image_type(b"\xff\xd8\xff\xe0rest") == "jpg"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert image_type(b"GIF89a...") == "gif"
    assert image_type(b"<svg/>") is None and image_type(b"") is None


def test_a_thumbnail_elsewhere_than_hugging_face_is_never_asked(tmp_path):
    """A listing's thumbnail address is page text: one on another host (a service on this
    machine, say) is refused without a request."""
    other = Replay()
    with Replay() as replay, other:
        other.add("/admin/delete", tiny_png(), "image/png")
        ids = day_with_thumbnails(replay, ["x.png"])
        items = json.loads(replay.pages[f"/api/daily_papers?date={DAY}"].body)
        items[0]["thumbnail"] = f"{other.url}/admin/delete"
        replay.add(f"/api/daily_papers?date={DAY}", json.dumps(items), "application/json")
        data, report = scrape(tmp_path, replay, thumbnails=True)
        asked = other.paths("/")
    assert asked == [] and thumbnail_file(data, ids[0]) is None
    assert "not a Hugging Face address" in report.outcomes[0].detail
