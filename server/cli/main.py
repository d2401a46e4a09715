"""The `paperboy` command: one click group, with each concern's verbs added to it."""

from __future__ import annotations

import sqlite3

import click

from server import __version__
from server.cli import crawl, desk, digest, papers, search, serve, settings, site, trending
from server.cli.context import EXIT_STORE, Context, fail
from server.store import StoreError, unusable


class Verbs(click.Group):
    """The verbs, and the one way a store that fails under a verb ends it: one line, exit 5.

    A store can open well and fail later: a corrupt page deep in the file is met only by the
    statement that reads it, a full disk only by the write that needs more room.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            fail(str(exc), EXIT_STORE)
        except sqlite3.DatabaseError as exc:  # corrupt, full, read-only, I/O error
            fail(unusable(ctx.obj.config.data_dir, exc), EXIT_STORE)


@click.group(cls=Verbs, context_settings={"help_option_names": ["-h", "--help"]})
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
