"""/api/health stays cheap at any size: it reads the counts the store keeps and takes max() from
indexes (no statement it runs scans a table, count(*) included), and it opens the search index
only when the live build changed. Its speed at 36k-1M papers is measured in bench/run.py."""

from __future__ import annotations

import pytest
from helpers import DEMO, run

from server.api import create_app
from server.models import Listing, Paper

BASE = "http://127.0.0.1:8765"  # the Host the server answers to (its default port)


@pytest.fixture()
def app(tmp_path, engine):
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO), index_engine=engine).returncode == 0
    return create_app({"data": str(data), "index_engine": engine})


def traced_health(app, times: int = 3) -> tuple[list[dict], list[str]]:
    """The bodies of `times` health requests (after a first, which opens the store and the
    index) and every SQL statement they ran on the store."""
    client = app.test_client()
    assert client.get("/api/health", base_url=BASE).status_code == 200
    db = app.extensions["paperboy"].store.db  # this thread's connection, which served it
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        bodies = [client.get("/api/health", base_url=BASE).get_json()["data"] for _ in range(times)]
    finally:
        db.set_trace_callback(None)
    return bodies, statements


def test_health_runs_no_scan_and_no_count(app):
    bodies, statements = traced_health(app)
    store = app.extensions["paperboy"].store
    for body in bodies:
        assert body["papers"] == store.true_count("papers") >= 8
        assert body["appearances"] == store.true_count("appearances")
        assert (
            body["latest_date"]
            == store.db.execute("SELECT max(date) FROM appearances").fetchone()[0]
        )
        assert body["index"]["state"] == "ok" and body["index"]["documents"] == body["papers"]
    assert statements and not [s for s in statements if "count(" in s.lower()]
    for sql in statements:
        plan = [row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + sql)]
        assert not [step for step in plan if step.startswith("SCAN")], (sql, plan)


def test_health_opens_the_index_only_when_its_build_changed(app):
    index, store = app.extensions["paperboy"].index, app.extensions["paperboy"].store
    traced_health(app, times=1)
    looked = index._checked
    traced_health(app, times=2)
    assert index._checked is looked  # the same look: the index was not read again
    store.ingest(Listing("t", papers=[Paper("2408.99999", "A paper the index lacks")]))
    client = app.test_client()
    assert client.get("/api/health", base_url=BASE).get_json()["data"]["index"]["state"] == "stale"
    index.sync(store)
    after = client.get("/api/health", base_url=BASE).get_json()["data"]
    assert after["index"] == {"state": "ok", "documents": after["papers"], "engine": index.engine}
    assert index._checked is not looked
