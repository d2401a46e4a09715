"""The digest as real mail providers need it: STARTTLS or implicit TLS, with a login.

A real aiosmtpd server on 127.0.0.1 with a certificate made here; real `paperboy digest`
processes that trust it through SSL_CERT_FILE (as ssl.create_default_context does) or the
smtp_ca_file setting. Every failure must name the server and what went wrong, without a
traceback, exit 6, send nothing, and leave the next run able to send each message exactly once:
counted per recipient on the server, across runs.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter
from datetime import date

import pytest
from helpers import run, serving
from mailsink import MailServer, Sink, certificate
from test_digest import DAY, add, archive_at

from server.digest.runner import run as run_digest
from server.digest.send import SmtpFailure, SmtpSettings
from server.update import digest_step

# aiosmtpd 1.4.6 itself warns, in its own thread, on every accepted login, and on each
# connection to an implicit-TLS server that requires a login (it only counts STARTTLS as TLS)
pytestmark = [
    pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

USER, PASSWORD = "digest@example.org", "correct horse battery staple"
WEEK_END = date(2024, 8, 5)  # the weekly digest of 2024-07-30 to 2024-08-05
READERS = [f"reader{i}@example.org" for i in range(3)]


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    return certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusting(cert, monkeypatch):
    """`paperboy` processes started by run() trust the test certificate (and only it)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return cert


def store_with_readers(tmp_path, period: str = "daily", n: int = 3):
    """tmp_path/data: the demo pages and n confirmed subscribers of the period."""
    archive = archive_at(tmp_path)
    add(archive, n, period=period)
    archive.close()
    return tmp_path / "data"


def digest(data, server: MailServer, period: str = "daily", **settings):
    """`paperboy digest` of DAY (or the week ending WEEK_END) through the server."""
    day = DAY if period == "daily" else WEEK_END
    settings = {"smtp_host": "127.0.0.1", "smtp_port": str(server.port), **settings}
    return run(data, "digest", "--period", period, "--date", day.isoformat(), **settings)


def login(security: str, password: str = PASSWORD) -> dict:
    return {"smtp_security": security, "smtp_user": USER, "smtp_password": password}


def failed_cleanly(result, *phrases: str) -> None:
    """Exit 6 with one error naming the server and each phrase; no traceback, no raw tuple."""
    assert result.returncode == 6, (result.stdout, result.stderr)
    assert result.stderr.count("paperboy: error: ") == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert not re.search(r"\(\d{3}, b['\"]", result.stderr), result.stderr  # smtplib's (535, b'..')
    for phrase in phrases:
        assert phrase in result.stderr, (phrase, result.stderr)
    assert "nothing was sent" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("period", ["daily", "weekly"])
def test_a_digest_goes_out_through_tls_with_login_exactly_once(
    tmp_path, trusting, security, period
):
    data = store_with_readers(tmp_path, period)
    with MailServer(Sink(), security, trusting, login=(USER, PASSWORD)) as server:
        first = digest(data, server, period, **login(security))
        assert first.returncode == 0, first.stderr
        assert "sent 3 of 3" in first.stdout and "Traceback" not in first.stderr
        assert server.logins == [(USER, True)]  # one login, one connection, for all three
        assert server.handler.counts() == Counter(READERS)
        subjects = {m["Subject"].split(",")[0] for m in server.handler.messages()}
        assert subjects == {f"Paperboy {period} digest"}
        again = digest(data, server, period, **login(security))
        assert again.returncode == 1 and "already sent to all 3" in again.stdout
        assert server.handler.counts() == Counter(READERS)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_refused_login_sends_nothing_and_the_next_run_sends_each_once(
    tmp_path, trusting, security
):
    data = store_with_readers(tmp_path)
    with MailServer(Sink(), security, trusting, login=(USER, PASSWORD)) as server:
        wrong = digest(data, server, **login(security, "wrong password"))
        failed_cleanly(
            wrong,
            f"SMTP server 127.0.0.1:{server.port} refused the login of smtp_user '{USER}'",
            "535",
            "smtp_password",
        )
        assert set(server.logins) == {(USER, False)} and server.handler.received == []
        right = digest(data, server, **login(security))
        assert right.returncode == 0 and "sent 3 of 3" in right.stdout, right.stderr
        assert server.handler.counts() == Counter(READERS)
        assert digest(data, server, **login(security)).returncode == 1
        assert server.handler.counts() == Counter(READERS)


def test_a_server_without_starttls_gets_nothing_in_clear_text(tmp_path, trusting):
    """smtp_security = starttls against a server that does not offer it: no fallback to plain
    text (the server would take the mail), a clear error; fixed settings then send all once."""
    data = store_with_readers(tmp_path)
    with MailServer(Sink()) as plain:
        refused = digest(data, plain, **login("starttls"))
        failed_cleanly(
            refused, f"SMTP server 127.0.0.1:{plain.port} does not offer STARTTLS", "smtp_security"
        )
        assert plain.handler.received == []
        fixed = digest(data, plain, smtp_security="none")
        assert fixed.returncode == 0 and "sent 3 of 3" in fixed.stdout, fixed.stderr
        assert plain.handler.counts() == Counter(READERS)


def test_ssl_against_a_plain_port_says_which_security_to_use(tmp_path, trusting):
    data = store_with_readers(tmp_path)
    with MailServer(Sink()) as plain:
        failed_cleanly(
            digest(data, plain, smtp_security="ssl"),
            f"SMTP server 127.0.0.1:{plain.port}",
            "TLS handshake failed",
            "smtp_security = starttls",
        )
        assert plain.handler.received == []


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize(
    ("names", "why", "fix"),
    [
        # another self-signed certificate than the one trusted: trust it with smtp_ca_file
        (("127.0.0.1", "localhost"), "self-signed certificate", "smtp_ca_file"),
        # a trusted certificate for another name: use the name it is for
        (("localhost",), "certificate is not valid for '127.0.0.1'", "smtp_host"),
    ],
    ids=["untrusted", "wrong-name"],
)
def test_a_certificate_the_client_cannot_verify_is_named(
    tmp_path, trusting, monkeypatch, security, names, why, fix
):
    data = store_with_readers(tmp_path)
    served = certificate(tmp_path / "served", *names)
    if fix == "smtp_host":
        monkeypatch.setenv("SSL_CERT_FILE", str(served[0]))
    with MailServer(Sink(), security, served, login=(USER, PASSWORD)) as server:
        untrusted = digest(data, server, **login(security))
        failed_cleanly(
            untrusted,
            f"SMTP server 127.0.0.1:{server.port}: its TLS certificate could not be verified",
            why,
            fix,
        )
        assert server.logins == [] and server.handler.received == []
        fixed = {"smtp_ca_file": str(served[0])} if fix == "smtp_ca_file" else {fix: "localhost"}
        again = digest(data, server, **login(security), **fixed)
        assert again.returncode == 0 and "sent 3 of 3" in again.stdout, again.stderr
        assert server.handler.counts() == Counter(READERS)


def test_a_login_over_plain_text_is_refused_with_the_fix(tmp_path, cert):
    """smtp_user set and smtp_security none, against a server that offers the login only after
    STARTTLS (as providers do): the runner names the missing TLS, sends nothing."""
    store_with_readers(tmp_path, n=2)
    with MailServer(Sink(), "starttls", cert, login=(USER, PASSWORD)) as server:
        archive = archive_at(tmp_path, server.port, **login("none"))
        try:
            with pytest.raises(SmtpFailure, match="offers no login .* smtp_security to starttls"):
                run_digest(archive, "daily", DAY)
        finally:
            archive.close()
        assert server.logins == [] and server.handler.received == []


@pytest.mark.parametrize(
    ("content", "why"),
    [(None, "No such file or directory"), ("not a certificate\n", "NO_CERTIFICATE_OR_CRL_FOUND")],
    ids=["missing", "not-pem"],
)
def test_a_bad_smtp_ca_file_is_named_before_anything_is_sent(tmp_path, content, why):
    data = store_with_readers(tmp_path)
    ca_file = tmp_path / "relay.pem"
    if content is not None:
        ca_file.write_text(content)
    with MailServer(Sink()) as server:
        bad = digest(data, server, smtp_ca_file=str(ca_file))
        assert bad.returncode == 2 and "Traceback" not in bad.stderr, bad.stderr
        assert f"environment: smtp_ca_file must be a PEM file of certificates, and {ca_file}" in (
            bad.stderr
        )
        assert why in bad.stderr and server.handler.received == []


def test_a_server_that_wants_a_login_stops_the_run_at_the_first_message(tmp_path, trusting):
    """smtp_user left empty for a server that refuses mail without a login (530): one error
    saying so, not one refusal per subscriber; nothing sent; the run with a login sends all."""
    data = store_with_readers(tmp_path)
    with MailServer(Sink(), "starttls", trusting, login=(USER, PASSWORD)) as server:
        anonymous = digest(data, server, smtp_security="starttls")
        assert anonymous.returncode == 6 and "Traceback" not in anonymous.stderr
        assert anonymous.stderr.count("paperboy: error:") == 1, anonymous.stderr
        assert f"SMTP server 127.0.0.1:{server.port} requires a login" in anonymous.stderr
        assert "530" in anonymous.stderr and "set smtp_user and smtp_password" in anonymous.stderr
        assert "run again to send the other 3" in anonymous.stderr
        assert server.handler.received == []
        right = digest(data, server, **login("starttls"))
        assert right.returncode == 0 and "sent 3 of 3" in right.stdout, right.stderr
        assert "interrupted" not in right.stdout  # nothing was in flight: none was accepted
        assert server.handler.counts() == Counter(READERS)


def test_clear_text_to_a_port_of_implicit_tls_says_to_use_ssl(cert):
    """starttls (or none) against port 465's kind: the server waits for TLS and says nothing,
    so the client's wait for a greeting times out; the error says what to set."""
    with MailServer(Sink(), "ssl", cert) as server:
        for security in ("starttls", "none"):
            smtp = SmtpSettings("127.0.0.1", server.port, security, timeout=1)
            with pytest.raises(SmtpFailure) as failure:
                smtp.connect()
            message = str(failure.value)
            assert message.startswith(f"SMTP server 127.0.0.1:{server.port}: no greeting within")
            assert "set smtp_security = ssl" in message, message
        assert server.handler.received == []


def test_the_digest_step_of_update_fails_on_a_refused_or_missing_login(tmp_path, trusting):
    """`paperboy update` sends the daily digest too: its step must fail (so the next update
    tries again) with the same words, never report the digest as sent."""
    store_with_readers(tmp_path)
    with MailServer(Sink(), "starttls", trusting, login=(USER, PASSWORD)) as server:
        for settings, says in (
            (login("starttls", "wrong"), f"refused the login of smtp_user '{USER}': 535"),
            ({"smtp_security": "starttls"}, r"sent 0 of 3; SMTP server 127\.0\.0\.1:\d+ requires"),
        ):
            archive = archive_at(tmp_path, server.port, **settings)
            try:
                with pytest.raises(SmtpFailure, match=says):
                    digest_step(archive, DAY.isoformat())
            finally:
                archive.close()
        assert server.handler.received == []
        archive = archive_at(tmp_path, server.port, **login("starttls"))
        try:
            assert digest_step(archive, DAY.isoformat()).endswith("went to 3 subscribers")
        finally:
            archive.close()
        assert server.handler.counts() == Counter(READERS)


def test_the_confirmation_mail_of_paperboy_serve_goes_through_starttls_with_login(
    tmp_path, trusting
):
    """The other mail paperboy sends: a real `paperboy serve` mails the double opt-in link
    through the same settings."""
    with MailServer(Sink(), "starttls", trusting, login=(USER, PASSWORD)) as server:
        settings = {"smtp_port": str(server.port), **login("starttls")}
        with serving(tmp_path / "data", **settings) as base:
            body = json.dumps({"email": "new@example.org"}).encode()
            asked = urllib.request.Request(
                base + "/api/subscriptions", body, {"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(asked, timeout=30) as response:
                assert response.status == 202
            server.handler.wait_for(1)
        assert server.logins == [(USER, True)]
        assert server.handler.counts() == Counter(["new@example.org"])
        assert "/subscriptions/confirm?token=" in server.handler.messages()[0].as_string()
