"""Idle and slow sockets against a real `paperboy serve`: they never stop a normal request.

A web page can open hundreds of connections to 127.0.0.1 and hold them idle, or trickle a request
byte by byte. The server must keep answering everyone else, and close idle sockets after
`idle_timeout`. The bound on answering is generous (10 s) so that a loaded machine passes; before
the fix the request was not answered at all while the sockets were held.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import threading
import time
import urllib.request

import pytest
from conftest import need
from helpers import serve_exit, serving

ANSWER_WITHIN = 10.0  # seconds: generous; an unbounded wait is the failure this catches


def timed_health(base: str) -> float:
    """Seconds a GET /api/health took (it must answer 200 within ANSWER_WITHIN)."""
    start = time.monotonic()
    with urllib.request.urlopen(base + "/api/health", timeout=ANSWER_WITHIN) as response:
        assert response.status == 200
    return time.monotonic() - start


def address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


@contextlib.contextmanager
def held(base: str, count: int):
    """`count` connected sockets that send nothing, closed on exit."""
    socks = []
    try:
        for _ in range(count):
            socks.append(socket.create_connection(address(base), timeout=30))
        yield socks
    finally:
        for sock in socks:
            sock.close()


@contextlib.contextmanager
def trickling(base: str, count: int, every: float = 0.5):
    """`count` sockets each sending a request one byte at a time (headers, or a long body)."""
    host, port = address(base)
    request = f"POST /api/parse HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 100000\r\n\r\n"
    stop = threading.Event()
    with held(base, count) as socks:

        def drip() -> None:
            sent = 0
            while not stop.wait(every):
                byte = request.encode()[sent : sent + 1] or b"x"
                for sock in socks:
                    with contextlib.suppress(OSError):
                        sock.send(byte)
                sent += 1

        thread = threading.Thread(target=drip, daemon=True)
        thread.start()
        try:
            yield socks
        finally:
            stop.set()
            thread.join(10)


def test_200_idle_and_200_slow_sockets_do_not_stop_a_request(tmp_path):
    with serving(tmp_path / "data") as base:
        with held(base, 200):
            idle = timed_health(base)
            with trickling(base, 200):
                time.sleep(2)  # let every slow sender start its request
                slow = timed_health(base)
                again = timed_health(base)
    print(f"/api/health with 200 idle sockets held: {idle * 1000:.0f} ms; with 200 slow senders "
          f"more: {slow * 1000:.0f} ms, {again * 1000:.0f} ms")  # fmt: skip


def test_idle_sockets_are_closed_after_idle_timeout(tmp_path):
    with serving(tmp_path / "data", idle_timeout="2") as base:
        with held(base, 5) as socks:
            deadline = time.monotonic() + 30  # 2 s idle, plus up to the cleanup interval
            for sock in socks:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                assert sock.recv(1) == b"", "the server kept an idle socket open"
        timed_health(base)


def _low_file_limit() -> None:
    """In the server's child process: a soft open-file limit of 1024, the common default."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


def test_1500_idle_sockets_past_a_1024_file_limit(tmp_path):
    """The server raises its soft open-file limit, and polls sockets (select() stops at 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need(hard == resource.RLIM_INFINITY or hard >= 4096, f"the open-file hard limit is {hard}")
    if soft != resource.RLIM_INFINITY and soft < 2000:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    try:
        with serving(tmp_path / "data", preexec_fn=_low_file_limit) as base:
            with held(base, 1500):
                took = timed_health(base)
            timed_health(base)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    print(f"/api/health with 1500 idle sockets held: {took * 1000:.0f} ms")


@pytest.mark.parametrize(
    ("setting", "value"),
    [("max_connections", "0"), ("max_connections", "x"), ("idle_timeout", "-5"), ("port", "0")],
)
def test_bad_connection_settings_are_usage_errors(tmp_path, setting, value):
    result = serve_exit(tmp_path / "data", **{setting: value})
    assert result.returncode == 2, result.stderr
    assert f"environment: {setting} must be" in result.stderr, result.stderr
