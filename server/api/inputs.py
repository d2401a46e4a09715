"""What a request carries, checked: query arguments, small JSON bodies and the API token; and the
open archive every route reads (`get_archive`, as flaskr's `get_db`)."""

from __future__ import annotations

import hmac
from contextlib import AbstractContextManager
from datetime import date

from flask import current_app, request

from server.api.envelope import ApiError
from server.api.guard import BadJson, read_json
from server.api.session import carries_session
from server.archive import Archive
from server.budget import deadline

MAX_QUERY_CHARS = 1000  # a longer query is not a search, and would hold a worker for seconds
SMALL_BODY_BYTES = 64_000  # a JSON body other than a page (a subscription is under 3 KB)


def get_archive() -> Archive:
    """The archive the app serves (its store is this thread's connection)."""
    return current_app.extensions["paperboy"]


def budget() -> AbstractContextManager:
    """The request's time budget (query_budget), SQLite statements on its store included."""
    archive = get_archive()
    return deadline(float(archive.config["query_budget"]), archive.store.db)


def query_text() -> str:
    """The `q` argument: required, at most MAX_QUERY_CHARS."""
    q = (request.args.get("q") or "").strip()
    if not q:
        raise ApiError(400, "q is required: the words or query to search for")
    if len(q) > MAX_QUERY_CHARS:
        raise ApiError(400, f"q is too long: at most {MAX_QUERY_CHARS} characters")
    return q


def arg_int(name: str, default: int, low: int, high: int) -> int:
    """A whole-number argument within [low, high] (ASCII digits only), else a 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # str.isdigit() also takes "²" and other digits int() refuses: ASCII digits only
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def arg_date(name: str) -> str | None:
    """A YYYY-MM-DD argument (years 1900-2999), else a 400."""
    raw = request.args.get(name) or None
    if raw is not None:
        try:
            year = date.fromisoformat(raw).year
        except ValueError:
            year = 0
        if not 1900 <= year <= 2999:  # also keeps date arithmetic (periods) in range
            raise ApiError(400, f"{name} must be a date like 2024-08-01, not {raw!r}")
    return raw


def arg_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """One of a fixed set of words, else a 400 naming them."""
    raw = request.args.get(name) or default
    if raw not in choices:
        raise ApiError(400, f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def json_body(shape: str, max_bytes: int = SMALL_BODY_BYTES) -> dict:
    """The request's JSON object body (its shape named in errors), or a 400 saying what is wrong.

    Such bodies are read in the server's own threads, so they are small: a page, which may be
    megabytes, goes to a parse worker whole instead (routes.parsed_page)."""
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


def require_token(session: bool = False) -> None:
    """401 without the API token, 403 with a wrong one (Bearer or X-Paperboy-Token). With
    `session`, the desk page's session token (api/session.py) is taken instead."""
    if session and carries_session():
        return
    # `Authorization: Bearer T`, or `X-Paperboy-Token: T`: an Authorization of another scheme
    # (a reverse proxy's Basic login) is not ours, and leaves the token to the other header
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    bearer = value.strip() if scheme.lower() == "bearer" else ""
    given = bearer or request.headers.get("X-Paperboy-Token", "").strip()
    if not given:
        raise ApiError(401, "this route needs the API token: see `paperboy token`")
    if not hmac.compare_digest(given.encode(), get_archive().token().encode()):
        raise ApiError(403, "the API token is wrong: copy it again from `paperboy token`")
