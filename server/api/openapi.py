"""The OpenAPI 3.1 document describing every route of the local API."""

from __future__ import annotations

from server.archive import IMAGE_TYPES
from server.index import SORTS
from server.trending import PERIODS

DATE = {"type": "string", "format": "date"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}

TREND = {
    "type": "object",
    "required": ["first_date", "last_date", "best_rank", "upvotes", "appearances"],
    "properties": {
        "first_date": NULLABLE_STR,
        "last_date": NULLABLE_STR,
        "best_rank": NULLABLE_INT,
        "upvotes": NULLABLE_INT,
        "appearances": {"type": "integer"},
    },
}
BRIEF = {
    "type": "object",
    "required": ["id", "title", "authors", "date", "trend"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "string"}},
        "date": NULLABLE_STR,
        "categories": {"type": "array", "items": {"type": "string"}},
        "trend": {"$ref": "#/components/schemas/Trend"},
        "site_page": {"type": "string", "description": "its page in the archive site"},
    },
}
ARTIFACT = {
    "type": "object",
    "required": ["id", "likes", "downloads", "url"],
    "properties": {
        "id": {"type": "string", "description": "the repository on the Hub, owner/name"},
        "likes": NULLABLE_INT,
        "downloads": {**NULLABLE_INT, "description": "null for Spaces (the Hub counts none)"},
        "url": {"type": "string", "description": "its page on huggingface.co"},
    },
}
ARTIFACTS = {
    "type": "object",
    "description": "the models, datasets and Spaces on the Hugging Face Hub citing the paper "
    "(tagged arxiv:ID), each most liked first, as the Hub last listed them",
    "required": ["models", "datasets", "spaces", "fetched_at"],
    "properties": {
        "models": {"type": "array", "items": ARTIFACT},
        "datasets": {"type": "array", "items": ARTIFACT},
        "spaces": {"type": "array", "items": ARTIFACT},
        "fetched_at": {
            **NULLABLE_STR,
            "description": "when the Hub was last asked (UTC); null: never",
        },
    },
}
PAPER = {
    "type": "object",
    "required": [
        "id",
        "title",
        "abstract",
        "authors",
        "appearances",
        "links",
        "artifacts",
        "bibtex",
        "trend",
    ],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "abstract": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "string"}},
        "version": NULLABLE_INT,
        "published": NULLABLE_STR,
        "updated": NULLABLE_STR,
        "categories": {"type": "array", "items": {"type": "string"}},
        "appearances": {
            "type": "array",
            "items": {"type": "object", "required": ["list", "date", "badge"]},
        },
        "observations": {"type": "array", "items": {"type": "object"}},
        "links": {"type": "object", "additionalProperties": {"type": "string"}},
        "artifacts": ARTIFACTS,
        "bibtex": {"type": "string"},
        "trend": {"$ref": "#/components/schemas/Trend"},
        "github_stars": NULLABLE_INT,
        "stars": {
            "description": "GitHub stars as last read, and each reading by listing day",
            "oneOf": [
                {
                    "type": "object",
                    "required": ["count", "readings"],
                    "properties": {
                        "count": {"type": "integer"},
                        "readings": {
                            "type": "array",
                            "items": {"type": "array", "prefixItems": [DATE, {"type": "integer"}]},
                        },
                    },
                },
                {"type": "null"},
            ],
        },
        "org": NULLABLE_STR,
        "org_name": NULLABLE_STR,
        "hf_summary": {**NULLABLE_STR, "description": "Hugging Face's AI summary (show as theirs)"},
        "hf_keywords": {"type": "array", "items": {"type": "string"}},
        "thumbnail": {**NULLABLE_STR, "description": "the remote image: never load it in a page"},
        "thumbnail_local": {
            **NULLABLE_STR,
            "description": "where this server answers the downloaded thumbnail, if it has one",
        },
    },
}
PAGE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["html"],
                "properties": {"url": {"type": "string"}, "html": {"type": "string"}},
            }
        }
    },
}
# the desk's routes take the API token or the desk page's session token (api/session.py)
DESK_SECURITY = [{"token": []}, {"session": []}]
TAGS = {"type": "array", "items": {"type": "string"}, "maxItems": 50}
DESK_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "saved": {"type": "boolean"},
                    "add_tags": TAGS,
                    "remove_tags": TAGS,
                    "read": {"type": "boolean"},
                    "hidden": {"type": "boolean"},
                    "note": {"type": "string", "maxLength": 10000},
                },
            }
        }
    },
}
DESK_ENTRY = {
    "type": "object",
    "required": ["id", "saved_at", "read_at", "hidden_at", "note", "tags", "paper"],
    "properties": {
        "id": {"type": "string"},
        "saved_at": NULLABLE_STR,
        "read_at": NULLABLE_STR,
        "hidden_at": NULLABLE_STR,
        "note": {"type": "string"},
        "note_at": NULLABLE_STR,
        "tags": {"type": "array", "items": {"type": "string"}},
        "paper": {"oneOf": [{"$ref": "#/components/schemas/Brief"}, {"type": "null"}]},
    },
}
VIEWED_ENTRY = {
    "type": "object",
    "required": ["id", "url", "viewed_at", "paper"],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "viewed_at": {"type": "string"},
        "paper": {"oneOf": [{"$ref": "#/components/schemas/Brief"}, {"type": "null"}]},
    },
}
SPANS = {
    "type": "array",
    "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
}
HIT = {
    "allOf": [
        {"$ref": "#/components/schemas/Brief"},
        {
            "type": "object",
            "required": ["site_page", "score", "title_spans", "snippet"],
            "properties": {
                # the paper's page in the archive site, from the site's root
                "site_page": {"type": "string"},
                "score": {"type": "number"},
                "title_spans": SPANS,
                "snippet": {
                    "type": "object",
                    "required": ["text", "spans"],
                    "properties": {"text": {"type": "string"}, "spans": SPANS},
                },
            },
        },
    ]
}
SEARCH = {
    "type": "object",
    "required": ["query", "total", "hits", "facets", "suggestion", "notes"],
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
        "facets": {"type": "object"},
        "suggestion": NULLABLE_STR,
        # a wildcard that stood for more words than were searched (see README, Bounded queries)
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}


SUBSCRIBE = {
    "operationId": "subscribe",
    "summary": "Ask for the e-mail digest: a confirmation mail follows (double opt-in)",
    "description": "The same 202 answer whether the address is new, pending, confirmed or "
    "unsubscribed: it never tells whether an address is subscribed.",
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["email"],
                    "properties": {
                        "email": {"type": "string", "maxLength": 254},
                        "frequency": {"enum": ["daily", "weekly"]},
                        "topics": {
                            "type": "array",
                            "maxItems": 10,
                            "items": {"type": "string", "maxLength": 200},
                        },
                    },
                }
            }
        },
    },
    "responses": {
        "202": {
            "description": "Accepted (whatever the address's state)",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["ok", "data"],
                        "properties": {
                            "ok": {"const": True},
                            "data": {
                                "type": "object",
                                "required": ["message"],
                                "properties": {"message": {"type": "string"}},
                            },
                        },
                    }
                }
            },
        },
        "400": {"$ref": "#/components/responses/Error"},
        "413": {"$ref": "#/components/responses/Error"},
        "421": {"$ref": "#/components/responses/Error"},
        "429": {
            "description": "Too many requests from this client",
            "headers": {"Retry-After": {"required": True, "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    },
}


def _param(
    name: str, schema: dict, where: str = "query", required: bool = False, text: str = ""
) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": text}


def _op(op_id: str, summary: str, data: dict, params: list, errors=(400,), **extra) -> dict:
    links = extra.pop("links", None)
    ok = {
        "type": "object",
        "required": ["ok", "data"],
        "properties": {"ok": {"const": True}, "data": data},
    }
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": ok}}}}
    if links:
        responses["200"]["links"] = links
    for status in (*errors, 421):  # 421: a Host this server does not answer to
        responses[str(status)] = {"$ref": "#/components/responses/Error"}
    return {
        "operationId": op_id,
        "summary": summary,
        "parameters": params,
        "responses": responses,
        **extra,
    }


def _created(op: dict) -> dict:
    """An operation that answers 201 Created where _op says 200."""
    op["responses"] = {"201" if k == "200" else k: v for k, v in op["responses"].items()}
    return op


def _paper_links(pointer: str) -> dict:
    """Stateful links: from a paper id in a response to the paper and its similar papers."""
    ref = {"ref": f"$response.body#{pointer}"}
    return {
        "Paper": {"operationId": "getPaper", "parameters": ref},
        "Similar": {"operationId": "getSimilar", "parameters": ref},
    }


def _paths() -> dict:
    ref = _param("ref", {"type": "string", "minLength": 1}, "path", True, "a paper id")
    limit = _param("limit", {"type": "integer", "minimum": 1, "maximum": 100})
    obj = {"type": "object"}
    return {
        "/api/health": {"get": _op("getHealth", "Version, counts and index state", obj, [], ())},
        "/api/search": {
            "get": _op(
                "search",
                "Search the archive",
                {"$ref": "#/components/schemas/Search"},
                [
                    _param(
                        "q",
                        {"type": "string", "minLength": 1, "maxLength": 1000},
                        required=True,
                        text="query",
                    ),
                    _param("page", {"type": "integer", "minimum": 1, "maximum": 1000}),
                    _param("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _param("sort", {"enum": list(SORTS)}),
                    _param("from", DATE),
                    _param("to", DATE),
                    _param("cat", {"type": "string"}),
                ],
                (400, 503),
                links=_paper_links("/data/hits/0/id"),
            )
        },
        "/api/papers/{ref}": {
            "get": _op(
                "getPaper",
                "A paper with its trend history and links",
                {"$ref": "#/components/schemas/Paper"},
                [ref],
                (400, 404),
            )
        },
        "/api/papers/{ref}/thumbnail": {
            "get": {
                "operationId": "getThumbnail",
                "summary": "The paper's thumbnail as downloaded (the thumbnails setting)",
                "parameters": [ref],
                "responses": {
                    "200": {
                        "description": "the image",
                        "content": {
                            kind: {"schema": {"type": "string", "format": "binary"}}
                            for kind in IMAGE_TYPES.values()
                        },
                    },
                    **{str(s): {"$ref": "#/components/responses/Error"} for s in (400, 404, 421)},
                },
            }
        },
        "/api/papers/{ref}/similar": {
            "get": _op(
                "getSimilar",
                "Papers like this one",
                obj,
                [ref, _param("limit", {"type": "integer", "minimum": 1, "maximum": 50})],
                (400, 404, 503),
            )
        },
        "/api/lookup": {
            "get": _op(
                "lookup",
                "Resolve any paper URL or id",
                {"$ref": "#/components/schemas/Paper"},
                [_param("url", {"type": "string", "minLength": 1}, required=True)],
                (400, 404),
                links=_paper_links("/data/id"),
            )
        },
        "/api/trending": {
            "get": _op(
                "getTrending",
                "A period's papers in its order (day: list rank; week, month: upvotes; now: score)",
                obj,
                [
                    _param("period", {"enum": list(PERIODS)}),
                    _param("date", DATE),
                    limit,
                ],
                (400, 503),
                links=_paper_links("/data/papers/0/id"),
            )
        },
        "/api/dates": {"get": _op("getDates", "Archive days with counts", obj, [], ())},
        "/api/parse": {
            "post": _op(
                "parsePage",
                "Read a page without storing it",
                obj,
                [],
                (400, 401, 403, 413, 422, 503),
                security=[{"token": []}],
                requestBody=PAGE_BODY,
            )
        },
        "/api/ingest": {
            "post": _op(
                "ingestPage",
                "Store a page the extension read",
                obj,
                [],
                (400, 401, 403, 413, 422, 503),
                security=[{"token": []}],
                requestBody=PAGE_BODY,
            )
        },
        "/api/desk": {
            "get": _op(
                "getDesk",
                "Your saved papers, newest saved first, and your tags (token)",
                {
                    "type": "object",
                    "required": ["papers", "tags"],
                    "properties": {
                        "papers": {"type": "array", "items": DESK_ENTRY},
                        "tags": {"type": "array", "items": {"type": "array"}},
                    },
                },
                [_param("tag", {"type": "string"}), _param("unread", {"enum": ["0", "1"]})],
                (400, 401, 403),
                security=DESK_SECURITY,
            )
        },
        "/api/desk/export": {
            "get": _op(
                "exportDesk",
                "The whole desk, as `paperboy desk import` reads it (token)",
                obj,
                [],
                (401, 403),
                security=DESK_SECURITY,
            )
        },
        "/api/catchup": {
            "get": _op(
                "getCatchup",
                "While you were away: what trended since the last day seen (token)",
                {
                    "type": "object",
                    "required": ["caught_up", "heading", "total", "papers"],
                    "properties": {
                        "since": NULLABLE_STR,
                        "from": NULLABLE_STR,
                        "to": NULLABLE_STR,
                        "caught_up": {"type": "boolean"},
                        "heading": {"type": "string"},
                        "total": {"type": "integer"},
                        "papers": {"type": "array", "items": {"type": "object"}},
                    },
                },
                [_param("limit", {"type": "integer", "minimum": 1, "maximum": 1000})],
                (400, 401, 403, 503),
                security=DESK_SECURITY,
            )
        },
        "/api/catchup/seen": {
            "post": _op(
                "markCaughtUp",
                "Remember the lists were seen up to a day (default: the newest) (token)",
                {"type": "object", "properties": {"seen": NULLABLE_STR}},
                [],
                (400, 401, 403, 413),
                security=DESK_SECURITY,
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {"day": DATE},
                            }
                        }
                    },
                },
            )
        },
        "/api/recommend": {
            "get": _op(
                "getRecommended",
                "For you: recent papers most like your saved ones, with reasons (token)",
                {
                    "type": "object",
                    "required": ["saved", "days", "candidates", "papers"],
                    "properties": {
                        "saved": {"type": "integer"},
                        "tag": NULLABLE_STR,
                        "days": {"type": "integer"},
                        "from": NULLABLE_STR,
                        "to": NULLABLE_STR,
                        "candidates": {"type": "integer"},
                        "note": NULLABLE_STR,
                        "papers": {"type": "array", "items": {"type": "object"}},
                    },
                },
                [
                    _param("days", {"type": "integer", "minimum": 1, "maximum": 3650}),
                    _param("tag", {"type": "string"}),
                    _param("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                ],
                (400, 401, 403, 503),
                security=DESK_SECURITY,
            )
        },
        "/api/viewed": {
            "get": _op(
                "getViewed",
                "Recently viewed: the papers you opened, the most recent first (token)",
                {
                    "type": "object",
                    "required": ["papers"],
                    "properties": {"papers": {"type": "array", "items": VIEWED_ENTRY}},
                },
                [_param("limit", {"type": "integer", "minimum": 1, "maximum": 500})],
                (400, 401, 403),
                security=[{"token": []}],
            ),
            "post": _created(
                _op(
                    "recordViewed",
                    "Remember a paper page you opened (the extension, when you turn it on) (token)",
                    VIEWED_ENTRY,
                    [],
                    (400, 401, 403, 413),
                    security=[{"token": []}],
                    requestBody={
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["url"],
                                    "properties": {"url": {"type": "string"}},
                                }
                            }
                        },
                    },
                )
            ),
        },
        "/api/viewed/clear": {
            "post": _op(
                "clearViewed",
                "Forget every paper you opened (token)",
                {
                    "type": "object",
                    "required": ["cleared"],
                    "properties": {"cleared": {"type": "integer"}},
                },
                [],
                (400, 401, 403, 413),
                security=[{"token": []}],
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
            )
        },
        "/api/papers/{ref}/desk": {
            "get": _op(
                "getPaperDesk",
                "What you did with a paper: saved, tags, read, hidden, note (token)",
                DESK_ENTRY,
                [ref],
                (400, 401, 403, 404),
                security=DESK_SECURITY,
            ),
            "post": _op(
                "changePaperDesk",
                "Save, tag, mark read, hide or annotate a paper (token)",
                DESK_ENTRY,
                [ref],
                (400, 401, 403, 404, 413),
                security=DESK_SECURITY,
                requestBody=DESK_BODY,
            ),
        },
        "/api/session": {
            "get": _op(
                "getSession",
                "The desk page's session token: only for this server's own pages, same-origin, "
                "from this machine",
                {
                    "type": "object",
                    "required": ["token", "header"],
                    "properties": {"token": {"type": "string"}, "header": {"type": "string"}},
                },
                [],
                (403,),
            )
        },
        "/api/subscriptions": {"post": SUBSCRIBE},
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document (bare, not in the envelope)",
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": obj}}}
                },
            }
        },
    }


def document(version: str) -> dict:
    """The whole OpenAPI 3.1 document."""
    error = {
        "type": "object",
        "required": ["ok", "error"],
        "properties": {
            "ok": {"const": False},
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Paperboy local API", "version": version},
        "servers": [{"url": "http://127.0.0.1:8765"}],
        "paths": _paths(),
        "components": {
            "schemas": {
                "Trend": TREND,
                "Brief": BRIEF,
                "Paper": PAPER,
                "Hit": HIT,
                "Search": SEARCH,
                "Error": error,
            },
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "header", "name": "X-Paperboy-Session"},
            },
        },
    }
