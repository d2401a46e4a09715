"""What every request passes before a route does any work: the Host allowlist, the body limit
and CORS (`install`), and the JSON reader every JSON body goes through (`read_json`).

The Host allowlist stops DNS rebinding: a page on evil.example whose name is made to resolve to
127.0.0.1 reaches this server as a same-origin page, but its requests still carry
`Host: evil.example`. Only the names and addresses this server is really reached at are allowed:
loopback names and addresses with the server's port, the bound address (`serve --allow-remote`),
and the host of `public_url` with its port. A Host without a port means the scheme's default
port (80 for this plain-HTTP server), as browsers send it.

The JSON reader bounds what a body can cost before the JSON parser sees it: nesting beyond
MAX_JSON_DEPTH (which would otherwise exhaust the parser's recursion) and more than
MAX_JSON_CONTAINERS arrays and objects (each costs far more memory than its two bytes), and more
than MAX_JSON_STRUCTURE bytes outside its strings.
"""

from __future__ import annotations

import ipaddress
import json
import re
from itertools import accumulate
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

from server.api.envelope import error
from server.config import Config

EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension)://[A-Za-z0-9._-]+$")
MAX_JSON_DEPTH = 32
MAX_JSON_CONTAINERS = 1000
# bytes outside the strings: numbers, literals and punctuation, each of which the JSON parser
# turns into an object (a body of ten million zeros would cost half a gigabyte)
MAX_JSON_STRUCTURE = 100_000
# a string, or an unterminated one up to the end: every quote starts a match, so this is linear
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_PORT = re.compile(r"[0-9]{1,5}")
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


class BadJson(ValueError):
    """A request body that is not JSON Paperboy reads: the message says what is wrong."""


def read_json(data: bytes) -> object:
    """The JSON value of a UTF-8 body, refused (BadJson) when nested or branched past the bounds."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(f"the body is not UTF-8 (byte {exc.start})") from None
    structure = _STRING.sub(b"", data)
    if len(structure) > MAX_JSON_STRUCTURE:
        raise BadJson(
            f"the body holds {len(structure)} bytes outside its strings "
            f"(at most {MAX_JSON_STRUCTURE})"
        )
    brackets = structure.translate(None, _NOT_BRACKETS)
    if _depth(brackets[: 2 * MAX_JSON_CONTAINERS]) > MAX_JSON_DEPTH:
        raise BadJson(f"the body is JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if brackets.count(b"[") + brackets.count(b"{") > MAX_JSON_CONTAINERS:
        raise BadJson(f"the body holds more than {MAX_JSON_CONTAINERS} arrays and objects")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadJson(f"the body is not JSON: {exc}") from None


def _depth(brackets: bytes) -> int:
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def split_host(value: str) -> tuple[str, int | None] | None:
    """(lower-case name or address, port or None) of a Host header, or None when malformed."""
    value = value.strip().lower()
    if len(value) > 300:  # a name is at most 253 characters
        return None
    if value.startswith("["):
        name, closed, after = value[1:].partition("]")
        if not closed or ":" not in name or not _ip(name) or after[:1] not in ("", ":"):
            return None
        port = after[1:] if after else None
    else:
        name, colon, port = value.partition(":")
        if not _NAME.fullmatch(name):
            return None
        port = port if colon else None
    if port is None:
        return name, None
    if not _PORT.fullmatch(port) or not 0 < int(port) < 65536:
        return None
    return name, int(port)


def _ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(name: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    return name == "localhost" or (_ip(name) and ipaddress.ip_address(name).is_loopback)


class HostAllowlist:
    """The Host header values this server answers: see the module docstring."""

    def __init__(self, port: int, bound: str = "127.0.0.1", public_url: str = ""):
        self.port = port
        self.bound = bound.strip("[]").lower()
        self.wildcard = self.bound in ("0.0.0.0", "::", "")
        public = urlsplit(public_url)
        default = 443 if public.scheme == "https" else 80
        try:
            public_port = public.port or default
        except ValueError:  # a bad port: public_url is checked at startup, this only skips it
            public_port = None
        self.public = (public.hostname, public_port, default) if public.hostname else None

    def refusal(self, header: str | None) -> str | None:
        """Why a Host header is refused (a message naming it), or None when it is allowed."""
        if header is None:
            return "no Host header: this server answers only requests that name it"
        split = split_host(header)
        if split is not None and self._allowed(*split):
            return None
        return (
            f"host {header[:100]!r} is not one this server answers to (DNS rebinding "
            f"protection): use 127.0.0.1:{self.port} or localhost:{self.port}, or set "
            "public_url to the address it is reached at"
        )

    def _allowed(self, name: str, port: int | None) -> bool:
        if self.public and name == self.public[0] and (port or self.public[2]) == self.public[1]:
            return True
        if (port or 80) != self.port:
            return False
        if is_loopback(name) or name == self.bound:
            return True
        # an address in Host means the browser connected to that address: DNS played no part
        return self.wildcard and _ip(name)


def install(app: Flask, config: Config) -> None:
    """The checks every request passes, in this order: its Host, its body's size, its origin."""
    hosts = HostAllowlist(int(config["port"]), str(config["host"]), str(config["public_url"]))
    limit = int(config["max_body_bytes"])
    app.config["MAX_CONTENT_LENGTH"] = limit

    @app.before_request
    def allowed_host():
        # the first check of every request, preflights included: a refused one does no work
        refusal = hosts.refusal(request.environ.get("HTTP_HOST"))
        return error(421, refusal) if refusal else None

    @app.before_request
    def too_large():
        # refuse an oversized body before any work, token checks included
        if request.content_length is not None and request.content_length > limit:
            abort(413, description=f"the request body is over {limit} bytes")

    _cors(app, str(config["site_origin"]))


def _cors(app: Flask, site_origin: str) -> None:
    """CORS for the extension's origins and `site_origin` only; preflights answered here."""

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
