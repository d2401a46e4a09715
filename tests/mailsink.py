"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the digest tests, and one that drops the line."""

from __future__ import annotations

import email
import os
import signal
import threading
import time
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
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


class MailServer:
    """An aiosmtpd Controller on a free port; use as a context manager."""

    def __init__(self, handler: Sink) -> None:
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port)

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
