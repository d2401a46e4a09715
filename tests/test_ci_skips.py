"""Skips cannot hide under CI: each way a test can skip fails when CI=true, and passes as a skip
otherwise. Real pytest runs, in a process of their own, of a module that skips every way."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

SKIPPING = """
import pytest

def test_skip_call():
    pytest.skip("no tool")

@pytest.fixture
def missing():
    pytest.skip("no corpus")

def test_skip_in_a_fixture(missing):
    pass

@pytest.mark.skipif(True, reason="not here")
def test_skipif():
    pass

def test_importorskip():
    pytest.importorskip("no_such_module_anywhere")

@pytest.mark.xfail(reason="known", strict=True)
def test_an_expected_failure_stays_one():
    assert False

def test_runs():
    assert True
"""
SKIPPING_MODULE = 'import pytest\npytest.importorskip("no_such_module_anywhere")\n'


def _pytest(path: Path, ci: str | None) -> subprocess.CompletedProcess:
    # this run's own options (PYTEST_ADDOPTS: a --basetemp, say) are not the inner run's
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(TESTS)
    command = [sys.executable, "-m", "pytest", "-p", "ci_skips", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, path.name], capture_output=True, text=True, env=env, cwd=path.parent, timeout=120
    )


def _counts(output: str) -> dict[str, int]:
    last = output.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last)}


@pytest.fixture
def tests(tmp_path) -> tuple[Path, Path]:
    """A module whose tests skip every way, and a module that skips as it is collected."""
    (tmp_path / "test_skipping.py").write_text(SKIPPING)
    (tmp_path / "test_skipping_module.py").write_text(SKIPPING_MODULE)
    return tmp_path / "test_skipping.py", tmp_path / "test_skipping_module.py"


def test_every_skip_fails_under_ci(tests):
    result = _pytest(tests[0], "true")
    assert result.returncode == 1, result.stdout
    counts = _counts(result.stdout)
    # a skip in a fixture or a marker fails in the test's setup: pytest calls that an error
    assert counts.get("failed", 0) + counts.get("errors", 0) == 4, result.stdout
    assert counts.get("passed") == 1 and counts.get("xfailed") == 1, result.stdout
    assert "skipped" not in counts, result.stdout
    for reason in ("no tool", "no corpus", "not here", "no_such_module_anywhere"):
        assert reason in result.stdout, reason
    assert result.stdout.count("skipped under CI=true, which must run everything") >= 4


def test_a_module_skipped_as_it_is_collected_fails_under_ci(tests):
    result = _pytest(tests[1], "true")
    assert result.returncode == 2, result.stdout  # pytest's "interrupted": a collection error
    assert "test_skipping_module.py skipped under CI=true" in result.stdout
    assert _counts(result.stdout) == {"error": 1}, result.stdout


@pytest.mark.parametrize("ci", [None, "false"])
def test_outside_ci_a_skip_is_a_skip(tests, ci):
    result = _pytest(tests[0], ci)
    assert result.returncode == 0, result.stdout
    assert _counts(result.stdout) == {"passed": 1, "skipped": 4, "xfailed": 1}, result.stdout
    module = _pytest(tests[1], ci)
    assert module.returncode == 5 and _counts(module.stdout) == {"skipped": 1}, module.stdout


def test_ci_sets_ci_itself_before_the_tests():
    script = (TESTS.parent / ".ci" / "run").read_text()
    exported = script.find("\nexport CI=true")
    assert 0 < exported < script.find("\nmake test"), "the CI script must export CI=true first"
