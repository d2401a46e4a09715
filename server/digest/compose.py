"""The e-mail digest, part two: one multipart (text + HTML) message per subscriber.

Messages are built with email.message.EmailMessage under the SMTP policy, which refuses CR or
LF in any header value; every header built from data is also checked here first, so a hostile
title or address can never add a header or a recipient.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import quote, urlsplit

from server.digest import bodies as h
from server.digest.choose import DigestPaper, Edition, topic_matches
from server.digest.subscriptions import Signer
from server.index import SearchIndex
from server.store import Subscriber

POLICY = policy.SMTP  # CRLF line ends; bodies encoded in 76-column quoted-printable lines
# Written out without folding headers at 78 columns: a long List-Unsubscribe URL has no space to
# fold at and would become an RFC 2047 encoded word, which mail clients do not read as a URL.
WIRE = policy.SMTP.clone(max_line_length=998)
SUBJECT_CHARS = 120


class HeaderInjection(ValueError):
    """A header value from data that holds a line break or control character."""


def header_safe(value: str) -> str:
    """The value, or HeaderInjection when it could break out of its header line."""
    if any(c in value for c in "\r\n\x00") or any(ord(c) < 32 and c != "\t" for c in value):
        raise HeaderInjection(f"refusing a header value with a line break: {value[:60]!r}")
    return value


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as sent: CRLF line ends, headers unfolded up to SMTP's 998 characters."""
    return msg.as_bytes(policy=WIRE)


def day_label(edition: Edition) -> str:
    """'Thursday 1 August 2024', or '26 July to 1 August 2024' for a week."""
    last = f"{edition.day.day} {edition.day:%B %Y}"
    if edition.first == edition.day:
        return f"{edition.day:%A} {last}"
    return f"{edition.first.day} {edition.first:%B} to {last}"


def sender_address(mail_from: str) -> tuple[str, str]:
    """(From header, envelope address) of the mail_from setting; HeaderInjection if unusable."""
    problem = f"mail_from must be an address like Paperboy <me@host>, not {mail_from!r}"
    try:
        name, addr = parseaddr(header_safe(mail_from))
        if "@" not in addr:
            raise HeaderInjection(problem)
        return str(Address(display_name=name, addr_spec=addr)), addr
    except ValueError:  # HeaderInjection, or an address the email package refuses
        raise HeaderInjection(problem) from None


def link_base(public_url: str) -> str:
    """public_url without a trailing slash; HeaderInjection unless it is an http(s) URL."""
    problem = f"public_url must be an http(s) URL like https://host, not {public_url!r}"
    try:
        parts = urlsplit(header_safe(public_url))
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise HeaderInjection(problem) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in public_url:
        raise HeaderInjection(problem)
    return public_url.rstrip("/")


class Composer:
    """Builds digest and confirmation messages from the settings and the signing secret."""

    def __init__(self, mail_from: str, public_url: str, secret: bytes, index: SearchIndex | None):
        self.from_header, self.sender = sender_address(mail_from)
        self.domain = self.sender.rpartition("@")[2]
        self.public_url = link_base(public_url)
        self.signer = Signer(secret)
        self._secret = secret
        self.index = index
        self._shared: dict[int, tuple[str, str]] = {}
        # the archive's own user (the owner_email setting) and the papers picked for them
        self.for_you: tuple[str, list[DigestPaper]] | None = None

    def link(self, path: str, subscriber: Subscriber, purpose: str) -> str:
        """A signed link to one of the subscription routes."""
        token = self.signer.token(subscriber.id, subscriber.email, purpose)
        return f"{self.public_url}{path}?token={quote(token)}"

    def message_id(self, subscriber: Subscriber, period: str, day: str) -> str:
        """The same Message-ID for every attempt at one digest to one subscriber."""
        key = f"{subscriber.id}\n{subscriber.email.lower()}\n{period}\n{day}".encode()
        tag = hmac.new(self._secret, key, hashlib.sha256).hexdigest()[:20]
        return f"<{period}.{day}.{subscriber.id}.{tag}@{self.domain}>"

    def _headers(self, to: str, subject: str, message_id: str) -> EmailMessage:
        msg = EmailMessage(policy=POLICY)
        msg["From"] = self.from_header
        msg["To"] = Address(addr_spec=header_safe(to))
        msg["Subject"] = header_safe(subject)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = header_safe(message_id)
        return msg

    def _shared_parts(self, edition: Edition) -> tuple[str, str]:
        """The top-papers section in text and HTML, rendered once per edition."""
        if id(edition) not in self._shared:
            heading = edition.heading
            self._shared = {
                id(edition): (
                    h.section_text(heading, edition.papers),
                    h.section_html(heading, edition.papers),
                )
            }
        return self._shared[id(edition)]

    def subject(self, edition: Edition) -> str:
        """'Paperboy daily digest, Thursday 1 August 2024: <top title>' (one line, capped)."""
        top = edition.papers[0].title if edition.papers else ""
        text = f"Paperboy {edition.period} digest, {day_label(edition)}: {top}"
        text = " ".join(text.split())  # a scraped title's tabs and line breaks become spaces
        return text if len(text) <= SUBJECT_CHARS else text[: SUBJECT_CHARS - 1] + "\u2026"

    def digest(self, edition: Edition, subscriber: Subscriber, message_id: str) -> EmailMessage:
        """The digest for one subscriber: top papers, topic matches, one-click unsubscribe."""
        unsubscribe = self.link("/unsubscribe", subscriber, "unsubscribe")
        msg = self._headers(subscriber.email, self.subject(edition), message_id)
        msg["List-Id"] = (
            f"Paperboy {edition.period} digest <{edition.period}.paperboy.{self.domain}>"
        )
        msg["List-Unsubscribe"] = f"<{header_safe(unsubscribe)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
        msg["Auto-Submitted"] = "auto-generated"
        top_text, top_html = self._shared_parts(edition)
        extra_text, extra_html = self._topic_parts(edition, subscriber)
        if self.for_you and self.for_you[1] and subscriber.email.lower() == self.for_you[0]:
            heading = "For you, from your saved papers"
            extra_text += "\n" + h.section_text(heading, self.for_you[1])
            extra_html += h.section_html(heading, self.for_you[1])
        intro = f"Your {edition.period} digest of trending papers, {day_label(edition)}."
        reason = (
            f"You get this because {subscriber.email} subscribed to the Paperboy "
            f"{edition.period} digest at {self.public_url}."
        )
        text = f"{intro}\n\n{top_text}{extra_text}\n-- \n{reason}\nUnsubscribe: {unsubscribe}\n"
        html = h.page_html(
            f"Paperboy {edition.period} digest",
            intro,
            top_html + extra_html,
            h.footer_html(reason, unsubscribe),
        )
        # quoted-printable keeps the message 7-bit, for servers without 8BITMIME
        msg.set_content(text, cte="quoted-printable")
        msg.add_alternative(html, subtype="html", cte="quoted-printable")
        return msg

    def _topic_parts(self, edition: Edition, subscriber: Subscriber) -> tuple[str, str]:
        if self.index is None:
            return "", ""
        text, html = [], []
        for topic in subscriber.topics:
            found = topic_matches(edition, self.index, topic)
            if found:
                heading = f"Your topic \u201c{topic}\u201d"
                text.append("\n" + h.section_text(heading, found))
                html.append(h.section_html(heading, found))
        return "".join(text), "".join(html)

    def confirmation(self, subscriber: Subscriber) -> EmailMessage:
        """The double opt-in mail: a signed link to confirm, and what to do if it was not you."""
        confirm = self.link("/subscriptions/confirm", subscriber, "confirm")
        msg = self._headers(
            subscriber.email,
            f"Confirm your Paperboy {subscriber.frequency} digest",
            f"<confirm.{subscriber.id}.{secrets.token_hex(10)}@{self.domain}>",
        )
        msg["Auto-Submitted"] = "auto-generated"
        ask = (
            f"Someone (we hope you) asked for the Paperboy {subscriber.frequency} digest of "
            f"trending papers at {subscriber.email}."
        )
        ignore = "If it was not you, ignore this mail: nothing will be sent unless you confirm."
        msg.set_content(
            f"{ask}\n\nOpen this link and press Confirm:\n{confirm}\n\n{ignore}\n",
            cte="quoted-printable",
        )
        body = (
            f'<tr><td style="padding:14px 24px;{h.FONT};font-size:15px;color:{h.FG}">'
            f'<p>{h.e(ask)}</p><p><a href="{h.href(confirm)}" style="display:inline-block;'
            f"padding:8px 16px;background:{h.ACCENT};color:#ffffff;border-radius:6px;"
            f'text-decoration:none;font-weight:600">Confirm my subscription</a></p>'
            f'<p style="font-size:13px;color:{h.MUTED}">{h.e(ignore)}</p></td></tr>'
        )
        msg.add_alternative(
            h.page_html("Confirm your subscription", "Confirm your subscription", body, ""),
            subtype="html",
            cte="quoted-printable",
        )
        return msg
