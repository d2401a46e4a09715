"""The `paperboy` command: one click group, with each concern's verbs added to it."""

from __future__ import annotations

import click

from server import __version__
from server.cli import crawl, desk, digest, papers, search, serve, settings, site, trending
from server.cli.context import Context


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data", metavar="DIR", help="Data directory (default: data/, or PAPERBOY_DATA).")
@click.option("--config", "config_file", metavar="FILE", help="Settings file (paperboy.toml).")
@click.version_option(__version__, prog_name="paperboy")
@click.pass_context
def main(ctx: click.Context, data: str | None, config_file: str | None) -> None:
    """Paperboy follows trending research papers, on your machine."""
    ctx.obj = Context(data, config_file)


for verb in (
    papers.import_cmd,
    papers.papers,
    papers.show,
    papers.export,
    papers.stats,
    papers.demo,
    desk.save,
    desk.unsave,
    desk.tag,
    desk.read_cmd,
    desk.hide,
    desk.note,
    desk.library,
    desk.catchup,
    desk.recommend,
    desk.viewed,
    desk.desk,
    search.search,
    search.reindex,
    trending.trending,
    serve.serve,
    serve.token,
    crawl.scrape,
    crawl.update_cmd,
    crawl.enrich_cmd,
    crawl.reparse_cmd,
    site.build_cmd,
    digest.digest,
    digest.subscribers,
    settings.config_cmd,
):
    main.add_command(verb)
