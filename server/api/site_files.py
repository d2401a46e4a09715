"""The built archive site, served at / by the same server as the API (one Blueprint)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory
from werkzeug.routing import PathConverter

from server.api.envelope import ApiError
from server.api.inputs import get_archive

bp = Blueprint("site", __name__)


class SitePath(PathConverter):
    """A path under / that is not the API's, so /api/ paths get API errors (404, 405)."""

    regex = r"(?!api/)[^/].*?"


@bp.get("/", defaults={"path": "index.html"})
@bp.get("/<site_path:path>")
def site(path: str):
    if any(part.startswith(".") for part in Path(path).parts):
        raise ApiError(404, f"no page {path[:200]!r}")  # the builder's private state
    root = get_archive().site_dir.resolve()
    if not root.is_dir():
        raise ApiError(404, "no archive site is built yet: run `paperboy build`")
    target = (root / path).resolve()
    if target.is_dir():
        target = (target / "index.html").resolve()
    elif not target.exists() and target.with_name(target.name + ".html").is_file():
        target = target.with_name(target.name + ".html")  # /paper/2407.21783 is its page
    if not target.is_relative_to(root):  # a symlink that leads out of the site folder
        raise ApiError(404, f"no page {path[:200]!r}")
    return send_from_directory(root, target.relative_to(root))
