"""`paperboy search`, `reindex`, `token` and `serve`, run as real processes."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from helpers import DEMO, EXE, answer_then_stop, free_port, run


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    assert run(data, "import", str(DEMO)).returncode == 0
    return data


def test_import_indexes_in_the_same_run(tmp_path):
    result = run(tmp_path / "d", "import", str(DEMO / "hf-daily-2024-08-02.html"))
    assert "index:" in result.stdout and "rebuilt" in result.stdout
    found = json.loads(run(tmp_path / "d", "search", "lattice", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["2408.90001"]


def test_search_prints_ranked_results(data):
    result = run(data, "search", "reward models")
    assert result.returncode == 0
    assert result.stdout.startswith(
        " 1. Robust Reward Models under Distribution Shift  [2408.90007]"
    )
    assert run(data, "search", "zzzqqq").returncode == 1
    bad = run(data, "search", "title:(")
    assert bad.returncode == 2 and "does not parse" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("query", "says"),
    [
        (
            "date:[2024-13-01 to 2024-02-01]",
            "date: must be a date like 2024-08-01, not '2024-13-01'",
        ),
        ("date:[2024-03-01 to 2024-02-01]", "ends before it starts"),
        ("lattice seen:2024-02-30", "seen: must be a date like 2024-08-01, not '2024-02-30'"),
    ],
)
def test_an_impossible_day_in_a_query_is_an_error_not_zero_results(data, query, says):
    result = run(data, "search", query)
    assert result.returncode == 2, result.stdout  # once: "0 results", exit 1
    assert says in result.stderr and "Traceback" not in result.stderr


def test_reindex_rebuilds_from_the_store(data):
    index = data / "index"
    for path in index.rglob("*.seg"):
        path.write_bytes(b"garbage")
    result = run(data, "reindex")
    assert result.returncode == 0 and "indexed 8 papers" in result.stdout
    assert json.loads(run(data, "search", "lattice", "--json").stdout)["total"] == 1


def test_switching_engines_keeps_each_engines_index(data, engine):
    hits = json.loads(run(data, "search", "reward", "--json", index_engine=engine).stdout)
    assert [h["id"] for h in hits["hits"]][:1] == ["2408.90007"]
    assert (data / "index").is_dir()  # whoosh's stays beside tantivy's
    if engine == "tantivy":
        assert (data / "index-tantivy" / "CURRENT").is_file()
    again = run(data, "search", "lattice", "--json", index_engine=engine)
    assert json.loads(again.stdout)["total"] == 1


def test_an_unknown_or_missing_engine_is_a_usage_error(data):
    unknown = run(data, "search", "reward", index_engine="lucene")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "index_engine must be one of whoosh, tantivy, not 'lucene'" in unknown.stderr
    # as if tantivy were not installed: its import fails
    code = "import sys; sys.modules['tantivy'] = None; from server.cli import main; main()"
    missing = subprocess.run(
        [sys.executable, "-c", code, "search", "reward"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PAPERBOY_DATA": str(data), "PAPERBOY_INDEX_ENGINE": "tantivy"},
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "pip install 'paperboy[tantivy]'" in missing.stderr


def test_token_is_stable_and_private(data):
    first, second = run(data, "token").stdout, run(data, "token").stdout
    assert first == second and len(first.strip()) >= 32
    assert (data / "token").stat().st_mode & 0o077 == 0


def test_serve_answers_on_loopback(data):
    port = free_port()
    command = [EXE, "--data", str(data), "serve", "--port", str(port)]
    body, out, _ = answer_then_stop(command, f"http://127.0.0.1:{port}/api/health")
    assert body["ok"] and body["data"]["papers"] == 8
    assert f"127.0.0.1:{port}" in out


def test_serve_refuses_a_public_address_unless_allowed(data):
    result = run(data, "serve", "--host", "0.0.0.0")
    assert result.returncode == 2 and "not a loopback address" in result.stderr


@pytest.mark.parametrize(
    ("host", "warned"),
    [("0.0.0.0", True), ("127.0.0.1", False)],  # --allow-remote alone changes nothing
)
def test_serve_allow_remote_serves_and_warns(data, host, warned):
    """The real server with --allow-remote, asked on 127.0.0.1 (which a bind of 0.0.0.0 holds),
    then stopped: it answers, and warns on stderr, once, that anyone who reaches it can read the
    archive; on a loopback address it has nothing to warn of."""
    port = free_port()
    command = [EXE, "--data", str(data), "serve", "--host", host, "--port", str(port)]
    body, out, err = answer_then_stop(
        [*command, "--allow-remote"], f"http://127.0.0.1:{port}/api/health"
    )
    assert body["ok"] and body["data"]["papers"] == 8
    warning = f"warning: serving on {host}: anyone who can reach it can read your archive"
    assert err.count(warning) == (1 if warned else 0), err
    assert "Traceback" not in err
    assert f"Paperboy {host}:{port}: API at" in out
