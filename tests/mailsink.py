"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the digest tests, and one that drops the line;
with a certificate, it speaks STARTTLS or implicit TLS, and with a login it requires one."""

from __future__ import annotations

import email
import os
import shutil
import signal
import ssl
import subprocess
import threading
import time
from collections import Counter
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import need
from helpers import free_port


class Sink:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(
                (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        return "250 OK queued"

    def messages(self) -> list[EmailMessage]:
        """What arrived, parsed with the email package."""
        with self.lock:
            raw = [data for _, _, data in self.received]
        return [email.message_from_bytes(data, policy=policy.default) for data in raw]

    def recipients(self) -> list[str]:
        """Envelope recipients of every accepted message, in order."""
        with self.lock:
            return [r for _, rcpts, _ in self.received for r in rcpts]

    def counts(self) -> Counter[str]:
        """How many accepted messages each envelope recipient got."""
        return Counter(self.recipients())

    def wait_for(self, count: int, seconds: float = 10) -> None:
        """Wait until `count` messages arrived (mail sent from a background thread)."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} messages arrived, not {count}")
            time.sleep(0.02)


class Dropper(Sink):
    """Accepts `k` messages, then drops the connection in the middle of the next DATA."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k

    async def handle_DATA(self, server, session, envelope):
        if len(self.received) >= self.k:
            server.transport.abort()  # the message is not accepted: no 250 ever comes back
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


class Refuser(Sink):
    """Refuses the recipients in `refused` (550 to RCPT TO) while they are in it; takes the rest."""

    def __init__(self, *refused: str) -> None:
        super().__init__()
        self.refused = set(refused)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def certificate(folder: Path, *names: str) -> tuple[Path, Path]:
    """A self-signed certificate for `names` (IP addresses or host names; default 127.0.0.1 and
    localhost), made with the openssl CLI: (cert.pem, key.pem) in `folder`."""
    need(shutil.which("openssl") is not None, "the openssl command is not installed")
    names = names or ("127.0.0.1", "localhost")
    alt = ",".join(f"IP:{n}" if n.replace(".", "").isdigit() else f"DNS:{n}" for n in names)
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2"]
        + ["-subj", f"/CN={names[0]}", "-addext", f"subjectAltName={alt}"]
        + ["-addext", "basicConstraints=critical,CA:FALSE"]
        + ["-addext", "extendedKeyUsage=serverAuth"],
        check=True,
        capture_output=True,
    )
    return cert, key


class MailServer:
    """An aiosmtpd Controller on a free port; use as a context manager.

    security "starttls" offers STARTTLS and refuses mail without it, "ssl" speaks TLS from the
    first byte (both with `cert`, a (cert.pem, key.pem) pair); `login` (user, password) makes
    the server refuse mail until the client logs in, and offer the login only over TLS (aiosmtpd
    warns "Requiring AUTH while not requiring TLS" for "ssl", where it cannot tell). Each login
    tried is kept in `logins` as (user, accepted).
    """

    def __init__(
        self,
        handler: Sink,
        security: str = "none",
        cert: tuple[Path, Path] | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.handler = handler
        self.port = free_port()
        self.logins: list[tuple[str, bool]] = []
        options: dict = {}
        if security != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*cert)
            if security == "starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options.update(ssl_context=context)
        if login:  # implicit TLS is TLS all along: aiosmtpd only counts STARTTLS as TLS
            options.update(
                authenticator=self._authenticator(*login),
                auth_required=True,
                auth_require_tls=security != "ssl",
            )
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, **options)

    def _authenticator(self, user: str, password: str):
        def check(server, session, envelope, mechanism, data) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                user.encode(),
                password.encode(),
            )
            self.logins.append((getattr(data, "login", b"").decode(), ok))
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd replies 535

        return check

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class KillsTheSender(Sink):
    """Keeps every message, and SIGKILLs the sending process (`pid`) as the k-th arrives, before
    answering 250: the server holds a message its sender never heard was accepted."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k
        self.pid: int | None = None

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.received) == self.k and self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
        return answer
