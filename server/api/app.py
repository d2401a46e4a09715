"""The app factory: `create_app(config)` opens the archive, installs the checks every request
passes (api/guard.py), registers the Blueprints (the archive's routes, subscriptions, the site)
and the one error handler, which answers every failure in the envelope."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from server.api import guard, routes, session, site_files, subscriptions
from server.api.envelope import ApiError, error
from server.api.parse_workers import ParseWorkers
from server.archive import Archive
from server.budget import QueryTooBroad
from server.config import Config, load
from server.digest import check_mail_settings
from server.index import IndexBusy, IndexCorrupt, QueryError
from server.store import StoreError, unusable

log = logging.getLogger("paperboy.api")


def create_app(config: Config | Mapping[str, object] | None = None) -> Flask:
    """The Flask app over one data directory; `config` is a Config or setting overrides."""
    cfg = config if isinstance(config, Config) else load(dict(config or {}))
    check_mail_settings(cfg)  # a bad one is a startup error, never a 500 in a request
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False
    app.url_map.converters["site_path"] = site_files.SitePath
    guard.install(app, cfg)
    app.extensions["paperboy"] = Archive(cfg)
    app.extensions["paperboy_parse_workers"] = ParseWorkers(
        int(cfg["parse_slots"]), float(cfg["parse_wait"])
    )
    app.extensions["paperboy_limits"] = subscriptions.Limits()
    app.extensions["paperboy_session"] = session.new_token()
    app.register_blueprint(routes.bp)
    app.register_blueprint(subscriptions.bp)
    app.register_blueprint(session.bp)
    app.register_blueprint(site_files.bp)
    _errors(app)
    return app


def _errors(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error(exc.status, exc.message, **exc.extra)

    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        return error(400, f"{exc.what}: {exc}")

    @app.errorhandler(QueryTooBroad)
    def too_broad(exc: QueryTooBroad):
        return error(503, str(exc))

    @app.errorhandler(IndexCorrupt)
    @app.errorhandler(IndexBusy)
    def index_unavailable(exc: Exception):
        return error(503, f"the search index is not usable right now: {exc}")

    @app.errorhandler(StoreError)
    @app.errorhandler(sqlite3.DatabaseError)
    def store_unusable(exc: Exception):
        # a full disk, a read-only folder, a corrupt page: the store's failure, said in one line
        # (as the CLI's exit 5 says it), not an internal error with a traceback
        data_dir = app.extensions["paperboy"].data_dir
        said = str(exc) if isinstance(exc, StoreError) else unusable(data_dir, exc)
        log.error("%s %s: %s", request.method, request.path, said)
        return error(503, said)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = error(exc.code or 500, exc.description or exc.name)
        if "Allow" in dict(exc.get_headers()):
            response.headers["Allow"] = dict(exc.get_headers())["Allow"]
        return response

    @app.errorhandler(Exception)
    def internal(exc: Exception):
        log.exception("internal error on %s", request.path)
        return error(500, "internal error: the server log has the details")
