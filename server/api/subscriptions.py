"""Subscription routes (one Blueprint): POST /api/subscriptions, GET|POST /subscriptions/confirm
and GET|POST /unsubscribe.

Mail link scanners fetch every link in a mail with GET or HEAD, so a GET of a mailed link only
shows a page; its button POSTs, and only the POST confirms or unsubscribes.

POST /api/subscriptions answers 202 with the same body whatever the address's state (new,
pending, confirmed, unsubscribed), so it never tells whether an address is subscribed. The
confirmation mail is sent from a background thread, so the answer's timing does not tell either.
"""

from __future__ import annotations

import logging
import threading
from html import escape

from flask import Blueprint, Response, current_app, request

from server.api.envelope import ApiError, ok
from server.api.inputs import get_archive, json_body
from server.archive import Archive
from server.digest import (
    InvalidSubscription,
    RateLimiter,
    Signer,
    SmtpFailure,
    SmtpSettings,
    composer_for,
    load_secret,
    send_confirmation,
    valid_email,
    valid_frequency,
    valid_topics,
)
from server.store import Subscriber

log = logging.getLogger("paperboy.subscriptions")
ACCEPTED = (
    "Thanks. Check your inbox: if this address needs confirming, a link is on its way, "
    "and nothing is sent until you confirm."
)
PAGE_CSS = (
    "body{margin:0 auto;max-width:34rem;padding:2rem 1rem;font:1rem/1.6 system-ui,-apple-system,"
    "'Segoe UI',Roboto,sans-serif;color:#1c1e21;background:#fff}"
    "@media (prefers-color-scheme:dark){body{color:#e6e8eb;background:#14161a}}"
    ".brand{font-weight:700;font-size:1.15rem;color:#c2410c}h1{font-size:1.5rem;line-height:1.25}"
    "button{font:inherit;padding:.4rem 1rem;border:1px solid #c2410c;border-radius:4px;"
    "background:#c2410c;color:#fff;cursor:pointer}.muted{color:#4d5562}"
)


class Limits:
    """The API's rate limits: per client IP (answered with 429) and per address (silent)."""

    def __init__(self) -> None:
        self.per_ip = RateLimiter(rate=20, per=3600, burst=5)
        # a 429 here would tell that someone asked for this address lately, so instead the
        # request is accepted as usual and no mail is sent: nobody can mail-bomb an inbox
        self.per_address = RateLimiter(rate=3, per=86400, burst=2)


bp = Blueprint("subscriptions", __name__)


@bp.post("/api/subscriptions")
def subscribe():
    limits: Limits = current_app.extensions["paperboy_limits"]
    wait = limits.per_ip.take(request.remote_addr or "?")
    if wait:
        raise ApiError(
            429, f"too many requests: try again in {wait:.0f} s", retry_after=_secs(wait)
        )
    body = json_body('{"email": "...", "frequency": "daily"}')
    try:
        email = valid_email(body.get("email"))
        frequency, topics = (
            valid_frequency(body.get("frequency")),
            valid_topics(body.get("topics")),
        )
    except InvalidSubscription as exc:
        raise ApiError(400, str(exc)) from None
    if not limits.per_address.take(email.lower()):
        archive = get_archive()
        sub, confirm = archive.store.subscribers.subscribe(email, frequency, topics)
        if confirm:
            _in_background(archive, sub)
    return ok({"message": ACCEPTED}, 202)


@bp.after_request
def retry_after(response: Response):
    if response.status_code == 429 and request.path == "/api/subscriptions":
        body = response.get_json(silent=True) or {}
        response.headers["Retry-After"] = str(body.get("error", {}).get("retry_after", 60))
    return response


@bp.route("/subscriptions/confirm", methods=["GET", "POST"])
def confirm():
    archive = get_archive()
    sub = _verified(archive, "confirm")
    if sub is None:
        return _page("This link does not work", _BAD_LINK, 400)
    if sub.status == "unsubscribed":
        return _page("This subscription was cancelled", _CANCELLED, 410)
    if request.method != "POST":  # GET or HEAD: a link scanner's fetch changes nothing
        return _page("Confirm your subscription", _confirm_button(sub))
    archive.store.subscribers.confirm(sub.id)
    what = f"You will get the Paperboy {sub.frequency} digest at {sub.email}."
    return _page("You are subscribed", f"<p>{escape(what)}</p>" + _UNSUB_HINT)


@bp.route("/unsubscribe", methods=["GET", "POST"])
def unsubscribe():
    archive = get_archive()
    sub = _verified(archive, "unsubscribe")
    if sub is None:
        return _page("This link does not work", _BAD_LINK, 400)
    if request.method != "POST":
        # RFC 8058: mail scanners fetch links with GET (or HEAD), so only POST unsubscribes
        return _page("Unsubscribe?", _button(sub))
    archive.store.subscribers.unsubscribe(sub.id)
    done = f"{sub.email} will get no more Paperboy digests."
    return _page("You are unsubscribed", f"<p>{escape(done)}</p>")


def _secs(wait: float) -> int:
    return max(1, int(wait + 0.999))


def _verified(archive: Archive, purpose: str) -> Subscriber | None:
    """The subscriber a signed token names, or None when the token is missing or forged."""
    token = request.args.get("token") or request.form.get("token") or ""
    sub_id = Signer.subscriber_id(token)
    sub = archive.store.subscribers.get(sub_id) if sub_id is not None else None
    signer = Signer(load_secret(archive.data_dir))
    if sub is None or not signer.verify(token, sub.email, purpose):
        return None
    return sub


def _in_background(archive: Archive, sub: Subscriber) -> None:
    """Send the confirmation mail without making the request wait (or its timing tell)."""
    composer, smtp = (
        composer_for(archive, with_index=False),
        SmtpSettings.from_config(archive.config),
    )

    def work() -> None:
        try:
            send_confirmation(composer, smtp, sub)
        except SmtpFailure as exc:
            log.warning("could not send the confirmation mail: %s", exc)

    threading.Thread(target=work, name="paperboy-confirm", daemon=True).start()


_BAD_LINK = (
    "<p>The link is incomplete or was changed. Copy the whole link from the mail, "
    "or subscribe again.</p>"
)
_CANCELLED = "<p>You unsubscribed from this address. To get the digest again, subscribe again.</p>"
_UNSUB_HINT = '<p class="muted">Every digest has a one-click unsubscribe link at its end.</p>'


def _confirm_button(sub: Subscriber) -> str:
    question = f"Send the Paperboy {sub.frequency} digest to {sub.email}?"
    return (
        f'<p>{escape(question)}</p><form method="post">'
        '<button type="submit">Confirm my subscription</button></form>'
        '<p class="muted">If you did not ask for it, close this page: nothing will be sent.</p>'
    )


def _button(sub: Subscriber) -> str:
    question = f"Stop sending the Paperboy {sub.frequency} digest to {sub.email}?"
    return (
        f'<p>{escape(question)}</p><form method="post">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )


def _page(title: str, body: str, status: int = 200) -> Response:
    """A small self-contained HTML page: inline CSS, nothing loaded from anywhere."""
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} \u00b7 Paperboy</title><style>{PAGE_CSS}</style></head><body>"
        f'<div class="brand">Paperboy</div><h1>{escape(title)}</h1>{body}</body></html>'
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["Cache-Control"] = "no-store"
    return response
