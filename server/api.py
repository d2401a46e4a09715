"""The local JSON API: app factory, routes, one response envelope, one error handler.

Success: {"ok": true, "data": ...}. Error: {"ok": false, "error": {"status", "message", ...}}.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from flask import Flask, Response, abort, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from server import __version__, service, sources
from server.api_guard import BadJson, HostAllowlist, read_json
from server.api_subscribe import register as register_subscriptions
from server.archive import Archive
from server.budget import QueryTooBroad, deadline
from server.config import Config, load
from server.digest_run import check_mail_settings
from server.index import IndexBusy, IndexCorrupt, QueryError
from server.openapi import document
from server.parse_workers import BadBody, Parsed, ParseWorkers, WorkersBusy
from server.trending import PERIODS

log = logging.getLogger("paperboy.api")
SORTS = ("relevance", "date", "trending")
MAX_QUERY_CHARS = 1000  # a longer query is not a search, and would hold a worker for seconds
SMALL_BODY_BYTES = 64_000  # a JSON body other than a page (a subscription is under 3 KB)
EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension)://[A-Za-z0-9._-]+$")


class SitePath(PathConverter):
    """A path under / that is not the API's, so /api/ paths get API errors (404, 405)."""

    regex = r"(?!api/)[^/].*?"


class ApiError(Exception):
    """An error the API reports with a status, a message and optional extra fields."""

    def __init__(self, status: int, message: str, **extra: object):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def ok(data: object, status: int = 200) -> Response:
    """The success envelope."""
    response = jsonify({"ok": True, "data": data})
    response.status_code = status
    return response


def error(status: int, message: str, **extra: object) -> Response:
    """The error envelope."""
    response = jsonify({"ok": False, "error": {"status": status, "message": message, **extra}})
    response.status_code = status
    return response


def create_app(config: Config | Mapping[str, object] | None = None) -> Flask:
    """The Flask app over one data directory; `config` is a Config or setting overrides."""
    cfg = config if isinstance(config, Config) else load(dict(config or {}))
    check_mail_settings(cfg)  # a bad one is a startup error, never a 500 in a request
    app = Flask(__name__, static_folder=None)
    _host_guard(app, HostAllowlist(int(cfg["port"]), str(cfg["host"]), str(cfg["public_url"])))
    app.url_map.converters["site_path"] = SitePath
    app.config["MAX_CONTENT_LENGTH"] = int(cfg["max_body_bytes"])
    app.json.sort_keys = False
    archive = Archive(cfg)
    app.extensions["paperboy"] = archive
    _routes(app, archive)
    register_subscriptions(app, archive)
    _errors(app)
    _cors(app, str(cfg["site_origin"]))

    @app.before_request
    def too_large():
        # refuse an oversized body before any work, token checks included
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length > limit:
            abort(413, description=f"the request body is over {limit} bytes")

    return app


def _host_guard(app: Flask, hosts: HostAllowlist) -> None:
    @app.before_request
    def allowed_host():
        # the first check of every request, preflights included: a refused one does no work
        refusal = hosts.refusal(request.environ.get("HTTP_HOST"))
        if refusal:
            return error(421, refusal)
        return None


def json_body(shape: str, max_bytes: int = SMALL_BODY_BYTES) -> dict:
    """The request's JSON object body (its shape named in errors), or a 400 saying what is wrong.

    Such bodies are read in the server's own threads, so they are small: a page, which may be
    megabytes, goes to a parse worker whole instead (_parsed_body)."""
    if not request.is_json:
        raise ApiError(400, f"the body must be JSON {shape} (Content-Type: application/json)")
    if (request.content_length or 0) > max_bytes:
        raise ApiError(413, f"the body is over {max_bytes} bytes: it must be JSON {shape}")
    data = request.get_data(cache=False)
    if len(data) > max_bytes:  # sent in chunks, without a length
        raise ApiError(413, f"the body is over {max_bytes} bytes: it must be JSON {shape}")
    try:
        body = read_json(data)
    except BadJson as exc:
        raise ApiError(400, f"{exc}: the body must be JSON {shape}") from None
    if not isinstance(body, dict):
        raise ApiError(400, f"the body must be JSON {shape}")
    return body


def _arg_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def _arg_date(name: str) -> str | None:
    raw = request.args.get(name) or None
    if raw is not None:
        try:
            year = date.fromisoformat(raw).year
        except ValueError:
            year = 0
        if not 1900 <= year <= 2999:  # also keeps date arithmetic (periods) in range
            raise ApiError(400, f"{name} must be a date like 2024-08-01, not {raw!r}")
    return raw


def _arg_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = request.args.get(name) or default
    if raw not in choices:
        raise ApiError(400, f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _routes(app: Flask, archive: Archive) -> None:
    workers = ParseWorkers(int(archive.config["parse_slots"]), float(archive.config["parse_wait"]))
    app.extensions["paperboy_parse_workers"] = workers

    @app.get("/api/health")
    def health():
        store = archive.store
        return ok(
            {
                "version": __version__,
                "papers": store.count("papers"),
                "appearances": store.count("appearances"),
                "latest_date": store.latest_date(),
                "index": {
                    "state": archive.index.state(store),
                    "documents": archive.index.doc_count(),
                    "engine": archive.index.engine,
                },
            }
        )

    @app.get("/api/search")
    def search():
        q = (request.args.get("q") or "").strip()
        if not q:
            raise ApiError(400, "q is required: the words or query to search for")
        if len(q) > MAX_QUERY_CHARS:
            raise ApiError(400, f"q is too long: at most {MAX_QUERY_CHARS} characters")
        options = {
            "page": _arg_int("page", 1, 1, 1000),
            "per_page": _arg_int("per_page", 20, 1, 100),
            "sort": _arg_choice("sort", SORTS, "relevance"),
            "date_from": _arg_date("from"),
            "date_to": _arg_date("to"),
            "cat": request.args.get("cat") or None,
        }
        with _budget(archive):
            return ok(service.search(archive.store, archive.index, q, **options))

    @app.get("/api/papers/<path:ref>/similar")
    def similar(ref: str):
        paper = _paper(archive, ref)
        limit = _arg_int("limit", 5, 1, 50)
        with _budget(archive):
            found = service.similar(archive.store, archive.index, paper, limit)
        return ok({"id": paper.id, "similar": found})

    @app.get("/api/papers/<path:ref>")
    def paper(ref: str):
        return ok(service.paper_detail(archive.store, _paper(archive, ref)))

    @app.get("/api/lookup")
    def lookup():
        ref = (request.args.get("url") or "").strip()
        if not ref:
            raise ApiError(400, "url is required: a paper URL or id")
        paper_id, found = service.lookup(archive.store, ref)
        if paper_id is None:
            raise ApiError(400, f"not a paper URL or id Paperboy knows: {ref[:200]!r}")
        if found is None:
            raise ApiError(404, f"{paper_id} is not in your archive", id=paper_id)
        return ok(service.paper_detail(archive.store, found))

    @app.get("/api/trending")
    def trending():
        period = _arg_choice("period", tuple(PERIODS), "now")
        limit = _arg_int("limit", 20, 1, 100)
        on = _arg_date("date")
        with _budget(archive):
            return ok(service.trending_papers(archive.store, period, on, limit))

    @app.get("/api/dates")
    def dates():
        return ok({"dates": archive.store.dates()})

    @app.post("/api/parse")
    def parse():
        _require_token(archive)
        return ok(service.describe(_parsed_body(workers).listing))

    @app.post("/api/ingest")
    def ingest():
        _require_token(archive)
        page = _parsed_body(workers, keep_raw=True)
        return ok(service.ingest(archive.store, archive.index, page.listing, page.raw), 201)

    @app.get("/api/openapi.json")
    def openapi():
        # the one route without the envelope: OpenAPI tools expect the bare document
        return jsonify(document(__version__))

    @app.get("/", defaults={"path": "index.html"})
    @app.get("/<site_path:path>")
    def site(path: str):
        if any(part.startswith(".") for part in Path(path).parts):
            raise ApiError(404, f"no page {path[:200]!r}")  # the builder's private state
        root = archive.site_dir.resolve()
        if not root.is_dir():
            raise ApiError(404, "no archive site is built yet: run `paperboy build`")
        target = (root / path).resolve()
        if target.is_dir():
            target = (target / "index.html").resolve()
        if not target.is_relative_to(root):  # a symlink that leads out of the site folder
            raise ApiError(404, f"no page {path[:200]!r}")
        return send_from_directory(root, target.relative_to(root))


def _budget(archive: Archive):
    """The request's time budget (query_budget), SQLite statements on its store included."""
    return deadline(float(archive.config["query_budget"]), archive.store.db)


def _parsed_body(workers: ParseWorkers, keep_raw: bool = False) -> Parsed:
    """The page in a {url, html} body, read and parsed in a worker (never fetched)."""
    shape = '{"url": "...", "html": "..."}'
    if not request.is_json:
        raise ApiError(400, f"the body must be JSON {shape} (Content-Type: application/json)")
    try:
        return workers.parse(request.get_data(cache=False), keep_raw)
    except WorkersBusy as exc:
        raise ApiError(503, str(exc), retry_after=workers.wait) from None
    except BadBody as exc:
        raise ApiError(400, f"{exc}: the body must be JSON {shape}") from None
    except sources.ParseError as exc:  # BudgetExceeded included: each names the page
        raise ApiError(422, str(exc)) from None


def _paper(archive: Archive, ref: str):
    paper = archive.store.get_paper(ref)
    if paper is None:
        raise ApiError(404, f"no paper {ref[:200]!r} in your archive")
    return paper


def _require_token(archive: Archive) -> None:
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() or request.headers.get("X-Paperboy-Token", "")
    if not given:
        raise ApiError(401, "this route needs the API token: see `paperboy token`")
    if not hmac.compare_digest(given.encode(), archive.token().encode()):
        raise ApiError(403, "the API token is wrong: copy it again from `paperboy token`")


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


def _cors(app: Flask, site_origin: str) -> None:
    def allowed(origin: str) -> bool:
        return bool(EXTENSION_ORIGIN.match(origin)) or (bool(site_origin) and origin == site_origin)

    @app.before_request
    def preflight():
        origin = request.headers.get("Origin", "")
        if request.method == "OPTIONS":
            if not allowed(origin):
                abort(403, description=f"origin {origin[:100]!r} may not call this API")
            return Response(status=204)
        return None

    @app.after_request
    def headers(response: Response):
        origin = request.headers.get("Origin", "")
        if origin and allowed(origin):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
