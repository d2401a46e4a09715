"""Under CI=true a skip is a failure: a green CI run has run every test. One hook for every kind
of skip (pytest.skip, skipif, importorskip, a skip while collecting a module), so no test can
skip past CI by the way it skips. Registered by tests/conftest.py; .ci/run exports CI=true."""

from __future__ import annotations

import os

import pytest


def under_ci() -> bool:
    """True when the run is CI's (CI=true, as .ci/run and CI services set it)."""
    return os.environ.get("CI") == "true"


def _failed(report, what: str) -> None:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    report.outcome = "failed"
    report.longrepr = f"{what} skipped under CI=true, which must run everything: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test's skip (in its setup, its body or a marker) becomes its failure under CI."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and under_ci() and not hasattr(report, "wasxfail"):
        _failed(report, item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A module that skips as it is collected (importorskip at its top) fails under CI."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and under_ci():
        _failed(report, collector.nodeid)
