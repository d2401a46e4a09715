"""Recently viewed over the API (issue 19, part 7), on a real `paperboy serve`: the extension
posts the address of each page the user opens; the server says whether it is a paper page (400,
naming it, when not) and keeps it; the list and its clearing need the token, as all the desk."""

from __future__ import annotations

import json

import pytest
from api.test_api import Client
from helpers import DEMO, run, serving

AGENTS = "2408.90003"


@pytest.fixture(scope="module")
def viewed(tmp_path_factory):
    """(client, auth headers, data dir) of a server over the demo pages."""
    data = tmp_path_factory.mktemp("viewed")
    assert run(data, "import", str(DEMO)).returncode == 0
    token = run(data, "token").stdout.strip()
    with serving(data, site_dir=str(data / "no-site")) as base:
        yield Client(base), {"Authorization": f"Bearer {token}"}, data


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/viewed"), ("POST", "/api/viewed"), ("POST", "/api/viewed/clear")],
)
def test_every_viewed_route_needs_the_token(viewed, method, path) -> None:
    client, auth, _ = viewed
    body = {"url": f"https://arxiv.org/abs/{AGENTS}"} if method == "POST" else None
    status, answer, _ = client.call(method, path, body)
    assert status == 401 and "token" in answer["error"]["message"]
    status, _, _ = client.call(method, path, body, headers={"Authorization": "Bearer nope"})
    assert status == 403
    assert client.get("/api/viewed", headers=auth)[1]["data"]["papers"] == []  # nothing kept


PAGES = [
    f"https://arxiv.org/abs/{AGENTS}v2",
    "https://arxiv.org/pdf/2408.90001",
    "https://arxiv.org/html/2408.90002v1",
    "https://huggingface.co/papers/2408.90004",
    "https://www.alphaxiv.org/abs/2408.90005",
    "https://alphaxiv.org/overview/2501.00001",
    "https://ar5iv.labs.arxiv.org/html/2501.00002",
    "https://ar5iv.org/abs/2501.00003",
]


def test_paper_pages_are_recorded_newest_first_and_cleared(viewed) -> None:
    client, auth, data = viewed
    for url in PAGES:
        status, answer, _ = client.call("POST", "/api/viewed", {"url": url}, headers=auth)
        assert status == 201, answer
        assert answer["data"]["url"] == url and answer["data"]["viewed_at"]
    first = client.call("POST", "/api/viewed", {"url": PAGES[0]}, headers=auth)[1]["data"]
    assert first["id"] == AGENTS
    assert first["paper"]["title"] == "Self-Correcting Agents with Verifier Feedback"
    status, listed, _ = client.get("/api/viewed", headers=auth)
    papers = listed["data"]["papers"]
    assert status == 200 and len(papers) == len(PAGES)  # AGENTS once, at the top again
    ids = [p["id"] for p in papers]
    assert ids == [AGENTS, "2501.00003", "2501.00002", "2501.00001", "2408.90005", "2408.90004"] + [
        "2408.90002",
        "2408.90001",
    ]
    assert papers[1]["paper"] is None  # not in the archive
    assert [
        p["id"] for p in client.get("/api/viewed?limit=2", headers=auth)[1]["data"]["papers"]
    ] == [
        AGENTS,
        "2501.00003",
    ]
    cli = json.loads(run(data, "viewed", "--format", "json").stdout)  # one list, CLI and API
    assert [p["id"] for p in cli] == ids
    exported = client.get("/api/desk/export", headers=auth)[1]["data"]
    assert [v["id"] for v in exported["viewed"]] == ids
    status, cleared, _ = client.call("POST", "/api/viewed/clear", {}, headers=auth)
    assert status == 200 and cleared["data"] == {"cleared": len(PAGES)}
    assert client.get("/api/viewed", headers=auth)[1]["data"]["papers"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"url": "https://example.org/abs/2408.90003"}, "'https://example.org/abs/2408.90003'"),
        ({"url": "https://arxiv.org/list/cs.LG/new"}, "'https://arxiv.org/list/cs.LG/new'"),
        ({"url": "2408.90003"}, "not a paper page Paperboy recognises: '2408.90003'"),
        ({"url": "<script>x</script>"}, "'<script>x</script>'"),
        ({}, "url is required"),
        ({"url": 7}, "url is required"),
        ([], "the body must be JSON"),
    ],
)
def test_what_is_not_a_paper_page_is_a_400_naming_it(viewed, body, message) -> None:
    client, auth, _ = viewed
    status, answer, _ = client.call("POST", "/api/viewed", body, headers=auth)
    assert status == 400 and message in answer["error"]["message"], answer
    assert client.get("/api/viewed", headers=auth)[1]["data"]["papers"] == []


@pytest.mark.parametrize("limit", ["0", "501", "x"])
def test_a_bad_limit_is_a_400(viewed, limit) -> None:
    client, auth, _ = viewed
    status, answer, _ = client.get(f"/api/viewed?limit={limit}", headers=auth)
    assert (
        status == 400 and "limit must be a whole number from 1 to 500" in answer["error"]["message"]
    )


def test_the_desk_page_session_reads_and_clears_but_does_not_record(viewed) -> None:
    """The desk page shows the list and may clear it; only the extension (the API token)
    records what was opened."""
    client, auth, _ = viewed
    status, answer, _ = client.get("/api/session")
    assert status == 200, answer
    session = {answer["data"]["header"]: answer["data"]["token"]}
    page = {"url": f"https://arxiv.org/abs/{AGENTS}"}
    status, answer, _ = client.call("POST", "/api/viewed", page, headers=session)
    assert status == 401, answer
    assert client.call("POST", "/api/viewed", page, headers=auth)[0] == 201
    status, answer, _ = client.get("/api/viewed", headers=session)
    assert status == 200 and [p["id"] for p in answer["data"]["papers"]] == [AGENTS]
    status, answer, _ = client.call("POST", "/api/viewed/clear", {}, headers=session)
    assert status == 200 and answer["data"] == {"cleared": 1}
