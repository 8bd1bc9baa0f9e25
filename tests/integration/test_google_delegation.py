"""Google Workspace's service account with domain-wide delegation (the JWT bearer grant, RFC 7523), for SMTP and
the programme's mailbox alike: a key file in COPFLOW_*_OAUTH_GOOGLE_KEY_FILE, an RS256 assertion checked by a local
token endpoint (tests/oauth_server.py), the token it issues accepted by a real aiosmtpd server's XOAUTH2; a key
from another account is refused with one line; the private key shows nowhere."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver, limits_of, transport_for
from copflow.settings import SettingsError, load_settings
from notifications.oauth import GoogleServiceAccount, TokenRefused
from tests.integration.helpers import queue_messages
from tests.oauth_server import ServiceAccountKeys, TokenEndpoint, xoauth2_smtp

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAILBOX = "cop-programme@uni.example.org"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only


def key_file(tmp_path: Path, keys: ServiceAccountKeys, token_uri: str) -> Path:
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(keys.key_file(token_uri)), encoding="utf-8")
    return path


def test_a_service_account_sends_as_the_programme_mailbox(db_url: str, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    keys = ServiceAccountKeys()
    with TokenEndpoint("google", "unused") as endpoint, xoauth2_smtp(endpoint, MAILBOX) as (controller, server):
        endpoint.google = keys
        path = key_file(tmp_path, keys, f"{endpoint.url}/token")
        settings = load_settings({"COPFLOW_SMTP_HOST": "127.0.0.1", "COPFLOW_SMTP_PORT": str(controller.port),
                                  "COPFLOW_SMTP_AUTH": "oauth2", "COPFLOW_SMTP_USERNAME": MAILBOX,
                                  "COPFLOW_SMTP_OAUTH_GOOGLE_KEY_FILE": str(path), "COPFLOW_DATABASE_URL": db_url,
                                  "COPFLOW_HOME": str(tmp_path), "COPFLOW_SENDER": f"CoP programme <{MAILBOX}>"})
        transport = transport_for(settings)
        assert isinstance(transport.oauth, GoogleServiceAccount)  # type: ignore[attr-defined]
        queue_messages(db_url, [(f"g/{i}", f"p{i}@x.org") for i in range(2)], now=NOW)
        r = deliver(UnitOfWork(db_url), transport, sender=f"CoP programme <{MAILBOX}>", now=NOW,
                    limits=limits_of(settings))
        assert (r.sent, r.errors) == (2, [])
        assert (endpoint.subjects, endpoint.scopes, server.auth["accepted"]) == (
            [MAILBOX], ["https://mail.google.com/"], 1)
    secret_line = keys.pem.splitlines()[1]
    for text in (caplog.text, repr(settings), repr(transport), str(settings.smtp)):
        assert secret_line not in text


def test_the_mailbox_takes_the_same_delegation_and_a_foreign_key_is_refused(tmp_path: Path) -> None:
    keys, stranger = ServiceAccountKeys(), ServiceAccountKeys()
    with TokenEndpoint("google", "unused") as endpoint:
        endpoint.google = keys
        good = load_settings({"COPFLOW_IMAP_HOST": "imap.gmail.com", "COPFLOW_IMAP_USERNAME": MAILBOX,
                              "COPFLOW_IMAP_AUTH": "oauth2", "COPFLOW_HOME": str(tmp_path),
                              "COPFLOW_IMAP_OAUTH_GOOGLE_KEY_FILE": str(key_file(tmp_path, keys, endpoint.url))})
        assert good.imap is not None
        source = good.imap.token_source()
        assert isinstance(source, GoogleServiceAccount) and endpoint.valid(source.token())
        bad = GoogleServiceAccount(stranger.key_file(endpoint.url), MAILBOX, "https://mail.google.com/")
        with pytest.raises(TokenRefused) as refused:  # the transports turn it into LoginRefused: nothing is sent
            bad.token()
        assert "invalid_grant" in str(refused.value) and stranger.pem.splitlines()[1] not in str(refused.value)
    (tmp_path / "broken.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SettingsError) as unusable:
        load_settings({"COPFLOW_IMAP_HOST": "imap.gmail.com", "COPFLOW_IMAP_USERNAME": MAILBOX,
                       "COPFLOW_IMAP_AUTH": "oauth2", "COPFLOW_IMAP_OAUTH_GOOGLE_KEY_FILE": str(tmp_path / "broken.json")})
    assert unusable.value.field == "COPFLOW_IMAP_OAUTH_GOOGLE_KEY_FILE"
