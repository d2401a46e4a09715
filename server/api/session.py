"""The desk page's session: a token only the server's own pages can get, which lets them read
and change the user's desk (the routes that accept it) without the API token.

The token is made afresh each time the server starts and handed out by GET /api/session, on
three conditions, each of which a hostile neighbour fails:
- the request comes from this machine (the desk is the user's own, even on a server reached
  from others with `serve --allow-remote`);
- it is a same-origin request: a browser marks a fetch from another origin (another port of
  127.0.0.1 included) with its Origin and `Sec-Fetch-Site`, and such a page could not read the
  answer anyway, as this route sends no CORS headers to anyone;
- its Host is one this server answers to (guard.py refuses a rebinding host before any route).
A request that carries the token in X-Paperboy-Session must be same-origin too, so a token that
leaked into another page's hands is still refused there.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, current_app, request

from server.api.envelope import ApiError, ok
from server.api.guard import is_loopback

HEADER = "X-Paperboy-Session"
bp = Blueprint("session", __name__, url_prefix="/api")


def new_token() -> str:
    """A fresh session token (the app keeps one for its lifetime)."""
    return secrets.token_urlsafe(32)


def cross_origin_refusal() -> str | None:
    """Why this request is not one of the server's own pages' (a message), or None."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site not in (None, "same-origin"):
        return f"a {fetch_site[:20]!r} request (Sec-Fetch-Site): only this server's own pages may"
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.host_url.rstrip("/"):
        return f"a request from origin {origin[:100]!r}: only this server's own pages may"
    if not is_loopback(request.remote_addr or ""):
        return "a request from another machine: the desk is used on the machine it runs on"
    return None


def carries_session() -> bool:
    """True when the request carries the session token and is same-origin; an ApiError (403)
    when it carries a wrong one or comes from elsewhere; False when it carries none."""
    given = request.headers.get(HEADER, "")
    if not given:
        return False
    refusal = cross_origin_refusal()
    if refusal:
        raise ApiError(403, f"the desk session is refused for {refusal}")
    token = current_app.extensions["paperboy_session"]
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ApiError(403, "the desk session has ended (the server restarted): reload the page")
    return True


@bp.get("/session")
def session():
    """The session token, for the server's own pages (the desk page, the paper pages)."""
    refusal = cross_origin_refusal()
    if refusal:
        raise ApiError(403, f"no desk session for {refusal}")
    response = ok({"token": current_app.extensions["paperboy_session"], "header": HEADER})
    response.headers["Cache-Control"] = "no-store"
    return response
