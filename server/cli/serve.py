"""The `paperboy` verbs of the local server: serve (the API and the site) and token."""

from __future__ import annotations

import gc
import sys
import threading

import click

from server.api import is_loopback
from server.cli.context import EXIT_USAGE, Context, fail
from server.config import ConfigError

SWITCH_INTERVAL = 0.001  # seconds; see serve()


@click.command()
@click.pass_obj
def token(obj: Context) -> None:
    """Print the API token the extension needs for write routes."""
    click.echo(obj.archive(create=True).token())


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


@click.command()
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default 8765).")
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.pass_obj
def serve(obj: Context, host: str | None, port: int | None, allow_remote: bool) -> None:
    """Serve the JSON API (and the built site at /) with waitress."""
    from waitress import create_server

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
    obj.archive().close()  # a folder without a store is refused here, not served empty
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
    try:  # bound before anything is said: a port in use is one line, not a traceback
        server = create_server(app, host=host, port=port, **_waitress_options(obj.config))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE)
    site = archive.site_dir
    click.echo(
        f"Paperboy {host}:{port}: API at http://{host}:{port}/api/health, "
        f"site at http://{host}:{port}/ from {site}"
        + ("" if (site / "index.html").is_file() else " (not built yet: `paperboy build`)")
        + " (token: `paperboy token`)"
    )
    server.run()
