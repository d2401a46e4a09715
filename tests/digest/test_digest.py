"""The e-mail digest end to end: a real store, a real SMTP server (aiosmtpd), parsed messages."""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from datetime import date
from email.message import EmailMessage
from html import unescape

import pytest
from conftest import CORPUS, need
from helpers import DEMO, EXE, free_port, run
from mailsink import Dropper, KillsTheSender, MailServer, Refuser, Sink

from server.archive import Archive
from server.config import load
from server.crawl.importer import import_paths
from server.digest import NothingToSend
from server.digest.choose import plan
from server.digest.runner import run as run_digest
from server.models import Appearance, Listing, Paper

DAY = date(2024, 8, 2)
HOSTILE = (
    '<script>alert("x")</script>\r\nBcc: victim@evil.example\r\n\r\n<img src=x onerror=alert(1)>'
)


def archive_at(tmp_path, port: int = 25, **settings) -> Archive:
    """An archive over the demo pages in tmp_path/data with SMTP on 127.0.0.1:port."""
    config = load({"data": str(tmp_path / "data"), "smtp_port": port, **settings}, environ={})
    archive = Archive(config)
    if not archive.store.count("papers"):
        import_paths(archive.store, [str(DEMO)])
        archive.index.ensure(archive.store)
    return archive


@pytest.fixture
def sink():
    with MailServer(Sink()) as server:
        yield server


def add(archive: Archive, n: int, topics: list[str] | None = None, period: str = "daily") -> None:
    archive.store.subscribers.add_many(
        [(f"reader{i}@example.org", period, topics or []) for i in range(n)]
    )


def send(archive: Archive, day: date = DAY):
    try:
        return run_digest(archive, "daily", day)
    finally:
        archive.close()


def parts(msg: EmailMessage) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_digest_structure_headers_and_links(tmp_path, sink):
    archive = archive_at(tmp_path, sink.port, public_url="https://pb.example")
    add(archive, 3)
    report = send(archive)
    assert report.outcome.sent == 3 and sink.handler.recipients() == [
        "reader0@example.org",
        "reader1@example.org",
        "reader2@example.org",
    ]
    msg = sink.handler.messages()[0]
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["From"] == "Paperboy <paperboy@localhost>" and msg["To"] == "reader0@example.org"
    assert msg["Subject"].startswith("Paperboy daily digest, Friday 2 August 2024: ")
    assert re.fullmatch(r"<daily\.2024-08-02\.1\.[0-9a-f]{20}@localhost>", msg["Message-ID"])
    unsubscribe = re.fullmatch(
        r"<(https://pb\.example/unsubscribe\?token=1\.[\w-]+)>", msg["List-Unsubscribe"]
    )
    assert unsubscribe and msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(msg)
    top = report.edition.papers[0]
    assert top.id == "2408.90001" and top.upvotes == 57
    for body in (text, html):
        assert "Sparse Lattice Transformers" in body and "57 upvotes" in body
        assert "https://pb.example/paper/2408.90001.html" in body
        assert "https://arxiv.org/abs/2408.90001" in body
        assert unsubscribe[1] in body
    assert "style=" in html and "<style" not in html  # inline CSS only
    assert not re.search(r"<(img|script|link|iframe)\b", html)
    assert all(h.startswith("https://") for h in re.findall(r'href="([^"]*)"', html))


def test_topic_matches_add_a_section(tmp_path, sink):
    archive = archive_at(tmp_path, sink.port, digest_size=1)
    archive.store.subscribers.add("topics@example.org", "daily", ["reward", "title:("])
    archive.store.subscribers.add("plain@example.org", "daily", [])
    send(archive)
    by_to = {m["To"]: parts(m) for m in sink.handler.messages()}
    assert "Your topic \u201creward\u201d" in by_to["topics@example.org"][0]
    assert "Reward" in by_to["topics@example.org"][0].split("Your topic")[1]
    assert "Your topic" not in by_to["plain@example.org"][0]


def test_the_owner_gets_a_for_you_section_from_their_saved_papers(tmp_path, sink):
    """Issue 19: the subscriber whose address is the owner_email setting gets the period's
    papers most like their saved ones, each saying why; other subscribers do not."""
    archive = archive_at(tmp_path, sink.port, digest_size=1, owner_email="Me@Example.org")
    archive.store.desk.save("2408.90003")  # Self-Correcting Agents with Verifier Feedback
    archive.store.desk.save("2408.90007")  # Robust Reward Models under Distribution Shift
    archive.store.subscribers.add("me@example.org", "daily", [])
    archive.store.subscribers.add("other@example.org", "daily", [])
    owner = archive_at(tmp_path, sink.port, owner_email="me@example.org")
    from server import service

    expected = service.recommend(owner.store, owner.index, days=1, limit=5)["papers"]
    owner.close()
    send(archive)
    by_to = {m["To"]: parts(m) for m in sink.handler.messages()}
    mine_text, mine_html = by_to["me@example.org"]
    section = mine_text.split("For you, from your saved papers", 1)[1]
    titles = [p["title"] for p in expected]
    assert expected and all(t in section for t in titles)
    assert [section.index(t) for t in titles] == sorted(section.index(t) for t in titles)
    assert "2408.90003" not in section and "2408.90007" not in section  # saved: never picked
    assert "close to" in section and "For you" in mine_html
    assert "For you" not in by_to["other@example.org"][0]


def test_hostile_titles_are_escaped_and_cannot_inject_headers(tmp_path, sink):
    archive = archive_at(tmp_path, sink.port)
    paper = Paper(
        id="2408.99999", title=HOSTILE, authors=['<b>Eve</b> "Mallory"'], abstract=HOSTILE
    )
    day = "2024-08-01"  # a day of its own, so that it is the top paper and in the subject
    listing = Listing(kind="test", url="https://x.example", date=day, papers=[paper])
    listing.appearances = [Appearance("2408.99999", "hf-daily", day, rank=1, upvotes=999)]
    archive.store.ingest(listing)
    add(archive, 1)
    send(archive, date.fromisoformat(day))
    [(_, rcpts, raw)] = sink.handler.received
    assert rcpts == ["reader0@example.org"]
    msg = sink.handler.messages()[0]
    assert msg["Bcc"] is None and "victim" not in str(msg["To"])
    assert "\n" not in msg["Subject"] and msg["Subject"].count("Bcc") == 1  # text, not a header
    assert not re.search(rb"^Bcc:", raw, re.M)
    text, html = parts(msg)
    assert "<script" not in html and "<img" not in html and "<b>Eve" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Eve&lt;/b&gt; &quot;Mallory&quot;" in html
    assert '<script>alert("x")</script> Bcc: victim@evil.example' in text


def test_hostile_signals_are_escaped_and_bad_links_dropped(tmp_path, sink):
    archive = archive_at(tmp_path, sink.port)
    paper = Paper(
        id="2408.99998",
        title="Plain title",
        org_name=HOSTILE,
        hf_summary=HOSTILE,
        code_url="javascript:alert(1)",
        project_url='https://ok.example/"><script>alert(1)</script>',
    )
    day = "2024-08-01"
    listing = Listing(kind="test", url="https://x.example", date=day, papers=[paper])
    listing.appearances = [Appearance(paper.id, "hf-daily", day, rank=1, upvotes=9, comments=2)]
    archive.store.ingest(listing)
    add(archive, 1)
    send(archive, date.fromisoformat(day))
    text, html = parts(sink.handler.messages()[0])
    assert "<script" not in html and "<img" not in html and "javascript:" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 2  # org, summary
    assert "HUGGING FACE&#x27;S SUMMARY" in html and "2 comments" in html
    assert "Code:" not in text and "javascript:" not in text
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("https://", "http://")) for h in hrefs), hrefs


def test_math_is_mathml_in_the_html_and_its_source_in_the_text(tmp_path, sink):
    archive = archive_at(tmp_path, sink.port)
    paper = Paper(
        id="2408.99997",
        title=r"Sorting in $O(n \log n)$ comparisons",
        abstract=r"We bound $x^2 + y^2$ and keep $\href{https://evil.example}{x}$ as text.",
    )
    day = "2024-08-01"
    listing = Listing(kind="test", url="https://x.example", date=day, papers=[paper])
    listing.appearances = [Appearance(paper.id, "hf-daily", day, rank=1, upvotes=9)]
    archive.store.ingest(listing)
    add(archive, 1)
    send(archive, date.fromisoformat(day))
    text, html = parts(sink.handler.messages()[0])
    assert html.count("<math") == 2 and "<msup>" in html
    assert r"$\href{https://evil.example}{x}$" in unescape(html)  # refused: stays its source
    assert "evil.example" not in re.findall(r'href="([^"]*)"', html)
    assert r"Sorting in $O(n \log n)$ comparisons" in text and "<math" not in text


def test_longlive_entry_carries_hugging_faces_signals(tmp_path, sink):
    """LongLive-2.0 (2605.18739) on its day in the bulk corpus: organisation, stars, comments,
    Hugging Face's summary (labelled), code and project links, in both bodies."""
    day_file = CORPUS / "bulk" / "hf-daily-papers-api_2404589803" / "2026-05-19.json"
    need(day_file.is_file(), f"the bulk corpus's 2026-05-19 is absent at {day_file}")
    config = load({"data": str(tmp_path / "data"), "smtp_port": sink.port}, environ={})
    archive = Archive(config)
    import_paths(archive.store, [str(day_file)])
    archive.index.ensure(archive.store)
    add(archive, 1)
    report = send(archive, date(2026, 5, 19))
    [entry] = [p for p in report.edition.papers if p.id == "2605.18739"]
    assert entry.org == "NVIDIA" and entry.stars == "\u2605 1,221 GitHub stars"
    text, html = parts(sink.handler.messages()[0])
    block = text[text.index("LongLive-2.0") :].split("\n\n")[0]
    assert "NVIDIA \u00b7 \u2605 1,221 GitHub stars" in block and "1 comment" in block
    assert "Hugging Face's summary: LongLive-2.0 presents an NVFP4-based" in block
    assert "Code: https://github.com/NVlabs/LongLive" in block
    assert "Project page: https://nvlabs.github.io/LongLive/LongLive2/" in block
    row = html[html.index("LongLive-2.0") :].split("</tr>")[0]
    assert "NVIDIA &middot;" in row or "NVIDIA \u00b7" in row
    assert "HUGGING FACE&#x27;S SUMMARY" in row and "LongLive-2.0 presents" in row
    assert 'href="https://github.com/NVlabs/LongLive"' in row
    assert 'href="https://nvlabs.github.io/LongLive/LongLive2/" style=' in row
    assert ">Project page</a>" in row


def test_a_hostile_stored_address_is_refused_and_the_rest_go_out(tmp_path, sink):
    archive = archive_at(tmp_path, sink.port)
    add(archive, 2)
    archive.store.db.execute(
        "INSERT INTO subscribers (email, frequency, status, created_at) VALUES "
        "('x@example.org\r\nBcc: victim@evil.example', 'daily', 'confirmed', 'now')"
    )
    report = send(archive)
    assert report.outcome.sent == 2 and len(report.outcome.refused) == 1
    assert "victim@evil.example" not in sink.handler.recipients()


def test_a_second_run_sends_nothing_and_says_why(tmp_path, sink):
    archive = archive_at(tmp_path, sink.port)
    add(archive, 4)
    assert send(archive).outcome.sent == 4
    with pytest.raises(NothingToSend, match="already sent to all 4 confirmed daily subscribers"):
        send(archive_at(tmp_path, sink.port))
    assert len(sink.handler.received) == 4


def test_a_dropped_connection_then_the_next_run_sends_exactly_the_rest(tmp_path):
    with MailServer(Dropper(k=3)) as dropper:
        archive = archive_at(tmp_path, dropper.port)
        add(archive, 10)
        first = send(archive)
        assert first.outcome.sent == 3 and "connection lost after 3" in first.outcome.stopped
    with MailServer(Sink()) as sink:
        second = send(archive_at(tmp_path, sink.port))
        assert second.outcome.sent == 7 and second.already == 3
        assert second.interrupted == 1 and second.outcome.resent == 1  # the one in flight
    everyone = dropper.handler.recipients() + sink.handler.recipients()
    assert sorted(everyone) == sorted(f"reader{i}@example.org" for i in range(10))


def test_a_refused_recipient_is_named_the_rest_go_out_and_the_next_run_sends_it(tmp_path):
    """A 550 to one address refuses that message only (smtplib's errors are OSErrors too: the
    old code took every refusal for a lost connection and stopped the run there)."""
    with MailServer(Refuser("reader1@example.org")) as server:
        archive = archive_at(tmp_path, server.port)
        add(archive, 4)
        first = send(archive)
        assert first.outcome.stopped is None and first.outcome.sent == 3
        assert first.outcome.refused == [
            "reader1@example.org: 550 5.1.1 <reader1@example.org>: mailbox unavailable"
        ]
        server.handler.refused.clear()  # the mailbox is back
        second = send(archive_at(tmp_path, server.port))
        assert second.outcome.sent == 1 and second.already == 3 and second.outcome.resent == 0
    everyone = [f"reader{i}@example.org" for i in range(4)]
    assert server.handler.counts() == Counter(everyone)


def test_a_crash_after_sending_resends_once_with_the_same_message_id(tmp_path):
    """A real `paperboy digest` killed as the server takes its second message, before the 250:
    the next run sends that message again with the Message-ID it carried on the wire (read
    from the message the server kept, not computed), and nothing else twice."""
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO)).returncode == 0
    readers = [f"reader{i}@example.org" for i in range(3)]
    for reader in readers:
        assert run(data, "subscribers", "add", reader).returncode == 0
    killer = KillsTheSender(2)
    with MailServer(killer) as server:
        env = {**os.environ, "PAPERBOY_SMTP_PORT": str(server.port)}
        command = [EXE, "--data", str(data), "digest", "--date", "2024-08-02"]
        with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) as proc:
            killer.pid = proc.pid
            assert proc.wait(300) == -9  # killed mid-run, by the server
    first, in_flight = killer.messages()
    with MailServer(Sink()) as sink:
        again = _cli(data, sink.port, "digest", "--date", "2024-08-02")
        assert again.returncode == 0, again.stdout + again.stderr
    resent = {m["To"]: m for m in sink.handler.messages()}
    assert sorted(resent) == sorted(set(readers) - {first["To"]})  # the accepted one is not
    assert resent[in_flight["To"]]["Message-ID"] == in_flight["Message-ID"]
    ids = [m["Message-ID"] for m in [first, *resent.values()]]
    assert len(set(ids)) == 3 and all(re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", i) for i in ids)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2024-08-03", "2024-08-03 is a Saturday: no lists are published on weekends"),
        ("2024-07-31", "the source was not scraped for 2024-07-31"),
        ("2024-08-07", "no new papers: nothing is listed for 2024-08-07"),
    ],
)
def test_an_empty_period_sends_nothing_and_says_why(tmp_path, sink, day, reason):
    archive = archive_at(tmp_path, sink.port)
    add(archive, 1)
    with pytest.raises(NothingToSend, match=re.escape(reason)):
        send(archive, date.fromisoformat(day))
    assert sink.handler.received == []


def _cli(data, port, *args):
    env = {**os.environ, "PAPERBOY_SMTP_PORT": str(port)}
    return subprocess.run(
        [EXE, "--data", str(data), *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_cli_exit_codes_dry_run_and_smtp_failure(tmp_path, sink):
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO)).returncode == 0
    assert run(data, "subscribers", "add", "me@example.org").returncode == 0
    assert run(data, "subscribers", "add", "not an address").returncode == 2
    weekend = _cli(data, sink.port, "digest", "--date", "2024-08-04")
    assert weekend.returncode == 1 and "Sunday" in weekend.stdout
    assert _cli(data, sink.port, "digest", "--dry-run").returncode == 2
    dry = _cli(
        data,
        sink.port,
        "digest",
        "--date",
        "2024-08-02",
        "--dry-run",
        "--out",
        str(tmp_path / "eml"),
    )
    assert dry.returncode == 0 and len(list((tmp_path / "eml").glob("*.eml"))) == 1
    assert sink.handler.received == []
    down = _cli(data, free_port(), "digest", "--date", "2024-08-02")
    assert down.returncode == 6 and "SMTP server 127.0.0.1" in down.stderr  # EXIT_SMTP
    sent = _cli(data, sink.port, "digest", "--date", "2024-08-02")
    assert sent.returncode == 0 and "sent 1 of 1" in sent.stdout
    again = _cli(data, sink.port, "digest", "--date", "2024-08-02")
    assert again.returncode == 1 and "already sent to all 1" in again.stdout


def test_a_thousand_subscribers_get_the_real_daily_digest_once(tmp_path, sink, corpus):
    page = corpus / "hf" / "daily" / "2024-08-01_slbqc-dailay_paper_info.html"
    need(page.is_file(), f"the HF day 2024-08-01 is absent at {page}")
    data = tmp_path / "data"
    assert run(data, "import", str(page)).returncode == 0
    archive = archive_at(tmp_path)
    add(archive, 1000)
    archive.close()
    first = _cli(data, sink.port, "digest", "--date", "2024-08-01")
    assert first.returncode == 0, first.stderr
    assert "sent 1000 of 1000" in first.stdout
    assert len(set(sink.handler.recipients())) == 1000 == len(sink.handler.received)
    second = _cli(data, sink.port, "digest", "--date", "2024-08-01")
    assert second.returncode == 1
    assert "already sent to all 1000 confirmed daily subscribers" in second.stdout
    assert len(sink.handler.received) == 1000
    assert "The Llama 3 Herd of Models" in sink.handler.messages()[0]["Subject"]


def test_each_digest_heading_says_its_order_and_the_papers_keep_it(tmp_path, sink):
    """Issue 18: a daily digest is in Hugging Face's order, a weekly one most upvoted first,
    and the heading over the top papers says which (it once said "trending" for both)."""
    archive = archive_at(tmp_path, sink.port)
    store = archive.store
    daily = plan(store, "daily", DAY, 10, "https://pb.example")
    assert (
        daily.heading
        == f"Top {len(daily.papers)} papers of Friday 2 August 2024, in Hugging Face's order"
    )
    ranks = {
        a.paper_id: a.rank
        for a in store.appearances_between(DAY.isoformat(), DAY.isoformat())
        if a.list == "hf-daily"
    }
    shown = [ranks[p.id] for p in daily.papers if p.id in ranks]
    assert len(shown) >= 3 and shown == sorted(shown)
    weekly = plan(store, "weekly", date(2024, 8, 5), 10, "https://pb.example")
    assert (
        weekly.heading == f"The {len(weekly.papers)} most upvoted papers, 2024-07-30 to 2024-08-05"
    )
    votes = [p.upvotes for p in weekly.papers]
    assert len(votes) >= 3 and votes == sorted(votes, reverse=True)
    add(archive, 1)
    send(archive)
    text, html = parts(sink.handler.messages()[0])
    assert daily.heading in text and daily.heading in unescape(html)
