"""The `paperboy config` verb: every setting, its effective value and where it came from."""

from __future__ import annotations

import json

import click

from server.cli.context import Context
from server.config import SECRET_SETTINGS, SETTINGS


def _hidden(name: str, value: object) -> object:
    """A secret setting's value masked: `config` output is safe to paste into a bug report."""
    return "********" if name in SECRET_SETTINGS and value else value


def _shown(name: str, value: object) -> str:
    value = _hidden(name, value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value) if value != "" else "(empty)"


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.pass_obj
def config_cmd(obj: Context, as_json: bool) -> None:
    """Show every setting's effective value and where it came from."""
    config = obj.config
    if as_json:
        rows = {
            s.name: {
                "value": _hidden(s.name, config[s.name]),
                "source": config.sources[s.name],
                "help": s.help,
            }
            for s in SETTINGS
        }
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for s in SETTINGS:
        click.echo(f"{s.name:<15} {_shown(s.name, config[s.name]):<36} {config.sources[s.name]}")
