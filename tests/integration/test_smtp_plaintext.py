"""Credentials never cross the network in clear (issue 28, break 13): with a password or OAuth 2.0 and neither
STARTTLS nor SSL, copflow does not log in to a relay that is not on this machine. The refusal is one line at
delivery, every message stays queued; a loopback relay, or COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH, lets it log in.

The relay here is a real aiosmtpd server that accepts AUTH without TLS, listening on this machine's own
non-loopback address: what it would have read is what anyone on the path would have read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver, transport_for
from copflow.settings import load_settings
from notifications.transports import LoginRefused, PlaintextLoginRefused, SmtpTransport, require_encrypted_login
from tests.integration.helpers import D, at, queue_messages
from tests.smtp_server import RecordingHandler

SECRET = "Pl41n-s3cret"
EXE = str(Path(sys.executable).with_name("copflow"))


def _own_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        addr = str(s.getsockname()[0])
    return None if addr.startswith("127.") else addr


@pytest.fixture
def clear_relay() -> Iterator[tuple[str, int, list[bytes]]]:
    """A relay on a non-loopback address that takes AUTH in clear and remembers every password it was sent."""
    host = _own_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address")
    heard: list[bytes] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        if isinstance(auth_data, LoginPassword):
            heard.append(auth_data.password)
        return AuthResult(success=True)

    with socket.socket() as s:
        s.bind((host, 0))
        port = int(s.getsockname()[1])
    controller = Controller(RecordingHandler(), hostname=host, port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        yield host, port, heard
    finally:
        controller.stop()


def test_no_password_is_sent_to_a_relay_without_tls(clear_relay):
    host, port, heard = clear_relay
    transport = SmtpTransport(host, port, username="copflow", password=SECRET, timeout=10)
    with pytest.raises(PlaintextLoginRefused) as err, transport.connect():
        pass
    assert heard == []  # the password never left
    message = str(err.value)
    assert isinstance(err.value, LoginRefused) and "\n" not in message and SECRET not in message
    assert f"{host}:{port}" in message and "COPFLOW_SMTP_STARTTLS" in message
    assert "COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH" in message


def test_the_documented_setting_allows_it_on_a_trusted_network(clear_relay):
    host, port, heard = clear_relay
    transport = SmtpTransport(host, port, username="copflow", password=SECRET, timeout=10, allow_plaintext_auth=True)
    with transport.connect():
        pass
    assert heard == [SECRET.encode()]


def test_delivery_refuses_in_one_line_and_every_message_stays_queued(db_url, clear_relay):
    host, port, heard = clear_relay
    queue_messages(db_url, [("k1", f"ann@{D}"), ("k2", f"bob@{D}")], now=at(0))
    settings = load_settings({"COPFLOW_HOME": "/nonexistent", "COPFLOW_SMTP_HOST": host, "COPFLOW_SMTP_PORT": str(port),
                              "COPFLOW_SMTP_USERNAME": "copflow", "COPFLOW_SMTP_PASSWORD": SECRET})
    report = deliver(UnitOfWork(db_url), transport_for(settings), sender="cop@x.org", now=at(0))
    assert report.login_refused and report.sent == 0 and heard == []
    assert len(report.errors) == 1 and "unencrypted" in report.errors[0]
    with UnitOfWork(db_url) as u:
        assert [(n.status, n.attempts) for n in u.session.scalars(select(Notification))] == [("pending", 0)] * 2


def test_copflow_outbox_deliver_says_why_in_one_line(tmp_path, clear_relay):
    host, port, heard = clear_relay
    base = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
    env = {**base, "COPFLOW_HOME": str(tmp_path), "COPFLOW_SMTP_HOST": host, "COPFLOW_SMTP_PORT": str(port),
           "COPFLOW_SMTP_USERNAME": "copflow", "COPFLOW_SMTP_PASSWORD": SECRET}
    assert subprocess.run([EXE, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0
    queue_messages(f"sqlite:///{tmp_path / 'copflow.db'}", [("k1", f"ann@{D}")], now=at(0))
    r = subprocess.run([EXE, "outbox", "deliver"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("copflow: error: mail not sent: ") and "COPFLOW_SMTP_STARTTLS" in r.stderr
    assert SECRET not in r.stdout + r.stderr and heard == []
    with UnitOfWork(f"sqlite:///{tmp_path / 'copflow.db'}") as u:
        assert u.session.scalar(select(Notification.status)) == "pending"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST.",
                                  "relay.localhost"])
def test_a_relay_on_this_machine_may_take_a_login_without_tls(host):
    require_encrypted_login(host, 25, encrypted=False, allow_plaintext=False, credential="password")


@pytest.mark.parametrize("host", ["smtp.example.org", "10.0.0.5", "192.0.2.2", "::ffff:10.0.0.5", "localhost.evil.org",
                                  "127.0.0.1.nip.io", "0.0.0.0"])
def test_any_other_host_needs_tls(host):
    with pytest.raises(PlaintextLoginRefused) as err:
        require_encrypted_login(host, 587, encrypted=False, allow_plaintext=False, credential="OAuth 2.0 token",
                                setting="COPFLOW_IMAP_ALLOW_PLAINTEXT_AUTH", tls_settings="COPFLOW_IMAP_SSL")
    assert "OAuth 2.0 token" in str(err.value) and "COPFLOW_IMAP_ALLOW_PLAINTEXT_AUTH" in str(err.value)
    require_encrypted_login(host, 587, encrypted=True, allow_plaintext=False, credential="password")
    require_encrypted_login(host, 587, encrypted=False, allow_plaintext=True, credential="password")


def test_the_setting_is_read_and_checked():
    from copflow.settings import SettingsError

    env = {"COPFLOW_HOME": "/nonexistent", "COPFLOW_SMTP_HOST": "smtp.x.org"}
    assert load_settings(env).smtp.allow_plaintext_auth is False  # type: ignore[union-attr]
    on = load_settings({**env, "COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH": "yes"})
    assert on.smtp.allow_plaintext_auth is True  # type: ignore[union-attr]
    with pytest.raises(SettingsError, match="COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH must be true or false"):
        load_settings({**env, "COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH": "sometimes"})
