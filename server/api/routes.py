"""The archive's routes under /api/: health, search, papers (and their downloaded thumbnails),
similar, lookup, trending, dates, parse, ingest, the reading desk (recently viewed too) and the
OpenAPI document, on one Blueprint. Each reads the open archive through `get_archive()` and
answers through the envelope; what it computes comes from server.service."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, request, send_file

from server import __version__, service, sources
from server.api.envelope import ApiError, ok
from server.api.inputs import (
    arg_choice,
    arg_date,
    arg_int,
    budget,
    get_archive,
    json_body,
    query_text,
    require_token,
)
from server.api.openapi import document
from server.api.parse_workers import BadBody, Parsed, ParseWorkers, WorkersBusy
from server.archive import IMAGE_TYPES, thumbnail_file
from server.index import SORTS
from server.models import Paper
from server.store import MAX_VIEWED, DeskError
from server.trending import PERIODS

PAGE_SHAPE = '{"url": "...", "html": "..."}'

bp = Blueprint("archive", __name__, url_prefix="/api")


@bp.get("/health")
def health():
    # each figure is one index lookup (kept counts, max() on an index) and the index's state a
    # few stat calls: no count(*) or scan, so it answers in well under 5 ms at any size
    archive = get_archive()
    store = archive.store
    return ok(
        {
            "version": __version__,
            "papers": store.count("papers"),
            "appearances": store.count("appearances"),
            "latest_date": store.latest_date(),
            "index": archive.index.health(store),
        }
    )


@bp.get("/search")
def search():
    q = query_text()
    options = {
        "page": arg_int("page", 1, 1, 1000),
        "per_page": arg_int("per_page", 20, 1, 100),
        "sort": arg_choice("sort", SORTS, "relevance"),
        "date_from": arg_date("from"),
        "date_to": arg_date("to"),
        "cat": request.args.get("cat") or None,
    }
    archive = get_archive()
    with budget():
        return ok(service.search(archive.store, archive.index, q, **options))


@bp.get("/papers/<path:ref>/similar")
def similar(ref: str):
    archive, paper = get_archive(), _paper(ref)
    limit = arg_int("limit", 5, 1, 50)
    with budget():
        found = service.similar(archive.store, archive.index, paper, limit)
    return ok({"id": paper.id, "similar": found})


@bp.get("/papers/<path:ref>/thumbnail")
def thumbnail(ref: str):
    """The paper's thumbnail as downloaded at scrape time (the `thumbnails` setting)."""
    paper = _paper(ref)
    path = thumbnail_file(get_archive().data_dir, paper.id)
    if path is None:
        raise ApiError(
            404,
            f"no thumbnail of {paper.id} in your archive: with the thumbnails setting on, "
            "`paperboy update` downloads them",
        )
    return send_file(path, IMAGE_TYPES[path.suffix[1:]], max_age=86400)


@bp.get("/papers/<path:ref>")
def paper(ref: str):
    return ok(_detail(_paper(ref)))


@bp.get("/lookup")
def lookup():
    ref = (request.args.get("url") or "").strip()
    if not ref:
        raise ApiError(400, "url is required: a paper URL or id")
    store = get_archive().store
    paper_id, found = service.lookup(store, ref)
    if paper_id is None:
        raise ApiError(400, f"not a paper URL or id Paperboy knows: {ref[:200]!r}")
    if found is None:
        raise ApiError(404, f"{paper_id} is not in your archive", id=paper_id)
    return ok(_detail(found))


@bp.get("/trending")
def trending():
    period = arg_choice("period", tuple(PERIODS), "now")
    limit = arg_int("limit", 20, 1, 100)
    on = arg_date("date")
    with budget():
        return ok(service.trending_papers(get_archive().store, period, on, limit))


@bp.get("/dates")
def dates():
    return ok({"dates": get_archive().store.dates()})


@bp.post("/parse")
def parse():
    require_token()
    return ok(service.describe(parsed_page().listing))


@bp.post("/ingest")
def ingest():
    require_token()
    page = parsed_page(keep_raw=True)
    archive = get_archive()
    return ok(service.ingest(archive.store, archive.index, page.listing, page.raw), 201)


DESK_SHAPE = (
    '{"saved": true|false, "add_tags": [...], "remove_tags": [...], "read": true|false, '
    '"hidden": true|false, "note": "..."} (any of them)'
)
DESK_FIELDS = {"saved": bool, "read": bool, "hidden": bool, "note": str}


@bp.get("/desk")
def desk():
    """The saved papers (newest saved first, by tag, or unread) and every tag with its count."""
    require_token(session=True)
    store = get_archive().store
    try:
        entries = store.desk.library(request.args.get("tag"), request.args.get("unread") == "1")
    except DeskError as exc:
        raise ApiError(400, str(exc)) from None
    papers = [service.desk_entry(store, e) for e in entries]
    return ok({"papers": papers, "tags": [list(tc) for tc in store.desk.tags()]})


@bp.get("/desk/export")
def desk_export():
    """The whole desk as `paperboy desk import` takes it."""
    require_token(session=True)
    return ok(get_archive().store.desk.export())


@bp.get("/catchup")
def catchup():
    """While you were away: what trended since the last day seen (it does not mark it seen)."""
    require_token(session=True)
    limit = arg_int("limit", 30, 1, 1000)
    with budget():
        return ok(service.catchup(get_archive().store, limit))


@bp.post("/catchup/seen")
def catchup_seen():
    """The user has seen the lists up to `day` (default, and at most: the newest listing day)."""
    require_token(session=True)
    body = json_body('{"day": "YYYY-MM-DD"} (or {} for the newest listing day)')
    store = get_archive().store
    day = body.get("day") or store.latest_date()
    try:
        checked = date.fromisoformat(day).isoformat() if isinstance(day, str) else None
    except ValueError:
        checked = None
    if day is not None and checked is None:
        raise ApiError(400, f"day must be a date, YYYY-MM-DD: got {str(day)[:40]!r}")
    latest = store.latest_date()
    if checked and latest:  # never past the newest listing day, or new days would be missed
        store.desk.mark_seen(min(checked, latest))
    return ok({"seen": store.desk.last_seen()})


@bp.get("/recommend")
def recommend():
    """For you: recent papers most like the saved ones, with their reasons."""
    require_token(session=True)
    days = arg_int("days", service.RECOMMEND_DAYS, 1, 3650)
    limit = arg_int("limit", 10, 1, 100)
    archive = get_archive()
    with budget():
        try:
            found = service.recommend(
                archive.store, archive.index, days, request.args.get("tag"), limit
            )
        except DeskError as exc:
            raise ApiError(400, str(exc)) from None
    return ok(found)


VIEWED_SHAPE = '{"url": "https://arxiv.org/abs/..."}'


@bp.post("/viewed")
def view():
    """The extension says the user opened a paper page: remember it (recently viewed). Only
    the extension records: the desk page's session cannot."""
    require_token()
    url = json_body(VIEWED_SHAPE).get("url")
    if not isinstance(url, str) or not url.strip():
        raise ApiError(400, f"url is required: the body is {VIEWED_SHAPE}")
    try:
        return ok(service.record_view(get_archive().store, url.strip()), 201)
    except DeskError as exc:
        raise ApiError(400, str(exc)) from None


@bp.get("/viewed")
def viewed():
    """The papers opened, the most recently opened first (the desk page's list too)."""
    require_token(session=True)
    limit = arg_int("limit", 50, 1, MAX_VIEWED)
    store = get_archive().store
    return ok({"papers": [service.viewed_entry(store, v) for v in store.desk.viewed(limit)]})


@bp.post("/viewed/clear")
def clear_viewed():
    """Forget every paper opened (from the extension's options, or the desk page)."""
    require_token(session=True)
    json_body("{}")  # a JSON body, as every POST route reads (nothing in it is needed)
    return ok({"cleared": get_archive().store.desk.clear_viewed()})


@bp.get("/papers/<path:ref>/desk")
def paper_desk(ref: str):
    require_token(session=True)
    store = get_archive().store
    return ok(service.desk_entry(store, store.desk.entry(_paper(ref).id)))


@bp.post("/papers/<path:ref>/desk")
def change_desk(ref: str):
    require_token(session=True)
    body = json_body(DESK_SHAPE)
    for key, value in body.items():
        kind = DESK_FIELDS.get(key)
        if key in ("add_tags", "remove_tags"):
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise ApiError(400, f"{key} must be a list of tags: the body is {DESK_SHAPE}")
        elif kind is None:
            raise ApiError(400, f"unknown field {key[:50]!r}: the body is {DESK_SHAPE}")
        elif not isinstance(value, kind):
            raise ApiError(400, f"{key} must be {kind.__name__}: the body is {DESK_SHAPE}")
    store = get_archive().store
    paper_id = _paper(ref).id
    try:
        return ok(service.desk_act(store, paper_id, body))
    except DeskError as exc:
        raise ApiError(400, str(exc)) from None


@bp.get("/openapi.json")
def openapi():
    # the one route without the envelope: OpenAPI tools expect the bare document
    return jsonify(document(__version__))


def parsed_page(keep_raw: bool = False) -> Parsed:
    """The page in a {url, html} body, read and parsed in a parse worker (never fetched)."""
    if not request.is_json:
        raise ApiError(400, f"the body must be JSON {PAGE_SHAPE} (Content-Type: application/json)")
    workers: ParseWorkers = current_app.extensions["paperboy_parse_workers"]
    try:
        return workers.parse(request.get_data(cache=False), keep_raw)
    except WorkersBusy as exc:
        raise ApiError(503, str(exc), retry_after=workers.wait) from None
    except BadBody as exc:
        raise ApiError(400, f"{exc}: the body must be JSON {PAGE_SHAPE}") from None
    except sources.ParseError as exc:  # BudgetExceeded included: each names the page
        raise ApiError(422, str(exc)) from None


def _detail(paper: Paper) -> dict[str, object]:
    """service.paper_detail, and where this server answers the paper's local thumbnail."""
    archive = get_archive()
    local = thumbnail_file(archive.data_dir, paper.id) is not None
    where = f"/api/papers/{quote(paper.id, safe='/')}/thumbnail" if local else None
    return {**service.paper_detail(archive.store, paper), "thumbnail_local": where}


def _paper(ref: str) -> Paper:
    paper = get_archive().store.get_paper(ref)
    if paper is None:
        raise ApiError(404, f"no paper {ref[:200]!r} in your archive")
    return paper
