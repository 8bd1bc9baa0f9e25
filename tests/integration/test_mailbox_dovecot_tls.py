"""The programme's mailbox as Microsoft 365 and Google serve it: IMAP over TLS only, signed in with an XOAUTH2 token
from the same token code as SMTP's (notifications/oauth.py), against a real Dovecot that checks each token at the
token endpoint's introspection address (tests/dovecot.py, tests/oauth_server.py). A message is read and moved as
over a password; a token the endpoint no longer honours is fetched again once; a wrong client secret is one line,
nothing read; and the password is never sent where TLS is missing."""

from __future__ import annotations

import shutil
import ssl
from collections.abc import Iterator

import pytest
from imapclient import IMAPClient

from copflow.db.uow import UnitOfWork
from copflow.services.inbox.read import read_mailbox
from notifications.mailbox import ImapMailbox, LoginRefused
from notifications.oauth import ClientCredentials
from tests.dovecot import DOVECOT, Dovecot, dovecot_server
from tests.integration.helpers import D
from tests.integration.test_mailbox import PROGRAMME
from tests.mailbox_mail import NOW, reply, sent_world
from tests.oauth_server import TokenEndpoint

pytestmark = pytest.mark.skipif(not shutil.which(DOVECOT), reason="Dovecot not installed (tests/install-tools.sh)")
CLIENT, SECRET, SCOPE = "copflow-imap", "s3cret-for-tests", "https://outlook.office365.com/.default"


@pytest.fixture
def served() -> Iterator[tuple[Dovecot, TokenEndpoint]]:
    with TokenEndpoint(CLIENT, SECRET) as tokens, dovecot_server(tls=True,
                                                                 introspection=f"{tokens.url}/introspect") as server:
        yield server, tokens


def trusting(server: Dovecot) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.root / "cert.pem"))


def mailbox(server: Dovecot, tokens: TokenEndpoint, secret: str = SECRET) -> ImapMailbox:
    return ImapMailbox(server.host, server.port, username=server.user, use_ssl=True, ssl_context=trusting(server),
                       oauth=ClientCredentials(f"{tokens.url}/token", CLIENT, secret, SCOPE))


def test_a_reply_is_read_over_tls_signed_in_with_an_xoauth2_token(db_url: str, served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    ids = sent_world(db_url)
    c = IMAPClient(server.host, server.port, ssl=True, ssl_context=trusting(server), timeout=30)
    c.login(server.user, server.password)
    c.append("INBOX", reply(f"cat@{D}", answers=ids["reminder"], text="A question about the launch"))
    c.logout()
    read = read_mailbox(UnitOfWork(db_url), mailbox(server, tokens), PROGRAMME, now=NOW)
    assert (read.read, read.processed) == (1, 1)
    assert tokens.events["issued"] == 1 and tokens.events["introspected"] >= 1
    tokens.expire_all()  # revoked early: the next run is refused once, fetches a new token and goes on
    again = read_mailbox(UnitOfWork(db_url), mailbox(server, tokens), PROGRAMME, now=NOW)
    assert again.read == 0 and tokens.events["issued"] >= 2


def test_a_wrong_client_secret_is_refused_with_nothing_read(db_url: str, served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    with pytest.raises(LoginRefused) as refused:
        read_mailbox(UnitOfWork(db_url), mailbox(server, tokens, secret="wrong"), PROGRAMME, now=NOW)
    assert "\n" not in str(refused.value) and "wrong" not in str(refused.value)


def test_the_tls_port_does_not_speak_plain_imap(served) -> None:  # type: ignore[no-untyped-def]
    server, _ = served
    with pytest.raises(Exception):  # noqa: B017 - the server answers TLS only; any plain greeting would be a defect
        IMAPClient(server.host, server.port, ssl=False, timeout=5).login(server.user, server.password)
