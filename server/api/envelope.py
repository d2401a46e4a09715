"""One shape for every answer of the API: {"ok": true, "data": ...} on success, and
{"ok": false, "error": {"status", "message", ...}} on failure."""

from __future__ import annotations

from flask import Response, jsonify


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
