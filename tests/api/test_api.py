"""The JSON API over real HTTP on 127.0.0.1, on a real store and index built from the demo pages."""

from __future__ import annotations

import base64
import importlib.util
import json
import random
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import need
from helpers import DEMO, file_size_limit, run, serving, spoil_table

from server.api import create_app


class Client:
    """A tiny HTTP client that returns (status, json, headers)."""

    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, body: object = None, headers: dict | None = None):
        data = (
            json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
        )
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null"), response.headers
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null"), exc.headers

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def served(tmp_path_factory, request):
    """A real `paperboy serve` process on the demo pages, on each index engine in turn;
    yields (client, token)."""
    if request.param == "tantivy":
        installed = importlib.util.find_spec("tantivy") is not None
        need(installed, "tantivy is not installed (pip install 'paperboy[tantivy]')")
    data = tmp_path_factory.mktemp("data")
    assert run(data, "import", str(DEMO)).returncode == 0
    token = run(data, "token").stdout.strip()
    with serving(
        data,
        index_engine=request.param,
        site_dir=str(data / "no-site"),
        site_origin="https://me.example",
        max_body_bytes="200000",
    ) as base:
        yield Client(base), token, request.param


@pytest.fixture
def client(served):
    return served[0]


def test_health(served):
    client, _, engine = served
    status, body, _ = client.get("/api/health")
    assert status == 200 and body["ok"] is True
    assert body["data"]["papers"] >= 8 and body["data"]["index"]["state"] == "ok"
    assert body["data"]["index"]["engine"] == engine


def test_search_hits_have_spans_and_facets(client):
    status, body, _ = client.get("/api/search?q=reward+models")
    assert status == 200
    data = body["data"]
    assert data["hits"][0]["id"] == "2408.90007"
    hit = data["hits"][0]
    starts = [hit["title"][s:e].lower() for s, e in hit["title_spans"]]
    assert "reward" in starts and "models" in starts
    assert data["facets"]["category"] and data["facets"]["month"]


def test_search_sorts_by_upvotes(client):
    """The sorts the CLI and the site's search page offer are the API's: upvotes included."""
    everything = urllib.request.quote("date:[1990-01-01 to 2100-01-01]")
    status, body, _ = client.get(f"/api/search?q={everything}&sort=upvotes&per_page=100")
    assert status == 200, body
    votes = [h["trend"]["upvotes"] or 0 for h in body["data"]["hits"]]
    assert len(set(votes)) >= 3 and votes == sorted(votes, reverse=True), votes
    status, body, _ = client.get(f"/api/search?q={everything}&sort=votes")
    assert status == 400 and "upvotes" in body["error"]["message"]


def test_search_hits_name_their_site_page(client):
    status, body, _ = client.get("/api/search?q=" + urllib.request.quote("title:weather"))
    assert status == 200
    assert body["data"]["hits"][0]["site_page"] == "paper/2408.90008.html"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"proof repair"', "2408.90005"),
        ("title:weather", "2408.90008"),
        ("author:Okafor", "2408.90003"),
        ("cat:cs.IR", "2408.90004"),
        ("id:2408.90006", "2408.90006"),
        ("lattic*", "2408.90001"),
        ("weathr~", "2408.90008"),
        ("protein AND NOT weather", "2408.90002"),
    ],
)
def test_query_forms(client, query, expected):
    status, body, _ = client.get("/api/search?q=" + urllib.request.quote(query))
    assert status == 200, body
    assert expected in [h["id"] for h in body["data"]["hits"]], query


def test_lookup_any_url_form(client):
    for url in (
        "https://arxiv.org/pdf/2408.90003v2",
        "huggingface.co/papers/2408.90003",
        "arXiv:2408.90003",
    ):
        status, body, _ = client.get("/api/lookup?url=" + urllib.request.quote(url))
        assert status == 200 and body["data"]["id"] == "2408.90003"
    status, body, _ = client.get("/api/lookup?url=https://arxiv.org/abs/2401.00001")
    assert status == 404 and body["error"]["id"] == "2401.00001"


def test_paper_detail_has_history_links_bibtex(client):
    status, body, _ = client.get("/api/papers/2408.90001")
    data = body["data"]
    assert status == 200 and data["title"].startswith("Sparse Lattice Transformers")
    days = {(a["list"], a["date"]) for a in data["appearances"]}
    assert ("hf-daily", "2024-08-02") in days and ("hf-daily", "2024-08-05") in days
    assert data["links"]["arxiv"] == "https://arxiv.org/abs/2408.90001"
    assert data["links"]["hf"] == "https://huggingface.co/papers/2408.90001"
    assert "@misc{" in data["bibtex"]
    assert any(a["badge"].startswith("HF daily #") for a in data["appearances"])


def test_similar_gives_shared_terms(client):
    status, body, _ = client.get("/api/papers/2408.90007/similar?limit=3")
    assert status == 200
    similar = body["data"]["similar"]
    assert similar and all(s["id"] != "2408.90007" for s in similar)
    assert all(isinstance(s["shared_terms"], list) for s in similar)


def test_trending_and_dates(client):
    status, body, _ = client.get("/api/trending?period=day&date=2024-08-02")
    assert status == 200
    assert body["data"]["papers"][0]["id"] == "2408.90001"  # 57 upvotes, rank 1 that day
    status, body, _ = client.get("/api/dates")
    assert "2024-08-05" in [d["date"] for d in body["data"]["dates"]]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/search?q=title:(", 400),
        ("/api/search?q=", 400),
        ("/api/search?q=x&page=0", 400),
        ("/api/search?q=x&from=yesterday", 400),
        ("/api/trending?period=year", 400),
        ("/api/lookup?url=not-a-paper", 400),
        ("/api/papers/2401.99999", 404),
        ("/api/nothing", 404),
        # a digit that is not ASCII passes str.isdigit() but not int(): once a 500
        ("/api/search?q=x&page=%C2%B2", 400),
        ("/api/search?q=x&per_page=%D9%A3", 400),
        ("/api/trending?limit=%C2%B2", 400),
        ("/api/papers/2408.90001/similar?limit=%C2%B2", 400),
        # an impossible day in the query is the same clear error as from= (once: 0 results)
        ("/api/search?q=" + urllib.request.quote("date:[2024-13-01 to 2024-02-01]"), 400),
    ],
)
def test_errors_are_json_envelopes(client, path, status):
    got, body, _ = client.get(path)
    assert got == status and body["ok"] is False
    assert body["error"]["status"] == status and body["error"]["message"]
    assert "Traceback" not in body["error"]["message"]


def test_method_not_allowed_and_too_large(client):
    status, body, _ = client.call("DELETE", "/api/health")
    assert status == 405 and body["ok"] is False
    status, body, _ = client.call("POST", "/api/ingest", body={"html": "x" * 300_000})
    assert status == 413 and body["ok"] is False


def test_ingest_needs_the_token_then_stores_and_indexes(served):
    client, token, _ = served
    page = {
        "url": "https://example.org/paper",
        "html": (
            "<html><head><meta name='citation_title' content='Quantum Origami for Tiny Robots'>"
            "<meta name='citation_author' content='Rosa Vega'>"
            "<meta name='citation_publication_date' content='2024/08/03'></head></html>"
        ),
    }
    assert client.call("POST", "/api/ingest", body=page)[0] == 401
    assert (
        client.call("POST", "/api/ingest", body=page, headers={"Authorization": "Bearer wrong"})[0]
        == 403
    )
    auth = {"Authorization": f"Bearer {token}"}
    status, body, _ = client.call("POST", "/api/ingest", body=page, headers=auth)
    assert status == 201 and body["data"]["papers_new"] == 1
    found = client.get("/api/search?q=origami")[1]["data"]["hits"]
    assert [h["title"] for h in found] == ["Quantum Origami for Tiny Robots"]
    status, body, _ = client.call(
        "POST", "/api/ingest", headers=auth, body={"url": "https://x.org", "html": "<p>hello</p>"}
    )
    assert status == 422 and "Supported kinds" in body["error"]["message"]


# each route that writes, with a body it takes: (method, path, body, status when allowed)
WRITES = [
    ("POST", "/api/parse", {"url": "https://example.org/p", "html": "<p>hi</p>"}, 422),
    ("POST", "/api/viewed", {"url": "https://arxiv.org/abs/2408.90002"}, 201),
    ("POST", "/api/papers/2408.90002/desk", {"saved": True, "add_tags": ["hdr"]}, 200),
    ("POST", "/api/catchup/seen", {}, 200),
    ("POST", "/api/viewed/clear", {}, 200),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), WRITES, ids=[path for _, path, _, _ in WRITES]
)
def test_the_x_paperboy_token_header_on_write_routes(served, method, path, body, allowed):
    """The token in `X-Paperboy-Token` (the other way in beside `Authorization: Bearer`):
    missing 401, wrong 403 and nothing written, right the route's own answer; and right beside
    an `Authorization` of another scheme, as a reverse proxy's login sends (once a 403)."""
    client, token, _ = served
    auth = {"Authorization": f"Bearer {token}"}
    state = client.get("/api/papers/2408.90002/desk", headers=auth)[1]["data"]
    viewed = client.get("/api/viewed", headers=auth)[1]["data"]
    for headers, status in (
        ({}, 401),
        ({"X-Paperboy-Token": ""}, 401),
        ({"X-Paperboy-Token": "wrong"}, 403),
        ({"X-Paperboy-Token": token[:-1]}, 403),
        ({"X-Paperboy-Token": token + "x"}, 403),
    ):
        answer, answered, _ = client.call(method, path, body, headers=headers)
        assert answer == status and answered["ok"] is False, (headers, answer, answered)
        assert "paperboy token" in answered["error"]["message"]
    assert client.get("/api/papers/2408.90002/desk", headers=auth)[1]["data"] == state
    assert client.get("/api/viewed", headers=auth)[1]["data"] == viewed  # nothing written
    for headers in (
        {"X-Paperboy-Token": token},
        {"X-Paperboy-Token": token, "Authorization": "Basic cGI6c2VjcmV0"},
    ):
        answer, answered, _ = client.call(method, path, body, headers=headers)
        assert answer == allowed, (headers, answer, answered)


def test_cors_only_for_extensions_and_the_site(client):
    for origin in ("chrome-extension://abcdef", "moz-extension://1234-5678", "https://me.example"):
        _, _, headers = client.get("/api/health", headers={"Origin": origin})
        assert headers["Access-Control-Allow-Origin"] == origin
    _, _, headers = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers
    status, _, _ = client.call("OPTIONS", "/api/ingest", headers={"Origin": "https://evil.example"})
    assert status == 403


def test_openapi_document_lists_every_route(client, tmp_path):
    status, doc, _ = client.get("/api/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.1")
    app = create_app({"data": str(tmp_path)})
    routes = {
        r.rule.replace("<path:ref>", "{ref}")
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/")
    }
    assert routes == set(doc["paths"])


def test_lookup_of_a_pdf_url_gives_llama_with_its_day(corpus, tmp_path):
    data = tmp_path / "data"
    page = corpus / "hf" / "daily" / "2024-08-01_slbqc-dailay_paper_info.html"
    assert run(data, "import", str(page)).returncode == 0
    with serving(data) as base:
        status, body, _ = Client(base).get("/api/lookup?url=https://arxiv.org/pdf/2407.21783v2")
    assert status == 200 and body["data"]["title"] == "The Llama 3 Herd of Models"
    [day] = body["data"]["appearances"]
    assert (day["list"], day["date"], day["rank"], day["upvotes"]) == (
        "hf-daily",
        "2024-08-01",
        1,
        94,
    )
    assert day["badge"] == "HF daily #1 \u00b7 2024-08-01 \u00b7 94\u25b2"


@pytest.mark.parametrize(
    ("period", "order", "key"),
    [
        ("week", "upvotes", "period_upvotes"),
        ("month", "upvotes", "period_upvotes"),
        ("now", "score", "score"),
    ],
)
def test_trending_says_its_order_and_keeps_it(client, period, order, key):
    status, body, _ = client.get(f"/api/trending?period={period}&date=2024-08-02")
    data = body["data"]
    assert status == 200 and data["order"] == order and len(data["papers"]) >= 3
    values = [p[key] for p in data["papers"]]
    assert values == sorted(values, reverse=True)
    expected = {
        "week": ("Most upvoted papers of week 31 of 2024", "2024-07-29", "2024-08-04"),
        "month": ("Most upvoted papers of August 2024", "2024-08-01", "2024-08-31"),
        "now": (
            "Trending now: by trending score, 2024-07-27 to 2024-08-02",
            "2024-07-27",
            "2024-08-02",
        ),
    }
    assert (data["heading"], data["from"], data["to"]) == expected[period]


def _spoil_builds(index: Path) -> None:
    """Garbage in every file of the index's builds; CURRENT still names the live one."""
    for path in index.rglob("*"):
        if path.is_file() and path.parent != index:
            path.write_bytes(b"not an index " * 20)


@pytest.mark.parametrize("how", ["garbage", "removed"])
def test_an_unusable_index_is_a_503_and_the_rest_still_answers(tmp_path, engine, how):
    """The index spoiled under a running server (by hand, a disk error, another tool): searches
    say so with a 503, similar papers too (once a 500 and a traceback in the log), while health
    says which state it is in and what does not need the index goes on; a reindex by another
    process brings it back without a restart."""
    data = tmp_path / "data"
    assert run(data, "import", "-q", str(DEMO), index_engine=engine).returncode == 0
    token = run(data, "token").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    assert run(data, "save", "2408.90001").returncode == 0  # so "for you" has a saved paper
    index = data / ("index" if engine == "whoosh" else "index-tantivy")
    with serving(data, index_engine=engine) as base:
        client = Client(base)
        assert client.get("/api/search?q=lattice")[0] == 200  # the searcher is open
        assert client.get("/api/papers/2408.90002/similar")[1]["data"]["similar"]
        if how == "garbage":
            _spoil_builds(index)
        else:
            shutil.rmtree(index)
        unusable = ["/api/search?q=lattice", "/api/search?q=protein"]
        if how == "garbage":  # a missing similarity file is no similar papers, by design
            unusable += ["/api/papers/2408.90002/similar", "/api/recommend?days=30"]
        for path in unusable:
            status, body, _ = client.get(path, headers=auth)
            assert status == 503, (path, status, body)
            assert body["error"]["message"].startswith("the search index is not usable"), body
        health = client.get("/api/health")[1]["data"]
        assert health["index"]["state"] == ("corrupt" if how == "garbage" else "missing")
        for path in ("/api/papers/2408.90001", "/api/trending?period=now", "/api/dates"):
            assert client.get(path)[0] == 200, path
        assert run(data, "reindex", "-q", index_engine=engine).returncode == 0
        status, body, _ = client.get("/api/search?q=lattice")
        assert status == 200 and body["data"]["hits"][0]["id"] == "2408.90001"
        assert client.get("/api/health")[1]["data"]["index"]["state"] == "ok"


def test_a_store_that_cannot_be_written_is_a_503_and_keeps_what_it_held(tmp_path):
    """The server's files may not grow past 128 KB (a full disk as any user can make one): a
    page of 400 KB cannot be stored. It is a 503 naming the store, the log holds one line and no
    traceback (serving checks), the rest of the API answers, and nothing stored is lost."""
    data = tmp_path / "data"
    assert run(data, "import", "-q", str(DEMO / "hf-api-2024-08-05.json")).returncode == 0
    before = run(data, "export").stdout
    token = run(data, "token").stdout.strip()
    page = {
        "url": "https://example.org/heavy",
        "html": (
            "<html><head><meta name='citation_title' content='Heavy Pages for Small Disks'>"
            "<meta name='citation_author' content='Rosa Vega'>"
            "<meta name='citation_publication_date' content='2024/08/03'></head><body>"
            + base64.b64encode(random.Random(7).randbytes(260_000)).decode()  # not compressible
            + "</body></html>"
        ),
    }
    with serving(data, preexec_fn=file_size_limit(128 * 1024)) as base:
        client = Client(base)
        auth = {"Authorization": f"Bearer {token}"}
        status, body, _ = client.call("POST", "/api/ingest", body=page, headers=auth)
        assert status == 503, (status, body)
        message = body["error"]["message"]
        assert str(data / "papers.sqlite3") in message and "could not store" in message
        assert client.get("/api/health")[0] == 200
        assert client.get("/api/search?q=heavy")[1]["data"]["total"] == 0
    assert run(data, "export").stdout == before


def test_a_corrupt_store_is_a_503_naming_it_and_health_still_answers(tmp_path):
    """The papers table's first page is garbage: each route that reads a paper says the store
    cannot be read, in one line (once a 500, and a traceback in the log)."""
    data = tmp_path / "data"
    assert run(data, "import", "-q", str(DEMO)).returncode == 0
    spoil_table(data / "papers.sqlite3", "papers")
    with serving(data) as base:
        client = Client(base)
        for path in ("/api/papers/2408.90001", "/api/search?q=lattice", "/api/trending"):
            status, body, _ = client.get(path)
            assert status == 503, (path, status, body)
            message = body["error"]["message"]
            assert message.startswith(f"{data / 'papers.sqlite3'}: the store cannot be read")
            assert "malformed" in message
        assert client.get("/api/health")[0] == 200  # counts, not papers: it still answers
