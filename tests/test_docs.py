"""README documents every command, setting, page kind and exit code, and opens with set-up."""

import re
from pathlib import Path

from server import cli, sources
from server.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands():
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make demo", "make test"]


def test_every_command_is_documented():
    for name in cli.main.commands:
        assert f"`paperboy {name}" in README, name


def test_every_setting_is_documented():
    for setting in SETTINGS:
        assert re.search(rf"^\| `{setting.name}` \|", README, re.M), setting.name


def test_every_page_kind_is_documented():
    for module in sources.PARSERS:
        assert f"| `{module.KIND}` |" in README, module.KIND


def test_every_exit_code_is_documented():
    for code in (
        cli.EXIT_NEW,
        cli.EXIT_NOTHING_NEW,
        cli.EXIT_USAGE,
        cli.EXIT_TOO_BROAD,
        cli.EXIT_INPUT,
        cli.EXIT_STORE,
    ):
        assert re.search(rf"^\| {code} \|", README, re.M), code


def test_every_api_route_is_documented(tmp_path):
    from server.api import create_app

    app = create_app({"data": str(tmp_path)})
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule.replace("<path:ref>", "<id>")
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            for method in methods:
                assert f"`{method} {path}" in README, f"{method} {path}"
