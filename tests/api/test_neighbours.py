"""A hostile web page on the same machine, against a real `paperboy serve`: DNS rebinding on every
route and site file, JSON nested too deep, /api/parse without the token, symlinks out of the site.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from types import SimpleNamespace

import pytest
from helpers import DEMO, run, serving
from mailsink import MailServer, Sink

from server.api import SMALL_BODY_BYTES, create_app
from server.api.guard import HostAllowlist
from server.store import Store, store_path

PAGE = {
    "url": "https://example.org/paper",
    "html": (
        "<html><head><meta name='citation_title' content='Rebound Origami Robots'>"
        "<meta name='citation_author' content='Rosa Vega'>"
        "<meta name='citation_publication_date' content='2024/08/03'></head></html>"
    ),
}
SAMPLES = {"ref": "2408.90003", "path": "index.html"}  # a value for each route argument


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`paperboy serve` on the demo pages, a small site folder (with symlinks) and a mail sink."""
    tmp = tmp_path_factory.mktemp("neighbours")
    data, site, outside = tmp / "data", tmp / "site", tmp / "outside"
    assert run(data, "import", "-q", str(DEMO)).returncode == 0
    site.mkdir()
    outside.mkdir()
    (site / "index.html").write_text("<!DOCTYPE html><title>home</title>")
    (site / "page.html").write_text("<!DOCTYPE html><title>page</title>")
    (outside / "secret.txt").write_text("SECRET")
    (outside / "index.html").write_text("SECRET INDEX")
    (site / "leak.txt").symlink_to(outside / "secret.txt")
    (site / "out").symlink_to(outside, target_is_directory=True)
    (site / "twin.html").symlink_to(site / "page.html")  # a link that stays inside is fine
    token = run(data, "token").stdout.strip()
    with (
        MailServer(Sink()) as mail,
        serving(
            data, site_dir=str(site), smtp_port=str(mail.port), public_url="https://pb.example"
        ) as base,
    ):
        port = int(base.rsplit(":", 1)[1])
        yield SimpleNamespace(base=base, port=port, token=token, mail=mail.handler, data=data)


def call(server, method: str, path: str, host: str | None = None, body=None, headers=None):
    """One request with the Host header given (None: the right one): (status, parsed body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    sent = {"Host": host if host is not None else f"127.0.0.1:{server.port}", **(headers or {})}
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    if body is not None:
        sent.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(data) if data else None
    except ValueError:
        return response.status, data


def every_route(tmp_path):
    """(method, path) for every rule and method of the app, automatic HEAD and OPTIONS too."""
    app = create_app({"data": str(tmp_path / "routes")})
    found = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES.get(m[1], "x"), rule.rule)
        found += [(method, path) for method in sorted(rule.methods)]
    app.extensions["paperboy"].close()
    return found


def body_for(path: str, server) -> tuple[object, dict]:
    """A body and headers that would do the route's work, were the host allowed."""
    if path == "/api/subscriptions":
        return {"email": "stranger@example.org"}, {}
    if path in ("/api/ingest", "/api/parse"):
        return PAGE, {"Authorization": f"Bearer {server.token}"}
    if path.endswith("/desk"):  # the reading desk: save the paper, tag it, note it
        change = {"saved": True, "add_tags": ["evil"], "note": "written by a rebinding page"}
        return change, {"Authorization": f"Bearer {server.token}"}
    if path in ("/api/catchup/seen", "/api/viewed/clear"):
        return {}, {"Authorization": f"Bearer {server.token}"}
    if path == "/api/viewed":  # recently viewed: a paper page opened
        return {"url": "https://arxiv.org/abs/2408.90003"}, {
            "Authorization": f"Bearer {server.token}"
        }
    return None, {}


def assert_refused(status, body, host: str) -> None:
    assert status == 421, (host, status, body)
    assert body["ok"] is False and body["error"]["status"] == 421
    assert repr(host[:100]) in body["error"]["message"] or "no Host" in body["error"]["message"]


def test_a_rebinding_host_is_refused_on_every_route_and_no_work_is_done(server, tmp_path):
    before = call(server, "GET", "/api/health")[1]["data"]["papers"]
    routes = every_route(tmp_path)
    assert ("POST", "/api/subscriptions") in routes and ("GET", "/page.html") not in routes
    routes += [("GET", "/page.html"), ("GET", "/"), ("GET", "/leak.txt")]
    evil = f"evil.example:{server.port}"
    for method, path in routes:
        body, headers = body_for(path, server) if method == "POST" else (None, {})
        if method == "OPTIONS":
            headers = {"Origin": "chrome-extension://abcdef"}  # a preflight the API would grant
        status, answer = call(server, method, path, evil, body, headers)
        if method == "HEAD":
            assert status == 421, (method, path)
        else:
            assert_refused(status, answer, evil)
    # no work: the page was not stored, no confirmation mail left
    assert call(server, "GET", "/api/health")[1]["data"]["papers"] == before
    assert call(server, "GET", "/api/search?q=origami")[1]["data"]["total"] == 0
    auth = {"Authorization": f"Bearer {server.token}"}
    desk = call(server, "GET", "/api/desk/export", headers=auth)[1]["data"]
    assert desk["papers"] == [] and desk["seen"] == {} and desk["viewed"] == [], desk
    # a confirmation mail goes only to an address the request stored, before it answered: no
    # stranger in the store means no mail was started for one (a count, not a wait)
    with Store(store_path(server.data)) as store:
        assert store.subscribers.by_email("stranger@example.org") is None
    control = call(server, "POST", "/api/subscriptions", None, {"email": "me@example.org"})
    assert control[0] == 202
    server.mail.wait_for(1)
    assert server.mail.recipients() == ["me@example.org"]


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",
        "evil.example",
        "localhost:{other}",
        "127.0.0.1:{other}",
        "localhost",  # port 80
        "127.0.0.1",
        "[::1]:{other}",
        "localhost.evil.example:{port}",
        "127.0.0.1.nip.io:{port}",
        "pb.example:{port}",  # public_url's host, but not its port (443)
        "pb.example:80",
        "[::2]:{port}",
        "10.0.0.1:{port}",
        "localhost:{port}@evil.example",
        "localhost:{port}:{port}",
        "localhost:99999",
        "",
    ],
)
def test_hosts_refused(server, host):
    host = host.format(port=server.port, other=server.port + 1)
    for method, path, body in (
        ("GET", "/api/dates", None),
        ("GET", "/page.html", None),
        ("POST", "/api/subscriptions", {"email": "victim@example.org"}),
    ):
        status, answer = call(server, method, path, host, body)
        assert_refused(status, answer, host)


def test_a_request_without_a_host_header_is_refused(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET /api/dates HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 421") or answer.startswith(b"HTTP/1.1 421"), answer[:200]
    assert b"no Host header" in answer


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}",
        "localhost:{port}",
        "LOCALHOST:{port}",
        "[::1]:{port}",
        "127.0.0.2:{port}",
        "pb.example",  # public_url, behind a proxy that keeps the Host
        "pb.example:443",
    ],
)
def test_hosts_allowed(server, host):
    host = host.format(port=server.port)
    status, body = call(server, "GET", "/api/dates", host)
    assert status == 200 and body["ok"] is True
    assert call(server, "GET", "/page.html", host)[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b"{" * 100_000,
        b'{"html": ' + b"[" * 40 + b"]" * 40 + b"}",
        b'{"email": "a@example.org", "topics": ' + b'{"a": ' * 50 + b"1" + b"}" * 51,
    ],
    ids=["100k-arrays", "100k-objects", "40-deep", "51-deep-objects"],
)
def test_json_nested_too_deep_is_a_400_on_every_json_route(server, tmp_path, body):
    json_routes = [p for m, p in every_route(tmp_path) if m == "POST" and p.startswith("/api/")]
    small = ["/api/catchup/seen", "/api/papers/2408.90003/desk", "/api/subscriptions"]
    small += ["/api/viewed", "/api/viewed/clear"]
    assert sorted(json_routes) == sorted(["/api/ingest", "/api/parse", *small])
    auth = {"Authorization": f"Bearer {server.token}"}
    for path in json_routes:
        status, answer = call(server, "POST", path, body=body, headers=auth)
        if path in small and len(body) > SMALL_BODY_BYTES:
            # read in the server's own threads, so refused by its size before it is read at all
            assert status == 413 and "over 64000 bytes" in answer["error"]["message"], answer
            continue
        assert status == 400, (path, status, answer)
        assert "nested deeper than 32" in answer["error"]["message"], answer


def test_brackets_inside_strings_are_not_nesting(server):
    auth = {"Authorization": f"Bearer {server.token}"}
    page = {"url": "https://example.org/x", "html": PAGE["html"] + "<!--" + "[{" * 50_000 + "-->"}
    status, answer = call(server, "POST", "/api/parse", body=page, headers=auth)
    assert status == 200, answer
    many = {"url": "https://example.org/y", "html": PAGE["html"], "x": [[1]] * 2000}
    status, answer = call(server, "POST", "/api/parse", body=many, headers=auth)
    assert status == 400 and "more than 1000 arrays and objects" in answer["error"]["message"]


def test_parse_needs_the_token_like_ingest(server):
    assert call(server, "POST", "/api/parse", body=PAGE)[0] == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert call(server, "POST", "/api/parse", body=PAGE, headers=wrong)[0] == 403
    auth = {"Authorization": f"Bearer {server.token}"}
    status, answer = call(server, "POST", "/api/parse", body=PAGE, headers=auth)
    assert status == 200 and answer["data"]["papers"] == 1


@pytest.mark.parametrize("path", ["/leak.txt", "/out/secret.txt", "/out/", "/out"])
def test_a_symlink_out_of_the_site_folder_is_a_404(server, path):
    status, body = call(server, "GET", path)
    assert status == 404, (path, status, body)
    assert b"SECRET" not in json.dumps(body).encode()


def test_a_symlink_inside_the_site_folder_is_served(server):
    status, body = call(server, "GET", "/twin.html")
    assert status == 200 and b"<title>page</title>" in body


def test_the_bound_address_is_allowed_and_a_wildcard_bind_allows_addresses_only():
    """`serve --allow-remote --host ...`: the address it binds, or any address for 0.0.0.0."""
    lan = HostAllowlist(8765, "192.168.1.5")
    assert lan.refusal("192.168.1.5:8765") is None and lan.refusal("localhost:8765") is None
    assert lan.refusal("192.168.1.6:8765") and lan.refusal("192.168.1.5:8766")
    for bound in ("0.0.0.0", "::"):
        anywhere = HostAllowlist(8765, bound)
        assert anywhere.refusal("192.168.1.6:8765") is None
        assert anywhere.refusal("[fe80::1]:8765") is None
        assert anywhere.refusal("evil.example:8765") and anywhere.refusal("192.168.1.6:80")
