"""The e-mail digest, part three: send over one reused SMTP connection, exactly once per subscriber.

The sent log (digests_sent) makes re-runs safe. For each message:

1. a 'sending' row is committed, holding the message's Message-ID;
2. the message goes over SMTP;
3. when the server accepts it (250 after DATA), the row becomes 'sent', in its own transaction,
   before the next message starts.

A refused message (a 5xx, or a 4xx other than 421) loses its row and is tried again by the next
run; a 530 (the server wants a login) stops the run there, as it would refuse every message. A
dropped connection stops the run: the message in flight was not accepted (no 250 came back), so
it keeps its 'sending' row and the next run sends it and the rest. Only a process
killed between the server's 250 and the commit of step 3 (well under a millisecond) can leave a
'sending' row for a message that did arrive; the next run then sends it again, with the same
Message-ID, so that mail systems which de-duplicate by Message-ID show it once. We chose this
(at least once) over skipping 'sending' rows (at most once) because a lost digest cannot be
noticed by anyone, while a rare duplicate can.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from server.config import ConfigError
from server.digest.choose import Edition
from server.digest.compose import Composer, to_bytes
from server.progress import step
from server.store import Store, Subscriber

SECURITY = ("none", "starttls", "ssl")


class SmtpFailure(Exception):
    """The SMTP server could not be reached or dropped the connection: the message says which."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: host, port, security (none, starttls, ssl), login, trusted CA."""

    host: str
    port: int
    security: str = "none"
    user: str = ""
    password: str = ""
    timeout: float = 30.0
    ca_file: str = ""

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        """The smtp_* settings of a Config (ConfigError naming the setting and its source)."""
        security, host = str(config["smtp_security"]).lower(), str(config["smtp_host"])
        if security not in SECURITY:
            raise ConfigError(
                f"{config.sources['smtp_security']}: smtp_security must be none, starttls or "
                f"ssl, not {config['smtp_security']!r}"
            )
        if not host or len(host) > 253 or any(c.isspace() or ord(c) < 32 for c in host):
            raise ConfigError(
                f"{config.sources['smtp_host']}: smtp_host must be a host name or address, "
                f"not {host[:100]!r}"
            )
        ca_file = str(config["smtp_ca_file"])
        if ca_file:
            ca_file = str(Path(ca_file).expanduser())
            try:
                ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as exc:  # missing, unreadable, or not PEM
                if isinstance(exc, ssl.SSLError):
                    why = f"it holds no certificate paperboy can read ({exc.reason or exc})"
                else:
                    why = exc.strerror or exc
                raise ConfigError(
                    f"{config.sources['smtp_ca_file']}: smtp_ca_file must be a PEM file of "
                    f"certificates, and {ca_file} cannot be used: {why}"
                ) from None
        return cls(
            host,
            int(config["smtp_port"]),
            security,
            str(config["smtp_user"]),
            str(config["smtp_password"]),
            ca_file=ca_file,
        )

    def tls(self) -> ssl.SSLContext:
        """Verify the server's certificate and name: against smtp_ca_file when it is set, else
        the system's trusted certificates (which SSL_CERT_FILE and SSL_CERT_DIR can replace)."""
        return ssl.create_default_context(cafile=self.ca_file or None)

    @property
    def where(self) -> str:
        """The server, as errors name it."""
        return f"SMTP server {self.host}:{self.port}"

    def connect(self) -> smtplib.SMTP:
        """An open, greeted (and logged-in, when a user is set) SMTP connection; SmtpFailure
        names the server, what failed, and the setting that would fix it."""
        where = self.where
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.tls()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpFailure(f"{where}{self._why(exc)}") from None
        try:
            if self.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise SmtpFailure(
                        f"{where} does not offer STARTTLS, which smtp_security = starttls needs "
                        "(paperboy never falls back to clear text): use the port of the server "
                        "that offers it (usually 587), or smtp_security = ssl for a port of "
                        "implicit TLS (usually 465)"
                    )
                smtp.starttls(context=self.tls())
            if self.user:
                self._login(smtp, where)
        except SmtpFailure:
            smtp.close()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise SmtpFailure(f"{where}{self._why(exc)}") from None
        return smtp

    def _login(self, smtp: smtplib.SMTP, where: str) -> None:
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("auth"):
            if self.security == "none":
                raise SmtpFailure(
                    f"{where} offers no login (AUTH) on a connection without TLS, and smtp_user "
                    "is set: most servers offer it only over TLS, so set smtp_security to "
                    "starttls (usually port 587) or ssl (usually port 465)"
                )
            raise SmtpFailure(
                f"{where} offers no login (AUTH), and smtp_user is set: leave smtp_user empty "
                "for a server that needs none"
            )
        try:
            smtp.login(self.user, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpFailure(
                f"{where} refused the login of smtp_user {self.user!r}: {reply(exc)}; check "
                "smtp_user and smtp_password (some providers want an app password)"
            ) from None

    def _why(self, exc: Exception) -> str:
        """What failed, after the server's name: TLS failures say which setting to look at."""
        if isinstance(exc, ssl.SSLCertVerificationError):
            return (
                f": its TLS certificate could not be verified ({exc.verify_message}); check "
                "smtp_host is the name the certificate is for, and for a private or self-signed "
                "certificate set smtp_ca_file to the PEM file of it or of its CA"
            )
        if isinstance(exc, ssl.SSLError):
            hint = (
                "with smtp_security = ssl the server must speak TLS from the first byte "
                "(usually port 465); a port that starts in clear text and offers STARTTLS "
                "(usually 587) needs smtp_security = starttls"
                if self.security == "ssl"
                else "is smtp_security right for this port?"
            )
            return f": TLS handshake failed ({exc.reason or exc}); {hint}"
        if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
            exc.__context__, TimeoutError
        ):  # connected, but no greeting came: a server waiting for TLS says nothing
            return (
                f": no greeting within {self.timeout:g} s; if this port expects TLS from the "
                "first byte (usually 465), set smtp_security = ssl"
            )
        return f": {reply(exc)}"


def _code_and_text(exc: Exception) -> tuple[int | None, object]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        return next(iter(exc.recipients.values()))  # one recipient a message
    return getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", None)


def reply(exc: Exception) -> str:
    """An SMTP error reply as one line of text ("535 5.7.8 Authentication credentials
    invalid"), not smtplib's (code, bytes) tuple; any other error as its message."""
    code, text = _code_and_text(exc)
    if code is None:
        return str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text or ''}".split())


@dataclass
class Outcome:
    """What one run did: sent, resent after an interruption, refused, and why it stopped."""

    due: int = 0
    sent: int = 0
    resent: int = 0
    refused: list[str] = field(default_factory=list)
    stopped: str | None = None
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Messages per second."""
        return self.sent / self.seconds if self.seconds else 0.0


def pending(store: Store, edition: Edition) -> tuple[list[Subscriber], set[int], int]:
    """(subscribers still due this digest, ids with a 'sending' row, subscribers already sent)."""
    log = store.subscribers.digest_log(edition.period, edition.key)
    subscribers = store.subscribers.listed(status="confirmed", frequency=edition.period)
    due = [s for s in subscribers if log.get(s.id, ("",))[0] != "sent"]
    interrupted = {sid for sid, (status, _) in log.items() if status == "sending"}
    return due, interrupted, len(subscribers) - len(due)


def _fatal(exc: Exception) -> bool:
    """True when the connection is gone (or the server is closing), so the run must stop."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):  # a reply (SMTPException is an OSError too)
        return _code_and_text(exc)[0] == 421
    return isinstance(exc, OSError)  # the socket failed


def send(
    store: Store,
    edition: Edition,
    composer: Composer,
    smtp: SmtpSettings,
    subscribers: Iterable[Subscriber],
    interrupted: set[int] = frozenset(),
) -> Outcome:
    """Send the edition to each subscriber over one connection, logging each accepted message.
    Its progress is the "send" step's bar; the verb prints the summary (Outcome)."""
    outcome, start = Outcome(), time.perf_counter()
    subscribers = list(subscribers)
    outcome.due = len(subscribers)
    if not subscribers:
        return outcome
    conn = smtp.connect()
    try:
        with step("send", "message", line=False) as shown:
            for sub in shown.iter(subscribers, len(subscribers)):
                result = _send_one(store, edition, composer, conn, sub, outcome, smtp)
                if result == "stop":
                    break
                outcome.resent += result == "sent" and sub.id in interrupted
    finally:
        _quit(conn)
        outcome.seconds = time.perf_counter() - start
    return outcome


def _send_one(
    store, edition, composer, conn, sub: Subscriber, outcome: Outcome, smtp: SmtpSettings
) -> str:
    """Send one message: 'sent', 'refused', or 'stop' when the connection is gone."""
    message_id = composer.message_id(sub, edition.period, edition.key)
    try:
        data = to_bytes(composer.digest(edition, sub, message_id))
    except ValueError as exc:  # HeaderInjection, or an address the email package refuses
        outcome.refused.append(f"{sub.email!r}: {exc}")
        return "refused"
    store.subscribers.log_sending(sub.id, edition.period, edition.key, message_id)
    try:
        conn.sendmail(composer.sender, [sub.email], data)
    except (smtplib.SMTPException, OSError) as exc:
        if _code_and_text(exc)[0] == 530:  # authentication required: it refuses every message
            store.subscribers.log_not_sent(sub.id, edition.period, edition.key)
            outcome.stopped = (
                f"{smtp.where} requires a login to send ({reply(exc)}): set smtp_user and "
                "smtp_password"
            )
            return "stop"
        if _fatal(exc):
            outcome.stopped = f"SMTP connection lost after {outcome.sent} messages: {reply(exc)}"
            return "stop"
        store.subscribers.log_not_sent(sub.id, edition.period, edition.key)
        outcome.refused.append(f"{sub.email}: {reply(exc)}")
        return "refused"
    store.subscribers.log_sent(sub.id, edition.period, edition.key)
    outcome.sent += 1
    return "sent"


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def dry_run(
    edition: Edition, composer: Composer, subscribers: list[Subscriber], out: Path
) -> list[Path]:
    """Write each message as an .eml file for review instead of sending it; logs nothing."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with step("write", "message", line=False) as shown:
        for sub in shown.iter(subscribers, len(subscribers)):
            message_id = composer.message_id(sub, edition.period, edition.key)
            path = out / f"{edition.period}-{edition.key}-{sub.id:06d}.eml"
            path.write_bytes(to_bytes(composer.digest(edition, sub, message_id)))
            written.append(path)
    return written


def send_confirmation(composer: Composer, smtp: SmtpSettings, subscriber: Subscriber) -> None:
    """Send the double opt-in mail (SmtpFailure when the server is unreachable or refuses)."""
    data = to_bytes(composer.confirmation(subscriber))
    conn = smtp.connect()
    try:
        conn.sendmail(composer.sender, [subscriber.email], data)
    except (smtplib.SMTPException, OSError) as exc:
        raise SmtpFailure(f"confirmation to {subscriber.email}: {reply(exc)}") from None
    finally:
        _quit(conn)
