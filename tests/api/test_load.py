"""Load on a real `paperboy serve`: 8 clients on mixed routes give 0 errors; bad requests get 4xx.

PAPERBOY_LOAD_SECONDS sets the length of the mixed load (default 60; lower it for local runs).
bench/load.py runs the same load as a script and prints a Markdown table.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from helpers import DEMO, EXE, bench_module, free_port, run, wait_for_json

SECONDS = float(os.environ.get("PAPERBOY_LOAD_SECONDS", "60"))
CLIENTS = 8
BURST = 1000


load = bench_module("load")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """`paperboy serve` on the demo store, its log in a file: under load, waitress logs its queue
    depth, which would fill a pipe nobody reads (helpers.serving) and stall the server."""
    data = tmp_path_factory.mktemp("data")
    assert run(data, "import", "-q", str(DEMO)).returncode == 0
    port, log = free_port(), data / "serve.log"
    env = {**os.environ, "PAPERBOY_DATA": str(data), "PAPERBOY_SITE_DIR": str(data / "no-site")}
    with (
        log.open("wb") as sink,
        subprocess.Popen(
            [EXE, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        ) as server,
    ):
        try:
            wait_for_json(f"http://127.0.0.1:{port}/api/health")
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(10)
    assert "Traceback" not in log.read_text(errors="replace")


def test_mixed_routes_under_load_give_no_errors(base):
    tally = load.mixed_load(base, CLIENTS, SECONDS)
    served = len(tally.latencies)
    print(
        f"\nload: {served} requests served by {CLIENTS} clients in {SECONDS:.0f} s, "
        f"p50 {load.pct(tally.latencies, 50):.1f} ms, p99 {load.pct(tally.latencies, 99):.1f} ms, "
        f"{len(tally.errors)} errors; statuses {dict(tally.statuses)}"
    )
    assert tally.errors == []
    # counts, not a rate (a rate is the machine's): every client was answered, every answer
    # was its route's, and none failed; bench/load.py measures the throughput
    assert len(tally.by_client) == CLIENTS and min(tally.by_client.values()) >= 1, tally.by_client
    assert sum(tally.by_client.values()) == served
    assert set(tally.statuses) <= {200, 404}


def test_a_burst_of_bad_requests_gets_only_4xx(base):
    tally = load.bad_burst(base, BURST, CLIENTS)
    print(f"\nburst: {len(tally.latencies)} bad requests, statuses {dict(tally.statuses)}")
    assert len(tally.latencies) >= BURST
    assert tally.errors == []
    assert all(400 <= status < 500 for status in tally.statuses)
