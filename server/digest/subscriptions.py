"""Subscriptions: address and topic validation, HMAC-signed link tokens, an in-memory rate limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from pathlib import Path

FREQUENCIES = ("daily", "weekly")
PURPOSES = ("confirm", "unsubscribe")
MAX_TOPICS = 10
MAX_TOPIC_CHARS = 200
# RFC 5321 limits; dot-atom local parts only: quoted strings and IP-literal domains are legal but
# are where header and command injection hide, and no subscriber needs them.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class InvalidSubscription(ValueError):
    """An address, frequency or topic list that cannot be used: the message says why."""


def valid_email(raw: object) -> str:
    """The address with its domain lower-cased, or InvalidSubscription saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidSubscription("email is required: an address like you@example.org")
    text = raw.strip()
    if _CONTROL.search(text) or len(text) > 254 or text.count("@") != 1:
        raise InvalidSubscription("email must be one address like you@example.org")
    local, domain = text.split("@")
    labels = domain.split(".")
    if not (0 < len(local) <= 64 and _LOCAL.fullmatch(local)):
        raise InvalidSubscription("email has a name part (before @) that mail cannot use")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidSubscription("email needs a domain like example.org (ASCII letters only)")
    if labels[-1].isdigit():
        raise InvalidSubscription("email needs a domain name, not an IP address")
    return f"{local}@{domain.lower()}"


def valid_frequency(raw: object) -> str:
    """daily or weekly (daily when absent)."""
    if raw is None or raw == "":
        return "daily"
    if raw not in FREQUENCIES:
        raise InvalidSubscription(f"frequency must be daily or weekly, not {str(raw)[:40]!r}")
    return str(raw)


def valid_topics(raw: object) -> list[str]:
    """A list of up to MAX_TOPICS search queries, trimmed and without duplicates."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise InvalidSubscription("topics must be a list of search queries (strings)")
    topics = list(dict.fromkeys(" ".join(t.split()) for t in raw if t.strip()))
    if len(topics) > MAX_TOPICS:
        raise InvalidSubscription(f"at most {MAX_TOPICS} topics, not {len(topics)}")
    for topic in topics:
        if len(topic) > MAX_TOPIC_CHARS or _CONTROL.search(topic):
            raise InvalidSubscription(f"a topic is at most {MAX_TOPIC_CHARS} printable characters")
    return topics


def load_secret(data_dir: Path) -> bytes:
    """The signing secret in data/secret (0600), made on first use."""
    path = Path(data_dir) / "secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise InvalidSubscription(f"{path}: the secret is too short; delete it to make a new one")
    return secret.encode()


class Signer:
    """Link tokens: '<subscriber id>.<HMAC-SHA256 of id, address and purpose>'."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def _mac(self, subscriber_id: int, email: str, purpose: str) -> str:
        message = f"{subscriber_id}\n{email.lower()}\n{purpose}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def token(self, subscriber_id: int, email: str, purpose: str) -> str:
        """The token for one subscriber and purpose (confirm or unsubscribe)."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown token purpose {purpose!r}")
        return f"{subscriber_id}.{self._mac(subscriber_id, email, purpose)}"

    @staticmethod
    def subscriber_id(token: str) -> int | None:
        """The id a token claims (not yet verified), or None when it is malformed."""
        head, _, mac = (token or "").partition(".")
        if not head.isdigit() or len(head) > 18 or not mac:
            return None
        return int(head)

    def verify(self, token: str, email: str, purpose: str) -> bool:
        """True when the token was signed for this subscriber's id, address and purpose."""
        subscriber_id = self.subscriber_id(token)
        if subscriber_id is None or purpose not in PURPOSES:
            return False
        expected = self.token(subscriber_id, email, purpose)
        return hmac.compare_digest(expected.encode(), (token or "").encode())


class RateLimiter:
    """Token buckets per key, in memory: `rate` requests per `per` seconds, bursts of `burst`."""

    def __init__(self, rate: float, per: float, burst: int, max_keys: int = 10_000):
        self.refill = rate / per
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token: 0.0 when allowed, else the seconds to wait before trying again."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.refill)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.refill
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > self.max_keys:
                self._forget_full(now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: they hold nothing a new bucket would not."""
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.refill >= self.burst:
                del self._buckets[key]
        if len(self._buckets) > self.max_keys:  # a flood of keys: keep the newest half
            newest = sorted(self._buckets.items(), key=lambda kv: kv[1][1])[-self.max_keys // 2 :]
            self._buckets = dict(newest)
