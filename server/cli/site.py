"""`paperboy build`: the archive site builder (`python build.py` runs this same verb)."""

from __future__ import annotations

import click

from server.cli.context import EXIT_USAGE, Context, fail
from server.config import ConfigError
from server.progress import for_terminal
from server.site import build, options

SHOWN = 30  # written files listed one by one; past that, counted by folder


@click.command("build")
@click.option("--out", help="Output folder (default: the site_dir setting, _site).")
@click.option("--base-url", help="Public URL of the site, for feeds and the sitemap.")
@click.option("--full", is_flag=True, help="Re-render every page.")
@click.option("--topic", multiple=True, metavar="NAME=QUERY", help="A topic page (repeatable).")
@click.option("--no-pagefind", is_flag=True, help="Skip the Pagefind search index.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.pass_obj
def build_cmd(obj: Context, out, base_url, full, topic, no_pagefind, quiet) -> None:
    """Build the static archive site from the store: Markdown, HTML, feeds, search."""
    archive = obj.archive()
    try:
        where = options(obj.config, out, base_url, list(topic))
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    with for_terminal(quiet):  # each phase's bar or live line, then its line
        note = archive.index.ensure(archive.store)
        if not quiet:
            click.echo(f"index: {note}", err=True)
        report = build(archive.store, archive.index, full=full, pagefind=not no_pagefind, **where)
    archive.record_site(where["out"])  # `serve` serves this data directory's site from there
    archive.close()
    lines = report.lines(where["out"], SHOWN)
    click.echo("\n".join(lines[-1:] if quiet else lines))
