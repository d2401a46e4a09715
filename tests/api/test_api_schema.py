"""schemathesis against the served OpenAPI document: no 5xx, responses match the schema.

Runs the `st` command (coverage, fuzzing and stateful phases) against a real `paperboy serve`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import need
from helpers import DEMO, run, serving

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "unsupported_method",
    ]
)


def test_schemathesis_finds_no_errors(tmp_path):
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    need(st is not None, "schemathesis is not installed (pip install -e '.[test]')")
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO)).returncode == 0
    token = run(data, "token").stdout.strip()
    with serving(data) as base:
        result = subprocess.run(
            [
                st,
                "run",
                base + "/api/openapi.json",
                "--checks",
                CHECKS,
                "--max-examples",
                "50",
                "--seed",
                "20241126",
                "-H",
                f"Authorization: Bearer {token}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Stateful" in result.stdout
    passed = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert passed and passed[1] == passed[2] and int(passed[1]) > 300, result.stdout[-1500:]
    print(f"schemathesis: {passed[1]} generated, {passed[2]} passed")
