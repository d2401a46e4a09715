"""The e-mail digest: choose the period's papers (choose.py), compose one message per subscriber
(compose.py, with its text and HTML bodies in bodies.py), send each exactly once (send.py), one
run of all of it (run.py), and the subscriptions' rules and signed links (subscriptions.py)."""

from server.digest.choose import DigestPaper, Edition, NothingToSend, plan, topic_matches
from server.digest.runner import RunReport, check_mail_settings, composer_for, run
from server.digest.send import SmtpFailure, SmtpSettings, send_confirmation
from server.digest.subscriptions import (
    InvalidSubscription,
    RateLimiter,
    Signer,
    load_secret,
    valid_email,
    valid_frequency,
    valid_topics,
)

__all__ = [
    "DigestPaper",
    "Edition",
    "InvalidSubscription",
    "NothingToSend",
    "RateLimiter",
    "RunReport",
    "Signer",
    "SmtpFailure",
    "SmtpSettings",
    "check_mail_settings",
    "composer_for",
    "load_secret",
    "plan",
    "run",
    "send_confirmation",
    "topic_matches",
    "valid_email",
    "valid_frequency",
    "valid_topics",
]
