"""Where mail goes: an SMTP server (real use) or a Maildir folder (the embedded default and demos)."""

from __future__ import annotations

import ipaddress
import mailbox
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from lifecycle.errors import CopflowError
from notifications.mime import Built
from notifications.oauth import TokenRefused, TokenSource, xoauth2


class TransportError(CopflowError):
    """The relay refused or could not be reached. The delivery service sorts them, once: a temporary failure is
    retried, a permanent one parks its message with the server's reply, a refused login keeps every message."""


class TemporaryFailure(TransportError):
    """Try again later: a 4xx reply, a dropped or refused connection."""


class ConnectionLost(TemporaryFailure):
    """The connection broke mid-batch: the rest of the batch must wait for a new connection."""


class SlowDown(TemporaryFailure):
    """The relay is throttling (421, 451 or 452 with an enhanced status 4.7.x, e.g. Exchange Online's
    "4.7.500 Server busy"): wait a while; no message is at fault, so no attempt is counted."""


class PermanentFailure(TransportError):
    """Do not retry: a 5xx reply. The message carries the server's reply."""


class LoginRefused(TransportError):
    """copflow could not log in to the relay (a refused password or token, a token endpoint refusing the
    client): no message is at fault, and none can go until the settings are fixed."""


class PlaintextLoginRefused(LoginRefused):
    """copflow will not send its password or token over a connection that nobody encrypts (no STARTTLS, no SSL) to
    a host off this machine: whoever is on the path would read it. No message is at fault; they all wait."""


def is_loopback(host: str) -> bool:
    """`localhost` (and names under it, RFC 6761) or a loopback address: mail that never leaves this machine.
    The name is not resolved: a DNS answer is no proof that the path is local."""
    name = host.strip().rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def require_encrypted_login(host: str, port: int, *, encrypted: bool, allow_plaintext: bool, credential: str,
                            protocol: str = "SMTP", setting: str = "COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH",
                            tls_settings: str = "COPFLOW_SMTP_STARTTLS=true or COPFLOW_SMTP_SSL=true") -> None:
    """Refuse to authenticate (`credential`: "password", "OAuth 2.0 token") over a connection without TLS, unless
    the host is this machine or `allow_plaintext` (the documented `setting`) says the network is trusted.
    Written for every protocol copflow logs in with: SMTP here, the programme's mailbox (IMAP) next."""
    if encrypted or allow_plaintext or is_loopback(host):
        return
    raise PlaintextLoginRefused(
        f"{protocol} login to {host}:{port} not attempted: the {credential} would cross the network unencrypted; "
        f"set {tls_settings}, or {setting}=true if the relay is on a network you trust")


class Connection(Protocol):
    def send(self, msg: Built, recipient: str) -> None: ...


class Transport(Protocol):
    def connect(self) -> AbstractContextManager[Connection]: ...

    def describe(self) -> str: ...


class MaildirTransport:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(self.path, create=True)
        try:
            yield _MaildirConnection(box)
        finally:
            box.close()

    def describe(self) -> str:
        return f"Maildir {self.path}"


class _MaildirConnection:
    def __init__(self, box: mailbox.Maildir) -> None:
        self.box = box

    def send(self, msg: Built, recipient: str) -> None:
        try:
            self.box.add(msg.as_bytes())  # Maildir writes to tmp/ then renames into new/: never a half message
        except OSError as exc:
            raise TemporaryFailure(f"cannot write to Maildir: {exc.strerror}") from None


class SmtpTransport:
    """SMTP, with a username and password (AUTH PLAIN/LOGIN) or, given `oauth`, SASL XOAUTH2 with a bearer
    token from it (Microsoft 365, Google Workspace): a refused token (535) is fetched again once and retried."""

    def __init__(self, host: str, port: int, *, username: str | None = None, password: str | None = None,
                 starttls: bool = False, use_ssl: bool = False, timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None, oauth: TokenSource | None = None,
                 allow_plaintext_auth: bool = False) -> None:
        self.host, self.port = host, port
        self.allow_plaintext_auth = allow_plaintext_auth
        self.username = username
        self._password = password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout
        self.ssl_context = ssl_context
        self.oauth = oauth

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host}:{self.port}, user={self.username!r})"

    def describe(self) -> str:
        return f"SMTP {self.host}:{self.port}"

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """One connection for a whole batch."""
        client = self._open(refresh_token=False)
        try:
            yield _SmtpConnection(client)
        finally:
            _close(client)


    def _open(self, *, refresh_token: bool) -> smtplib.SMTP:
        if self.oauth is not None or self.username:  # checked before connecting: nothing is sent at all
            require_encrypted_login(self.host, self.port, encrypted=self.starttls or self.use_ssl,
                                    allow_plaintext=self.allow_plaintext_auth,
                                    credential="OAuth 2.0 token" if self.oauth is not None else "password")
        try:
            if self.use_ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                        context=self.ssl_context or ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                client.starttls(context=self.ssl_context or ssl.create_default_context())
            if self.oauth is not None:
                self._xoauth2(client, refresh_token)
            elif self.username:
                client.login(self.username, self._password or "")
        except TokenRefused as exc:
            raise LoginRefused(str(exc)) from None
        except smtplib.SMTPAuthenticationError as exc:
            if self.oauth is not None and not refresh_token:
                _close(client)
                return self._open(refresh_token=True)  # the token may have been revoked early: fetch once more
            how = "XOAUTH2 token" if self.oauth is not None else "login"
            raise LoginRefused(f"SMTP {how} refused for user {self.username!r} by {self.host}:{self.port}: "
                               f"{exc.smtp_code} {_reply(exc.smtp_error)}") from None
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot connect to {self.host}:{self.port}: {exc}") from None
        return client

    def _xoauth2(self, client: smtplib.SMTP, refresh: bool) -> None:
        assert self.oauth is not None
        response = xoauth2(self.username or "", self.oauth.token(refresh=refresh))
        client.ehlo_or_helo_if_needed()
        # The initial response carries the token; to a 334 challenge (the server's error details) the answer
        # is empty, after which the server sends its 535.
        client.auth("XOAUTH2", lambda challenge=None: response if challenge is None else "",
                    initial_response_ok=True)


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


class _SmtpConnection:
    def __init__(self, client: smtplib.SMTP) -> None:
        self.client = client

    def send(self, msg: Built, recipient: str) -> None:
        options: list[str] = []
        if msg.needs_smtputf8:
            self.client.ehlo_or_helo_if_needed()
            if not self.client.has_extn("smtputf8"):
                raise PermanentFailure(f"{recipient}: the address needs SMTPUTF8, which this server does not offer")
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        try:
            # smtplib sends bytes as given: SMTP wants CRLF line ends (a message holds LF only).
            refused = self.client.sendmail(msg.envelope_from, [msg.envelope_to or recipient],
                                           msg.as_bytes().replace(b"\n", b"\r\n"), mail_options=options)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            raise _classify(code, reply) from None
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            raise ConnectionLost(f"connection lost: {exc}") from None
        if refused:
            code, reply = next(iter(refused.values()))
            raise _classify(code, reply)


def _reply(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def _classify(code: int, reply: bytes | str) -> Exception:
    text = _reply(reply)
    line = f"{code} {text}"
    if 500 <= code < 600:
        return PermanentFailure(line)
    if code in (421, 451, 452) and text.startswith("4.7."):
        return SlowDown(line)
    return TemporaryFailure(line)
