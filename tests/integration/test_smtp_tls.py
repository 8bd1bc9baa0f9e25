"""STARTTLS and authentication against a real aiosmtpd server; the password never shows in an error."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from notifications.mime import Outgoing, build
from notifications.transports import LoginRefused, SmtpTransport
from tests.smtp_server import RecordingHandler, free_port

SECRET = "s3cret-Pa55"


@pytest.fixture
def tls_server():  # type: ignore[no-untyped-def]
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"copflow", SECRET.encode())
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd itself answers 535

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), tls_context=server_ctx,
                            require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller.start()
    try:
        yield controller, handler, client_ctx
    finally:
        controller.stop()


def _msg() -> tuple[object, str]:
    out = Outgoing("tls-1", "ann@x.org", "Ann", "Hello", "text", None)
    return build(out, "CoP <cop@x.org>", datetime(2026, 3, 2, tzinfo=UTC)), "ann@x.org"


def test_starttls_and_login_deliver(tls_server):
    controller, handler, client_ctx = tls_server
    transport = SmtpTransport("127.0.0.1", controller.port, username="copflow", password=SECRET, starttls=True,
                              ssl_context=client_ctx)
    msg, rcpt = _msg()
    with transport.connect() as conn:
        conn.send(msg, rcpt)  # type: ignore[arg-type]
    assert [r.rcpt_tos for r in handler.received] == [["ann@x.org"]]


def test_a_refused_login_is_one_line_and_never_shows_the_password(tls_server):
    controller, _, client_ctx = tls_server
    transport = SmtpTransport("127.0.0.1", controller.port, username="copflow", password="wrong-" + SECRET,
                              starttls=True, ssl_context=client_ctx, timeout=10)
    with pytest.raises(LoginRefused) as err, transport.connect():
        pass
    assert str(err.value).startswith(f"SMTP login refused for user 'copflow' by 127.0.0.1:{controller.port}: 535 ")
    assert SECRET not in str(err.value) and "\n" not in str(err.value)
    assert SECRET not in repr(transport)


def test_settings_repr_hides_the_password():
    from copflow.settings import load_settings

    s = load_settings({"COPFLOW_SMTP_HOST": "smtp.x.org", "COPFLOW_SMTP_PASSWORD": SECRET, "COPFLOW_HOME": "/tmp/x"})
    assert s.smtp is not None and s.smtp.password == SECRET
    assert SECRET not in repr(s) and SECRET not in str(s)
