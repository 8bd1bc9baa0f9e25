"""OAuth 2.0 for SMTP (XOAUTH2): tokens from a local OAuth 2.0 token endpoint (any token URL, and Entra ID's
through msal), checked by a real aiosmtpd server; refreshed when they expire; a wrong secret is one clear line
and changes nothing; the secret never shows in logs, errors or the outbox."""

from __future__ import annotations

import logging
import os
import ssl
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver, limits_of, transport_for
from copflow.settings import load_settings
from notifications.oauth import ClientCredentials
from tests.integration.helpers import queue_messages
from tests.oauth_server import TokenEndpoint, xoauth2_smtp

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "Xq~8Q~client-SECRET-value_42"
MAILBOX = "cop-programme@uni.example.org"
SENDER = f"CoP programme <{MAILBOX}>"
EXE = str(Path(sys.executable).with_name("copflow"))
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only


def oauth_env(tmp_path: Path, smtp_port: int, token_url: str, secret: str = SECRET) -> dict[str, str]:
    secret_file = tmp_path / "client-secret"
    secret_file.write_text(secret + "\n", encoding="utf-8")
    return {"COPFLOW_SMTP_HOST": "127.0.0.1", "COPFLOW_SMTP_PORT": str(smtp_port), "COPFLOW_SMTP_AUTH": "oauth2",
            "COPFLOW_SMTP_USERNAME": MAILBOX, "COPFLOW_SMTP_OAUTH_TOKEN_URL": token_url,
            "COPFLOW_SMTP_OAUTH_CLIENT_ID": "copflow-app", "COPFLOW_SMTP_OAUTH_CLIENT_SECRET_FILE": str(secret_file),
            "COPFLOW_SMTP_OAUTH_SCOPE": "https://outlook.office365.com/.default", "COPFLOW_SENDER": SENDER}


def outbox(url: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        return list(u.session.scalars(select(Notification).order_by(Notification.id)))


def test_xoauth2_with_tokens_from_a_token_endpoint_refreshed_when_they_expire(db_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with TokenEndpoint("copflow-app", SECRET) as endpoint, xoauth2_smtp(endpoint, MAILBOX) as (controller, server):
        settings = load_settings({**oauth_env(tmp_path, controller.port, f"{endpoint.url}/oauth2/v2.0/token"),
                                  "COPFLOW_DATABASE_URL": db_url, "COPFLOW_HOME": str(tmp_path)})
        transport = transport_for(settings)
        source = transport.oauth  # type: ignore[attr-defined]
        assert isinstance(source, ClientCredentials)
        clock = [0.0]
        source._cache.clock = lambda: clock[0]  # the token cache's clock, injected

        def run(tag: str, n: int) -> None:
            queue_messages(db_url, [(f"{tag}/{i}", f"{tag}{i}@x.org") for i in range(n)], now=NOW)
            r = deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW, limits=limits_of(settings))
            assert (r.sent, r.errors) == (n, []), r.errors

        run("first", 3)
        assert (endpoint.events["issued"], server.auth) == (1, {"accepted": 1})
        run("again", 2)  # the cached token is used again
        assert (endpoint.events["issued"], server.auth["accepted"]) == (1, 2)
        # The token ends early (revoked, or the clocks disagree): a 535, one refresh, and the batch goes.
        endpoint.expire_all()
        run("revoked", 2)
        assert (endpoint.events["issued"], server.auth) == (2, {"accepted": 3, "535": 1})
        # The token's own lifetime runs out: fetched again before connecting, no 535.
        clock[0] += 3600
        run("expired", 2)
        assert (endpoint.events["issued"], server.auth) == (3, {"accepted": 4, "535": 1})
        assert endpoint.scopes == ["https://outlook.office365.com/.default"] * 3
    assert len(server.received) == 9 and {r.status for r in outbox(db_url)} == {"sent"}
    assert all(SECRET.encode() not in r.raw for r in server.received)
    tokens = list(endpoint.tokens)
    for text in (caplog.text, repr(settings), repr(transport), repr(source), str(settings.smtp)):
        assert SECRET not in text and not any(t in text for t in tokens), text[:200]


def test_a_wrong_client_secret_is_one_clear_line_and_nothing_is_marked(db_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    queue_messages(db_url, [(f"w/{i}", f"w{i}@x.org") for i in range(3)], now=NOW)
    before = [(r.status, r.attempts, r.last_error) for r in outbox(db_url)]
    with TokenEndpoint("copflow-app", "the-right-one") as endpoint, xoauth2_smtp(endpoint, MAILBOX) as (ctl, server):
        env = oauth_env(tmp_path, ctl.port, f"{endpoint.url}/token")
        settings = load_settings({**env, "COPFLOW_DATABASE_URL": db_url, "COPFLOW_HOME": str(tmp_path)})
        r = deliver(UnitOfWork(db_url), transport_for(settings), sender=SENDER, now=NOW)
        assert r.login_refused and (r.sent, r.retried, r.parked) == (0, 0, 0)
        [error] = r.errors
        assert error == (f"OAuth 2.0 token endpoint {endpoint.url}/token (client copflow-app) refused a token: "
                         "invalid_client (AADSTS7000215: Invalid client secret provided.)")
        assert [(x.status, x.attempts, x.last_error) for x in outbox(db_url)] == before  # nothing marked
        # The CLI: one line, a non-zero exit, no secret.
        base = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
        cli = subprocess.run([EXE, "outbox", "deliver"], capture_output=True, text=True, timeout=120,
                             env={**base, **env, "COPFLOW_DATABASE_URL": db_url, "COPFLOW_HOME": str(tmp_path)})
        assert cli.returncode == 1 and cli.stderr.count("\n") == 1, cli.stderr
        assert cli.stderr.startswith("copflow: error: mail not sent: OAuth 2.0 token endpoint ")
        assert SECRET not in cli.stdout + cli.stderr
        assert endpoint.events["refused"] == 2 and not server.auth and not server.received
    assert [(x.status, x.attempts, x.last_error) for x in outbox(db_url)] == before
    assert SECRET not in caplog.text and SECRET not in error


@pytest.fixture
def https_ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A local CA that the token endpoint's certificate chains to, trusted by requests (msal's HTTP client)."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    return server_ctx


def test_microsoft_entra_id_through_msal(db_url, tmp_path, https_ca, caplog):
    """COPFLOW_SMTP_OAUTH_TENANT: msal discovers the tenant's token endpoint and keeps the token in its cache."""
    caplog.set_level(logging.DEBUG)
    queue_messages(db_url, [(f"m/{i}", f"m{i}@x.org") for i in range(4)], now=NOW)
    with TokenEndpoint("copflow-app", SECRET, tls=https_ca) as endpoint, \
            xoauth2_smtp(endpoint, MAILBOX) as (controller, server):
        env = {**oauth_env(tmp_path, controller.port, ""), "COPFLOW_SMTP_OAUTH_TENANT": "contoso-tenant-id",
               "COPFLOW_SMTP_OAUTH_AUTHORITY": endpoint.url, "COPFLOW_DATABASE_URL": db_url}
        del env["COPFLOW_SMTP_OAUTH_TOKEN_URL"], env["COPFLOW_SMTP_OAUTH_SCOPE"]
        settings = load_settings(env)
        transport = transport_for(settings)
        first = deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW, batch_size=2)
        assert (first.sent, first.errors) == (4, [])
        assert endpoint.events["issued"] == 1 and server.auth == {"accepted": 2}  # two batches, one token
        assert endpoint.scopes == ["https://outlook.office365.com/.default"]  # Exchange Online's, by default
        endpoint.expire_all()
        queue_messages(db_url, [(f"n/{i}", f"n{i}@x.org") for i in range(2)], now=NOW)
        again = deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW + timedelta(minutes=5))
        assert again.sent == 2 and endpoint.events["issued"] == 2 and server.auth["535"] == 1
    assert SECRET not in caplog.text and not any(t in caplog.text for t in endpoint.tokens)


@pytest.mark.parametrize(("change", "message"), [
    ({"COPFLOW_SMTP_AUTH": "kerberos"}, "COPFLOW_SMTP_AUTH must be password or oauth2, not 'kerberos'"),
    ({"COPFLOW_SMTP_USERNAME": ""}, "COPFLOW_SMTP_AUTH=oauth2 needs COPFLOW_SMTP_USERNAME"),
    ({"COPFLOW_SMTP_OAUTH_TENANT": "t"}, "needs COPFLOW_SMTP_OAUTH_TENANT (Microsoft Entra ID) or"),
    ({"COPFLOW_SMTP_OAUTH_CLIENT_SECRET": "x"}, "needs the client secret in COPFLOW_SMTP_OAUTH_CLIENT_SECRET or"),
    ({"COPFLOW_SMTP_OAUTH_CLIENT_SECRET_FILE": "/nonexistent/secret"},
     "COPFLOW_SMTP_OAUTH_CLIENT_SECRET_FILE: cannot read /nonexistent/secret: No such file or directory"),
    ({"COPFLOW_SMTP_MAX_PER_MINUTE": "thirty"}, "COPFLOW_SMTP_MAX_PER_MINUTE must be a whole number of messages"),
    ({"COPFLOW_SMTP_MAX_PER_DAY": "-5"}, "COPFLOW_SMTP_MAX_PER_DAY must be a whole number of messages"),
])
def test_oauth_and_limit_settings_are_checked(tmp_path, change, message):
    from copflow.settings import SettingsError

    env = {**oauth_env(tmp_path, 25, "https://login.example.org/token"), "COPFLOW_HOME": str(tmp_path), **change}
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert message in str(err.value) and SECRET not in str(err.value) and "\n" not in str(err.value)
