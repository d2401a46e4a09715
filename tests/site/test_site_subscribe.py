"""The archive's subscribe form shows on home and about only when a server URL is configured."""

import os
import subprocess

from helpers import DEMO, EXE, run


def build(data, out, **env):
    full_env = {**os.environ, "PAPERBOY_DATA": str(data), **env}
    command = [EXE, "build", "--out", str(out), "--no-pagefind", "--quiet"]
    result = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_form_only_with_a_configured_server(tmp_path):
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO)).returncode == 0
    build(data, tmp_path / "plain")
    assert 'id="subscribe"' not in (tmp_path / "plain" / "index.html").read_text()
    build(data, tmp_path / "site", PAPERBOY_PUBLIC_URL="http://127.0.0.1:8765")
    home = (tmp_path / "site" / "index.html").read_text()
    assert 'data-server="http://127.0.0.1:8765"' in home and "assets/subscribe.js" in home
    assert 'id="subscribe"' in (tmp_path / "site" / "about.html").read_text()
    assert 'id="subscribe"' not in (tmp_path / "site" / "day" / "2024-08-02.html").read_text()
    assert (tmp_path / "site" / "assets" / "subscribe.js").is_file()
