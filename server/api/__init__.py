"""The local JSON API, served by `paperboy serve` on 127.0.0.1.

app.py is the factory (`create_app`); guard.py the checks every request passes (Host, body size,
CORS, the JSON reader); envelope.py the one answer shape; inputs.py what a request carries and
the open archive (`get_archive`); routes.py the archive's routes, subscriptions.py the
subscription routes, session.py the desk page's session and site_files.py the built site,
each a Blueprint; parse_workers.py the
processes that read pages; openapi.py the OpenAPI document of every route.
"""

from server.api.app import create_app
from server.api.guard import is_loopback
from server.api.inputs import SMALL_BODY_BYTES

__all__ = ["SMALL_BODY_BYTES", "create_app", "is_loopback"]
