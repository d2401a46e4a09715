"""The desk page's session (api/session.py) on a real `paperboy serve`: only a same-origin request
from this machine gets the token; the token reads and writes the desk and nothing else; a
request from another origin, with a wrong token or from another machine is refused, and writes
nothing."""

from __future__ import annotations

import pytest
from api.test_api import Client
from helpers import DEMO, run, serving

from server.api import create_app

AGENTS = "2408.90003"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(client, the API token's headers, the session headers, data dir, port)."""
    data = tmp_path_factory.mktemp("session")
    assert run(data, "import", str(DEMO)).returncode == 0
    token = run(data, "token").stdout.strip()
    with serving(data, site_dir=str(data / "no-site")) as base:
        client = Client(base)
        status, answer, headers = client.get("/api/session")
        assert status == 200, answer
        assert headers["Cache-Control"] == "no-store"
        assert "Access-Control-Allow-Origin" not in headers
        session = {answer["data"]["header"]: answer["data"]["token"]}
        yield client, {"Authorization": f"Bearer {token}"}, session, data, base


def saved(client, auth) -> bool:
    return bool(client.get(f"/api/papers/{AGENTS}/desk", headers=auth)[1]["data"]["saved_at"])


def test_the_session_token_is_not_the_api_token(served) -> None:
    client, auth, session, _, _ = served
    assert session["X-Paperboy-Session"] != auth["Authorization"].removeprefix("Bearer ")
    assert len(session["X-Paperboy-Session"]) >= 40


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:1"},  # another port: the same site, another origin
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "none"},
    ],
)
def test_no_session_for_another_origin(served, headers) -> None:
    client, _, _, _, _ = served
    status, answer, _ = client.get("/api/session", headers=headers)
    assert status == 403, answer
    assert "only this server's own pages" in answer["error"]["message"]
    assert "token" not in answer["error"]


def test_the_session_reads_and_writes_the_desk(served) -> None:
    client, auth, session, data, _ = served
    change = {"saved": True, "add_tags": ["from the desk page"]}
    status, answer, _ = client.call("POST", f"/api/papers/{AGENTS}/desk", change, headers=session)
    assert status == 200, answer
    assert answer["data"]["tags"] == ["from the desk page"]
    listed = run(data, "library", "--format", "json").stdout
    assert AGENTS in listed and "from the desk page" in listed
    for path in ("/api/desk", "/api/catchup", "/api/recommend", "/api/desk/export"):
        status, answer, _ = client.get(path, headers=session)
        assert status == 200, (path, answer)
    origin = {**session, "Origin": served[4], "Sec-Fetch-Site": "same-origin"}
    status, _, _ = client.call("POST", f"/api/papers/{AGENTS}/desk", {"saved": False}, origin)
    assert status == 200 and not saved(client, auth)


@pytest.mark.parametrize(
    "extra",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://localhost:1"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_session_from_another_origin_writes_nothing(served, extra) -> None:
    client, auth, session, _, _ = served
    body = {"saved": True}
    status, answer, _ = client.call(
        "POST", f"/api/papers/{AGENTS}/desk", body, headers={**session, **extra}
    )
    assert status == 403, answer
    assert "desk session is refused" in answer["error"]["message"]
    assert not saved(client, auth)


def test_a_wrong_session_token_writes_nothing(served) -> None:
    client, auth, _, _, _ = served
    wrong = {"X-Paperboy-Session": "x" * 43}
    status, answer, _ = client.call("POST", f"/api/papers/{AGENTS}/desk", {"saved": True}, wrong)
    assert status == 403 and "reload the page" in answer["error"]["message"]
    assert not saved(client, auth)


def test_the_session_opens_only_the_desk(served) -> None:
    """Storing pages, reading them and subscribing still need the API token."""
    client, _, session, _, _ = served
    page = {"url": "https://example.org/p", "html": "<html><title>x</title></html>"}
    for path in ("/api/ingest", "/api/parse"):
        status, answer, _ = client.call("POST", path, page, headers=session)
        assert status == 401, (path, answer)


def test_a_new_server_makes_a_new_session(tmp_path) -> None:
    first = create_app({"data": str(tmp_path)}).extensions["paperboy_session"]
    second = create_app({"data": str(tmp_path)}).extensions["paperboy_session"]
    assert first != second


def test_no_session_for_another_machine(tmp_path) -> None:
    """A server reached from other machines (`serve --allow-remote`) gives the desk session only
    to requests from its own machine."""
    assert run(tmp_path, "import", str(DEMO)).returncode == 0
    client = create_app({"data": str(tmp_path), "host": "0.0.0.0"}).test_client()
    far = {"environ_base": {"REMOTE_ADDR": "192.0.2.7"}, "headers": {"Host": "192.0.2.1:8765"}}
    near = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"Host": "127.0.0.1:8765"}}
    answer = client.get("/api/session", **far)
    assert answer.status_code == 403, answer.json
    assert "another machine" in answer.json["error"]["message"]
    token = client.get("/api/session", **near).json["data"]["token"]
    path = f"/api/papers/{AGENTS}/desk"
    far["headers"]["X-Paperboy-Session"] = near["headers"]["X-Paperboy-Session"] = token
    wrote = client.post(path, json={"saved": True}, **far)
    assert wrote.status_code == 403, wrote.json
    assert client.get(path, **near).json["data"]["saved_at"] is None
