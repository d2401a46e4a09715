"""The reading desk over the API (issue 19, part 2), on a real `paperboy serve`: every desk route
needs the token (the desk is private, reads included); a write applies all of its changes or,
refused, none; the CLI and the API see one desk."""

from __future__ import annotations

import json

import pytest
from api.test_api import Client
from helpers import DEMO, run, serving

AGENTS = "2408.90003"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """(client, auth headers, data dir) of a server over the demo pages."""
    data = tmp_path_factory.mktemp("desk")
    assert run(data, "import", str(DEMO)).returncode == 0
    token = run(data, "token").stdout.strip()
    with serving(data, site_dir=str(data / "no-site")) as base:
        yield Client(base), {"Authorization": f"Bearer {token}"}, data


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/desk"),
        ("GET", "/api/desk/export"),
        ("GET", f"/api/papers/{AGENTS}/desk"),
        ("POST", f"/api/papers/{AGENTS}/desk"),
    ],
)
def test_every_desk_route_needs_the_token(desk, method, path) -> None:
    client, _, _ = desk
    body = {"saved": True} if method == "POST" else None
    status, answer, _ = client.call(method, path, body)
    assert status == 401 and "token" in answer["error"]["message"]
    status, _, _ = client.call(method, path, body, headers={"Authorization": "Bearer nope"})
    assert status == 403


def test_save_tag_read_and_note_in_one_request(desk) -> None:
    client, auth, _ = desk
    change = {"saved": True, "add_tags": ["rl", "agents"], "read": True, "note": "eq. 3"}
    status, answer, _ = client.call("POST", f"/api/papers/{AGENTS}/desk", change, headers=auth)
    assert status == 200, answer
    entry = answer["data"]
    assert entry["saved_at"] and entry["read_at"] and entry["note"] == "eq. 3"
    assert entry["tags"] == ["rl", "agents"]
    assert entry["paper"]["title"] == "Self-Correcting Agents with Verifier Feedback"
    status, listed, _ = client.get("/api/desk?tag=agents", headers=auth)
    assert status == 200 and [p["id"] for p in listed["data"]["papers"]] == [AGENTS]
    assert ["agents", 1] in listed["data"]["tags"]
    assert client.get("/api/desk?unread=1", headers=auth)[1]["data"]["papers"] == []
    url = f"/api/papers/https://arxiv.org/abs/{AGENTS}v1/desk"  # any id form
    assert client.get(url, headers=auth)[1]["data"]["tags"] == ["rl", "agents"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"saved": True, "add_tags": ["x" * 51]}, 400, "longer than 50"),
        ({"saved": True, "note": 3}, 400, "note must be str"),
        ({"saved": True, "add_tags": "rl"}, 400, "add_tags must be a list"),
        ({"saved": True, "colour": "red"}, 400, "unknown field 'colour'"),
        ([1, 2], 400, 'the body must be JSON {"saved"'),
    ],
)
def test_a_refused_change_changes_nothing(desk, body, status, message) -> None:
    client, auth, _ = desk
    paper = "2408.90002"
    before = client.get(f"/api/papers/{paper}/desk", headers=auth)[1]["data"]
    got, answer, _ = client.call("POST", f"/api/papers/{paper}/desk", body, headers=auth)
    assert got == status and message in answer["error"]["message"], answer
    assert client.get(f"/api/papers/{paper}/desk", headers=auth)[1]["data"] == before


def test_an_unknown_paper_is_a_404(desk) -> None:
    client, auth, _ = desk
    status, answer, _ = client.call("POST", "/api/papers/2408.00001/desk", {}, headers=auth)
    assert status == 404 and "2408.00001" in answer["error"]["message"]


def test_the_cli_and_the_api_see_one_desk(desk) -> None:
    client, auth, data = desk
    assert run(data, "save", "2408.90001", "--tag", "from-cli").returncode == 0
    status, listed, _ = client.get("/api/desk?tag=from-cli", headers=auth)
    assert [p["id"] for p in listed["data"]["papers"]] == ["2408.90001"]
    status, exported, _ = client.get("/api/desk/export", headers=auth)
    assert exported["data"]["papers"] == json.loads(run(data, "desk", "export").stdout)["papers"]
