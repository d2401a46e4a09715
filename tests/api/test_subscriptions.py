"""Subscriptions: validation, signed tokens, rate limits, and the routes' round trips over Flask."""

from __future__ import annotations

import http.client
import json
import re
import stat
import threading
import time
from datetime import date
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from helpers import DEMO, run, serve_exit, serving
from mailsink import MailServer, Sink

from server.api import create_app
from server.crawl.importer import import_paths
from server.digest import run as run_digest
from server.digest.subscriptions import (
    InvalidSubscription,
    RateLimiter,
    Signer,
    load_secret,
    valid_email,
    valid_topics,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ada@Example.ORG", "Ada@example.org"),
        ("  first.last+tag@mail.example.co.uk ", "first.last+tag@mail.example.co.uk"),
        ("o'neil@example.org", "o'neil@example.org"),
    ],
)
def test_good_addresses(raw, clean):
    assert valid_email(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        42,
        "plain",
        "a@b",
        "a@@b.org",
        "a@b.org\r\nBcc: victim@evil.example",
        "a@b.org\nx",
        "a\x00@b.org",
        '"quoted"@example.org',
        "a@[127.0.0.1]",
        "a@127.0.0.1",
        ".a@example.org",
        "a..b@example.org",
        "a@-x.org",
        "\u00e9@example.org",
        "a@b.org, c@d.org",
        "<a@b.org>",
        "x" * 65 + "@example.org",
    ],
)
def test_bad_addresses(raw):
    with pytest.raises(InvalidSubscription):
        valid_email(raw)


def test_topics_are_checked():
    assert valid_topics([" agents ", "agents", "diffusion  models"]) == [
        "agents",
        "diffusion models",
    ]
    for bad in ("agents", [1], ["x\x00y"], [f"q{n}" for n in range(11)], ["x" * 201]):
        with pytest.raises(InvalidSubscription):
            valid_topics(bad)


def test_tokens_are_signed_for_id_address_and_purpose(tmp_path):
    signer = Signer(load_secret(tmp_path))
    token = signer.token(7, "a@example.org", "unsubscribe")
    assert signer.verify(token, "A@example.org", "unsubscribe")
    assert not signer.verify(token, "b@example.org", "unsubscribe")
    assert not signer.verify(token, "a@example.org", "confirm")
    assert not signer.verify(token.replace("7.", "8.", 1), "a@example.org", "unsubscribe")
    assert not signer.verify(
        token[:-1] + ("A" if token[-1] != "A" else "B"), "a@example.org", "unsubscribe"
    )
    assert not Signer(b"another secret of enough length!!").verify(
        token, "a@example.org", "unsubscribe"
    )
    assert Signer.subscriber_id("nonsense") is None


def test_the_secret_is_private_and_kept(tmp_path):
    first = load_secret(tmp_path)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
    assert load_secret(tmp_path) == first and len(first) == 64


def test_rate_limiter_bursts_then_refills():
    limiter = RateLimiter(rate=1, per=10, burst=2)
    assert limiter.take("ip", now=0) == 0 and limiter.take("ip", now=0) == 0
    assert limiter.take("ip", now=0) == pytest.approx(10)
    assert limiter.take("other", now=0) == 0
    assert limiter.take("ip", now=10.5) == 0


@pytest.fixture
def sink():
    with MailServer(Sink()) as server:
        yield server


class PublicClient(FlaskClient):
    """A test client whose requests carry public_url's host: the Host allowlist refuses the
    default `localhost` (port 80), which is not where this server listens."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "https://pb.example")
        return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path, sink):
    app = create_app(
        {"data": str(tmp_path / "data"), "smtp_port": sink.port, "public_url": "https://pb.example"}
    )
    app.test_client_class = PublicClient
    yield app
    app.extensions["paperboy"].close()


def _post(client, body, ip="10.0.0.1"):
    return client.post("/api/subscriptions", json=body, environ_base={"REMOTE_ADDR": ip})


def _link(msg, path: str) -> str:
    found = re.search(
        r"https://pb\.example" + re.escape(path) + r"\?token=[\w.%-]+",
        msg.get_body(("plain",)).get_content(),
    )
    parts = urlsplit(found[0])
    return f"{parts.path}?{parts.query}"


def test_subscribe_confirm_unsubscribe_round_trip(app, sink):
    client = app.test_client()
    answer = _post(
        client, {"email": "reader@example.org", "frequency": "weekly", "topics": ["agents"]}
    )
    assert answer.status_code == 202 and answer.json["ok"] is True
    sink.handler.wait_for(1)
    confirmation = sink.handler.messages()[0]
    assert confirmation["To"] == "reader@example.org" and "Confirm" in confirmation["Subject"]
    store = app.extensions["paperboy"].store
    assert store.subscribers.by_email("reader@example.org").status == "pending"

    link = _link(confirmation, "/subscriptions/confirm")
    assert client.head(link).status_code == 200
    shown = client.get(link)
    assert shown.status_code == 200 and b'<form method="post">' in shown.data
    assert b"Confirm" in shown.data and b"reader@example.org" in shown.data
    assert store.subscribers.by_email("reader@example.org").status == "pending"  # a link scanner
    page = client.post(link)
    assert page.status_code == 200 and b"You are subscribed" in page.data
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert not re.search(rb"<(img|script|link)\b", page.data)
    sub = store.subscribers.by_email("reader@example.org")
    assert (sub.status, sub.frequency, sub.topics) == ("confirmed", "weekly", ["agents"])

    # the weekly digest itself, sent for real: its link and its List-Unsubscribe header
    archive = app.extensions["paperboy"]
    import_paths(archive.store, [str(DEMO)])
    archive.index.ensure(archive.store)
    assert run_digest(archive, "weekly", date(2024, 8, 5)).outcome.sent == 1
    digest = sink.handler.messages()[-1]
    assert digest["To"] == "reader@example.org" and "weekly digest" in digest["Subject"]
    unsubscribe = _link(digest, "/unsubscribe")
    assert digest["List-Unsubscribe"] == f"<https://pb.example{unsubscribe}>"
    assert client.head(unsubscribe).status_code == 200
    shown = client.get(unsubscribe)
    assert shown.status_code == 200 and b'<form method="post">' in shown.data
    assert store.subscribers.get(sub.id).status == "confirmed"  # a link scanner changes nothing
    done = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"You are unsubscribed" in done.data
    assert store.subscribers.get(sub.id).status == "unsubscribed"
    assert client.get(link).status_code == 410
    again = client.post(link)
    assert again.status_code == 410 and store.subscribers.get(sub.id).status == "unsubscribed"


def mailers_done(seconds: float = 60) -> None:
    """Wait until every confirmation mail the app started has been handed over (its thread,
    `paperboy-confirm`, ends once the server accepted it): what arrived is then all there is."""
    deadline = time.monotonic() + seconds
    while any(t.name == "paperboy-confirm" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "a confirmation mail is still being sent"
        time.sleep(0.02)


def test_answers_never_tell_whether_an_address_is_subscribed(app, sink):
    client = app.test_client()
    store = app.extensions["paperboy"].store
    store.subscribers.add("confirmed@example.org", "daily", [])
    store.subscribers.subscribe("pending@example.org", "daily", [])
    store.subscribers.unsubscribe(store.subscribers.add("gone@example.org", "daily", []).id)
    bodies = set()
    for n, address in enumerate(
        ["new@example.org", "pending@example.org", "confirmed@example.org", "gone@example.org"]
    ):
        answer = _post(client, {"email": address}, ip=f"10.0.1.{n}")
        assert answer.status_code == 202
        bodies.add(answer.data)
    assert len(bodies) == 1
    sink.handler.wait_for(3)
    mailers_done()  # no fourth mail: a confirmed address is not mailed again
    assert sorted(sink.handler.recipients()) == [
        "gone@example.org",
        "new@example.org",
        "pending@example.org",
    ]
    assert store.subscribers.by_email("confirmed@example.org").status == "confirmed"


def test_bad_requests_and_forged_tokens(app, sink):
    client = app.test_client()
    assert _post(client, {"email": "a@b.org\r\nBcc: x@evil.example"}).status_code == 400
    assert _post(client, {"email": "a@example.org", "frequency": "hourly"}).status_code == 400
    assert (
        client.post(
            "/api/subscriptions", data="x", environ_base={"REMOTE_ADDR": "10.9.9.9"}
        ).status_code
        == 400
    )
    for path in (
        "/subscriptions/confirm?token=1.forged",
        "/unsubscribe?token=",
        "/unsubscribe?token=999.x",
    ):
        page = client.get(path)
        assert page.status_code == 400 and b"does not work" in page.data
    assert client.post("/unsubscribe?token=1.forged").status_code == 400
    assert client.post("/subscriptions/confirm?token=1.forged").status_code == 400
    assert sink.handler.received == []


def test_requests_are_rate_limited_per_ip_and_per_address(app, sink):
    client = app.test_client()
    codes = [
        _post(client, {"email": f"r{n}@example.org"}, ip="10.2.0.1").status_code for n in range(7)
    ]
    assert codes == [202] * 5 + [429] * 2
    limited = _post(client, {"email": "x@example.org"}, ip="10.2.0.1")
    assert int(limited.headers["Retry-After"]) > 0 and limited.json["ok"] is False
    # the same address from many IPs: accepted every time, but mailed only while its bucket lasts
    for n in range(5):
        assert _post(client, {"email": "target@example.org"}, ip=f"10.3.0.{n}").status_code == 202
    sink.handler.wait_for(7)
    mailers_done()
    assert sink.handler.recipients().count("target@example.org") == 2


def test_cli_subscribers_add_list_remove(tmp_path):
    data = tmp_path / "data"
    added = run(
        data, "subscribers", "add", "Me@Example.org", "--frequency", "weekly", "--topic", "agents"
    )
    assert added.returncode == 0 and "me@example.org" not in added.stdout.split(":")[0]
    listed = run(data, "subscribers", "list")
    assert (
        "Me@example.org" in listed.stdout
        and "weekly" in listed.stdout
        and "agents" in listed.stdout
    )
    assert run(data, "subscribers", "add", "x@y").returncode == 2
    assert run(data, "subscribers", "remove", "me@example.org").returncode == 0
    assert run(data, "subscribers", "remove", "me@example.org").returncode == 1
    assert "Me@" not in run(data, "subscribers", "list").stdout


def _status(data, email: str) -> str:
    listed = run(data, "subscribers", "list", "--json")
    return next(json.loads(line)["status"] for line in listed.stdout.splitlines() if email in line)


def test_head_and_get_on_the_confirm_link_change_nothing_over_http(tmp_path, sink):
    """A real `paperboy serve`: link scanners fetch the mailed link with HEAD and GET."""
    data = tmp_path / "data"
    settings = {"smtp_port": str(sink.port), "public_url": "https://pb.example"}
    with serving(data, **settings) as base:
        port = int(base.rsplit(":", 1)[1])

        def call(method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Host": "pb.example", "Content-Type": "application/json"}
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            finally:
                conn.close()

        asked = call("POST", "/api/subscriptions", json.dumps({"email": "me@example.org"}).encode())
        assert asked[0] == 202
        sink.handler.wait_for(1)
        link = _link(sink.handler.messages()[0], "/subscriptions/confirm")
        for method in ("HEAD", "GET", "HEAD", "GET"):
            assert call(method, link)[0] == 200
        shown = call("GET", link)[1]
        assert b'<form method="post">' in shown and b"Confirm" in shown
        assert _status(data, "me@example.org") == "pending"
        status, page = call("POST", link)
        assert status == 200 and b"You are subscribed" in page
        assert _status(data, "me@example.org") == "confirmed"


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("smtp_security", "tls", "smtp_security must be none, starttls or ssl, not 'tls'"),
        ("smtp_port", "70000", "smtp_port must be from 1 to 65535, not 70000"),
        ("smtp_port", "0", "smtp_port must be from 1 to 65535, not 0"),
        ("smtp_host", "mail host", "smtp_host must be a host name or address"),
        ("mail_from", "nobody", "mail_from must be an address like Paperboy <me@host>"),
        ("mail_from", "a@b.org\r\nBcc: x@evil.example", "mail_from must be"),
        ("public_url", "ftp://pb.example", "public_url must be an http(s) URL"),
        ("public_url", "https://", "public_url must be an http(s) URL"),
        ("public_url", "javascript:alert(1)//", "public_url must be an http(s) URL"),
    ],
)
def test_a_bad_mail_setting_stops_serve_and_digest_alike(tmp_path, setting, value, says):
    data = tmp_path / "data"
    assert run(data, "import", "-q", str(DEMO)).returncode == 0
    assert run(data, "subscribers", "add", "me@example.org").returncode == 0
    served = serve_exit(data, **{setting: value})
    assert served.returncode == 2, served.stderr
    assert f"environment: {says}" in served.stderr and "Traceback" not in served.stderr
    for args in (["digest", "--date", "2024-08-02"], ["digest", "--date", "2024-08-09"]):
        sent = run(data, *args, **{setting: value})
        assert sent.returncode == 2 and f"environment: {says}" in sent.stderr, sent.stderr


def test_a_bad_mail_setting_names_its_file(tmp_path):
    toml = tmp_path / "paperboy.toml"
    toml.write_text('smtp_security = "tls"\n')
    served = serve_exit(tmp_path / "data", config=str(toml))
    assert served.returncode == 2
    assert f"{toml}: smtp_security must be none, starttls or ssl" in served.stderr
