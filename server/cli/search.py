"""The `paperboy` verbs over the search index: search and reindex."""

from __future__ import annotations

import json
import sys
import time

import click

from server import service
from server.archive import Archive
from server.budget import QueryTooBroad, deadline
from server.cli.context import EXIT_NOTHING_NEW, EXIT_TOO_BROAD, EXIT_USAGE, Context, fail, say
from server.index import SORTS, QueryError
from server.progress import for_terminal
from server.text import authors_line, printable


def archive_of(obj: Context) -> Archive:
    """The archive for the configured data directory."""
    return obj.archive()


def _marked(text: str, spans: list[list[int]]) -> str:
    """Text with its match spans in bold (plain when not on a terminal); the text's own control
    characters are shown as U+FFFD, so only our styling reaches the terminal."""
    text, out, last = printable(text), [], 0
    for start, end in spans:
        out += [text[last:start], click.style(text[start:end], bold=True, fg="yellow")]
        last = end
    return "".join(out) + text[last:]


@click.command()
@click.argument("query")
@click.option("--limit", default=10, show_default=True, help="How many results.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead.")
@click.pass_obj
def search(obj: Context, query: str, limit: int, sort: str, as_json: bool) -> None:
    """Search the archive: words, phrases, title:, author:, cat:, date:[a to b], AND/OR/NOT."""
    archive = archive_of(obj)
    if archive.index.state(archive.store) != "ok":
        click.echo(f"index: {archive.index.ensure(archive.store)}", err=True)
    try:
        with deadline(float(obj.config["query_budget"]), archive.store.db):
            result = service.search(archive.store, archive.index, query, per_page=limit, sort=sort)
    except QueryError as exc:
        fail(f"{exc.what}: {exc}", EXIT_USAGE)
    except QueryTooBroad as exc:
        fail(str(exc), EXIT_TOO_BROAD)
    for note in result["notes"]:
        click.echo(f"note: {note}", err=True)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for n, hit in enumerate(result["hits"], start=1):
        authors = authors_line(hit["authors"], 3)
        click.echo(f"{n:>2}. {_marked(hit['title'], hit['title_spans'])}  [{hit['id']}]")
        say(f"    {authors} · {hit['date'] or 'no date'}")
        click.echo(f"    {_marked(hit['snippet']['text'], hit['snippet']['spans'])}\n")
    say(
        f"{result['total']} results"
        + (f"; did you mean: {result['suggestion']}" if result["suggestion"] else "")
    )
    if not result["total"]:
        sys.exit(EXIT_NOTHING_NEW)


@click.command()
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.pass_obj
def reindex(obj: Context, quiet: bool) -> None:
    """Rebuild the search index from the store."""
    archive = archive_of(obj)
    start = time.perf_counter()
    with for_terminal(quiet):  # the index and similar steps
        count = archive.index.rebuild(archive.store)
    seconds = time.perf_counter() - start
    click.echo(f"indexed {count} papers in {seconds:.1f} s ({count / max(seconds, 1e-9):.0f}/s)")
