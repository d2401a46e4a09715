"""The built archive site, served at / by the same server as the API (one Blueprint).

As a static file server serves a folder: a folder's address ends in a slash and gives its
index.html (without the slash it is redirected there, so its pages' relative links stay inside
it); a page's address has no slash after it, with or without `.html`; nothing whose path holds a
part starting with a dot (the builder's `.paperboy/` state, `..`), nothing outside the site
folder (a symlink that leads out), and a JSON 404 for anything else. Until `paperboy build` has
written the site's index.html, every path says that no site is built yet.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from flask import Blueprint, redirect, request, send_from_directory
from werkzeug.routing import PathConverter

from server.api.envelope import ApiError
from server.api.inputs import get_archive

bp = Blueprint("site", __name__)


class SitePath(PathConverter):
    """A path under / that is not the API's, so /api/ paths get API errors (404, 405)."""

    regex = r"(?!api/)[^/].*?"


@bp.get("/", defaults={"path": ""})
@bp.get("/<site_path:path>")
def site(path: str):
    if any(part.startswith(".") for part in PurePosixPath(path).parts):
        _no_page(path)  # the builder's private state, or a way up and out
    root = get_archive().site_dir.resolve()
    if not (root / "index.html").is_file():
        raise ApiError(404, "no archive site is built yet: run `paperboy build`")
    target = _inside(root, root / path, path)
    if target.is_dir():
        if path and not path.endswith("/"):  # relative: right behind a proxy's prefix too
            query = request.query_string.decode("latin-1")
            return redirect(PurePosixPath(path).name + "/" + (f"?{query}" if query else ""), 308)
        target = _inside(root, target / "index.html", path)
    elif path.endswith("/"):
        _no_page(path)  # a page at a folder's address: its relative links would all be wrong
    elif not target.exists() and target.with_name(target.name + ".html").is_file():
        target = _inside(root, target.with_name(target.name + ".html"), path)  # /paper/ID
    if not target.is_file():
        _no_page(path)
    return send_from_directory(root, target.relative_to(root))


def _inside(root: Path, path: Path, asked: str) -> Path:
    """`path` resolved, when it stays in the site folder (a symlink may lead out: a 404)."""
    target = path.resolve()
    if not target.is_relative_to(root):
        _no_page(asked)
    return target


def _no_page(path: str):
    raise ApiError(404, f"no page {path[:200]!r}")
