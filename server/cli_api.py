"""The `paperboy` verbs over the search index and the API: search, reindex, serve, token."""

from __future__ import annotations

import gc
import json
import sys
import threading
import time

import click

from server import service
from server.api_guard import is_loopback
from server.archive import Archive
from server.budget import QueryTooBroad, deadline
from server.cli import EXIT_NOTHING_NEW, EXIT_TOO_BROAD, EXIT_USAGE, Context, fail, main, say
from server.config import ConfigError
from server.index import QueryError
from server.text import printable

SWITCH_INTERVAL = 0.001  # seconds; see serve()


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


@main.command()
@click.argument("query")
@click.option("--limit", default=10, show_default=True, help="How many results.")
@click.option("--sort", type=click.Choice(["relevance", "date", "trending"]), default="relevance")
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
        authors = ", ".join(hit["authors"][:3]) + (" et al." if len(hit["authors"]) > 3 else "")
        click.echo(f"{n:>2}. {_marked(hit['title'], hit['title_spans'])}  [{hit['id']}]")
        say(f"    {authors} · {hit['date'] or 'no date'}")
        click.echo(f"    {_marked(hit['snippet']['text'], hit['snippet']['spans'])}\n")
    say(
        f"{result['total']} results"
        + (f"; did you mean: {result['suggestion']}" if result["suggestion"] else "")
    )
    if not result["total"]:
        sys.exit(EXIT_NOTHING_NEW)


@main.command()
@click.pass_obj
def reindex(obj: Context) -> None:
    """Rebuild the search index from the store."""
    archive = archive_of(obj)
    start = time.perf_counter()
    count = archive.index.rebuild(archive.store, progress=True)
    seconds = time.perf_counter() - start
    click.echo(f"indexed {count} papers in {seconds:.1f} s ({count / max(seconds, 1e-9):.0f}/s)")


@main.command()
@click.pass_obj
def token(obj: Context) -> None:
    """Print the API token the extension needs for write routes."""
    click.echo(archive_of(obj).token())


def _warm(index) -> None:
    try:
        click.echo(index.warm())
    except Exception as exc:  # searches still work, they read as they go
        click.echo(f"warning: could not read the search index ahead: {exc}", err=True)
    # What is alive now (modules, the warm index) stays: leaving it out of later full garbage
    # collections keeps them short, and each one stops every thread, /api/health's included.
    gc.collect()
    gc.freeze()


FILES_IN_RESERVE = 256  # open files beside the connections: store, index segments, site files


def _connection_limit(wanted: int) -> int:
    """Raise the soft open-file limit so `wanted` connections fit (a socket each), or lower them.

    Past the limit accept() fails and waitress would spin on it; so the limit is raised to the
    hard limit if need be, and the connections are lowered, with a warning, if that is too low.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + FILES_IN_RESERVE
    if soft != resource.RLIM_INFINITY and soft < need:
        soft = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft != resource.RLIM_INFINITY and soft < need:
        lowered = max(1, soft - FILES_IN_RESERVE)
        click.echo(
            f"warning: max_connections lowered from {wanted} to {lowered}: the open-file limit "
            f"is {soft} (raise it with `ulimit -n`)",
            err=True,
        )
        return lowered
    return wanted


def _waitress_options(config) -> dict:
    """waitress settings that keep idle and slow sockets from stopping anyone else."""
    idle = int(config["idle_timeout"])
    return {
        "threads": int(config["threads"]),
        "connection_limit": _connection_limit(int(config["max_connections"])),
        "channel_timeout": idle,
        "cleanup_interval": max(1, min(30, idle // 2)),  # an idle socket closes within 1.5x
        "asyncore_use_poll": True,  # select() fails past file descriptor 1024
        "backlog": 1024,
        # waitress buffers a whole body before the app sees it: keep that near max_body_bytes
        # (the API answers its own JSON 413 below max_body_bytes + 1 MB)
        "max_request_body_size": int(config["max_body_bytes"]) + 1_000_000,
        "ident": "paperboy",
    }


@main.command()
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default 8765).")
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.pass_obj
def serve(obj: Context, host: str | None, port: int | None, allow_remote: bool) -> None:
    """Serve the JSON API (and the built site at /) with waitress."""
    from waitress import serve as waitress_serve

    from server.api import create_app

    host = host or str(obj.config["host"])
    port = port or int(obj.config["port"])
    if not is_loopback(host) and not allow_remote:
        fail(f"refusing to bind {host}: not a loopback address (use --allow-remote)", EXIT_USAGE)
    if not is_loopback(host):
        click.echo(
            f"warning: serving on {host}: anyone who can reach it can read your archive", err=True
        )
    obj.config.values.update(host=host, port=port)
    try:
        app = create_app(obj.config)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    archive = app.extensions["paperboy"]
    click.echo(f"index: {archive.index.ensure(archive.store)}")
    # A thread running a long search hands the interpreter over to a waiting one (a health
    # check, say) after this long; a request needs several handovers (5 ms each by default).
    sys.setswitchinterval(SWITCH_INTERVAL)
    threading.Thread(target=_warm, args=(archive.index,), name="warm-index", daemon=True).start()
    click.echo(
        f"Paperboy {host}:{port}: API at http://{host}:{port}/api/health, "
        f"site at http://{host}:{port}/ (token: `paperboy token`)"
    )
    waitress_serve(app, host=host, port=port, **_waitress_options(obj.config))
