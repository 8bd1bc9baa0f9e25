"""The mail transports' settings: the SMTP relay (COPFLOW_SMTP_*), the programme's mailbox (COPFLOW_IMAP_*) and
their OAuth 2.0 client credentials.
Read with the other settings (copflow/settings.py), never at import time; the errors every setting raises live
here, the lowest settings module, so each settings module can raise them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lifecycle import CopflowError

if TYPE_CHECKING:
    from notifications.oauth import TokenSource

ENTRA_AUTHORITY = "https://login.microsoftonline.com"
EXCHANGE_SCOPE = "https://outlook.office365.com/.default"  # SMTP AUTH for Exchange Online, application permission
GOOGLE_MAIL_SCOPE = "https://mail.google.com/"  # Gmail's IMAP and SMTP, for a service account's delegation
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"


class SettingsError(CopflowError, ValueError):
    """A COPFLOW_* variable has a value copflow cannot use (`field` names the variable)."""


@dataclass(frozen=True)
class OAuthSettings:
    """OAuth 2.0 client credentials for SMTP XOAUTH2: Entra ID's tenant (through msal) or any token URL."""

    client_id: str
    client_secret: str
    scope: str
    tenant: str | None = None
    authority_host: str = ENTRA_AUTHORITY
    token_url: str | None = None
    # Google Workspace: a service account's key (client_email, private_key, token_uri) with domain-wide delegation,
    # acting as `subject` (the mailbox's address).
    google_key: tuple[str, str, str] | None = field(default=None, repr=False)
    subject: str | None = None

    def __repr__(self) -> str:  # the secret must never reach a log line or a traceback
        if self.google_key:
            return f"OAuthSettings(google={self.google_key[0]!r}, subject={self.subject!r}, private_key=***)"
        where = f"tenant={self.tenant!r}" if self.tenant else f"token_url={self.token_url!r}"
        return f"OAuthSettings({where}, client_id={self.client_id!r}, client_secret=***)"

    def token_source(self) -> TokenSource:
        from notifications.oauth import ClientCredentials, EntraClientCredentials, GoogleServiceAccount

        if self.google_key:
            email, private_key, token_uri = self.google_key
            return GoogleServiceAccount({"client_email": email, "private_key": private_key, "token_uri": token_uri},
                                        self.subject or "", self.scope)
        if self.tenant:
            return EntraClientCredentials(f"{self.authority_host.rstrip('/')}/{self.tenant}", self.client_id,
                                          self.client_secret, self.scope)
        assert self.token_url is not None
        return ClientCredentials(self.token_url, self.client_id, self.client_secret, self.scope)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    ssl: bool
    timeout: float
    oauth: OAuthSettings | None = None
    max_per_minute: int | None = None  # the relay's limits (Exchange Online: 30 a minute, 10,000 a day)
    max_per_day: int | None = None
    # Log in without STARTTLS or SSL to a relay off this machine (COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH): off, because
    # the password or token would cross the network readable by anyone on the path.
    allow_plaintext_auth: bool = False

    def __repr__(self) -> str:  # the password must never reach a log line or a traceback
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, username={self.username!r}, password=***, "
                f"oauth={self.oauth!r}, max_per_minute={self.max_per_minute}, max_per_day={self.max_per_day})")

    def token_source(self) -> TokenSource | None:
        return self.oauth.token_source() if self.oauth else None


def _flag(name: str, value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}", field=name, value=value)


def _limit(name: str, value: str | None) -> int | None:
    if value is None or value.strip() in ("", "0", "off"):
        return None
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 1:
        raise SettingsError(f"{name} must be a whole number of messages (or 0 for no limit), not {value!r}",
                            field=name, value=value)
    return n


def _oauth(e: Mapping[str, str], username: str | None, prefix: str = "COPFLOW_SMTP_") -> OAuthSettings | None:
    """The OAuth 2.0 client of SMTP (COPFLOW_SMTP_AUTH=oauth2 ...) or of the mailbox (`prefix` COPFLOW_IMAP_)."""
    auth = (e.get(f"{prefix}AUTH") or "password").strip().lower()
    if auth not in ("password", "oauth2"):
        raise SettingsError(f"{prefix}AUTH must be password or oauth2, not {auth!r}", field=f"{prefix}AUTH",
                            value=auth)
    if auth == "password":
        return None
    if not username:
        raise SettingsError(f"{prefix}AUTH=oauth2 needs {prefix}USERNAME: the mailbox copflow uses",
                            field=f"{prefix}USERNAME")
    google = e.get(f"{prefix}OAUTH_GOOGLE_KEY_FILE")
    if google:
        return OAuthSettings(client_id="", client_secret="", scope=e.get(f"{prefix}OAUTH_SCOPE") or GOOGLE_MAIL_SCOPE,
                             google_key=_google_key(f"{prefix}OAUTH_GOOGLE_KEY_FILE", google), subject=username)
    tenant, token_url = e.get(f"{prefix}OAUTH_TENANT") or None, e.get(f"{prefix}OAUTH_TOKEN_URL") or None
    if bool(tenant) == bool(token_url):
        raise SettingsError(f"{prefix}AUTH=oauth2 needs {prefix}OAUTH_TENANT (Microsoft Entra ID) or "
                            f"{prefix}OAUTH_TOKEN_URL (any OAuth 2.0 token endpoint), one of the two, or "
                            f"{prefix}OAUTH_GOOGLE_KEY_FILE (a Google service account with domain-wide delegation)",
                            field=f"{prefix}OAUTH_TENANT")
    client_id = e.get(f"{prefix}OAUTH_CLIENT_ID")
    if not client_id:
        raise SettingsError(f"{prefix}AUTH=oauth2 needs {prefix}OAUTH_CLIENT_ID",
                            field=f"{prefix}OAUTH_CLIENT_ID")
    secret, secret_file = e.get(f"{prefix}OAUTH_CLIENT_SECRET"), e.get(f"{prefix}OAUTH_CLIENT_SECRET_FILE")
    if bool(secret) == bool(secret_file):
        raise SettingsError(f"{prefix}AUTH=oauth2 needs the client secret in {prefix}OAUTH_CLIENT_SECRET or "
                            f"{prefix}OAUTH_CLIENT_SECRET_FILE, one of the two",
                            field=f"{prefix}OAUTH_CLIENT_SECRET")
    if secret_file:
        path = Path(secret_file).expanduser()
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise SettingsError(f"{prefix}OAUTH_CLIENT_SECRET_FILE: cannot read {path}: {reason}",
                                field=f"{prefix}OAUTH_CLIENT_SECRET_FILE", value=str(path)) from None
        if not secret:
            raise SettingsError(f"{prefix}OAUTH_CLIENT_SECRET_FILE: {path} is empty",
                                field=f"{prefix}OAUTH_CLIENT_SECRET_FILE", value=str(path))
    scope = e.get(f"{prefix}OAUTH_SCOPE") or (EXCHANGE_SCOPE if tenant else None)
    if not scope:
        raise SettingsError(f"{prefix}OAUTH_TOKEN_URL needs {prefix}OAUTH_SCOPE (the scope the relay wants, "
                            "e.g. https://mail.google.com/)", field=f"{prefix}OAUTH_SCOPE")
    assert secret is not None
    return OAuthSettings(client_id=client_id, client_secret=secret, scope=scope, tenant=tenant,
                         authority_host=e.get(f"{prefix}OAUTH_AUTHORITY") or ENTRA_AUTHORITY, token_url=token_url)


def _google_key(name: str, value: str) -> tuple[str, str, str]:
    """A Google service account's JSON key file: its client_email, private_key and token_uri (never shown)."""
    import json

    path = Path(value).expanduser()
    try:
        with path.open(encoding="utf-8") as f:
            key = json.loads(f.read(64_000))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a JSON key file"
        raise SettingsError(f"{name}: cannot read {path}: {reason}", field=name, value=str(path)) from None
    if not isinstance(key, dict) or not all(isinstance(key.get(k), str) for k in ("client_email", "private_key")):
        raise SettingsError(f"{name}: {path} is not a service account key (client_email, private_key)", field=name,
                            value=str(path))
    return key["client_email"], key["private_key"], str(key.get("token_uri") or GOOGLE_TOKEN_URL)


def _port(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a port number, not {text!r}", field=name, value=text) from None


def smtp_settings(e: Mapping[str, str]) -> SmtpSettings | None:
    """The relay copflow sends through (COPFLOW_SMTP_*), or None: no relay, mail goes to the Maildir."""
    if not e.get("COPFLOW_SMTP_HOST"):
        return None
    ssl = _flag("COPFLOW_SMTP_SSL", e.get("COPFLOW_SMTP_SSL"), False)
    port = _port("COPFLOW_SMTP_PORT", e.get("COPFLOW_SMTP_PORT") or ("465" if ssl else "25"))
    username = e.get("COPFLOW_SMTP_USERNAME") or None
    return SmtpSettings(
        host=e["COPFLOW_SMTP_HOST"],
        port=port,
        username=username,
        password=e.get("COPFLOW_SMTP_PASSWORD") or None,
        starttls=_flag("COPFLOW_SMTP_STARTTLS", e.get("COPFLOW_SMTP_STARTTLS"), False),
        ssl=ssl,
        timeout=float(e.get("COPFLOW_SMTP_TIMEOUT") or 30),
        oauth=_oauth(e, username),
        max_per_minute=_limit("COPFLOW_SMTP_MAX_PER_MINUTE", e.get("COPFLOW_SMTP_MAX_PER_MINUTE")),
        max_per_day=_limit("COPFLOW_SMTP_MAX_PER_DAY", e.get("COPFLOW_SMTP_MAX_PER_DAY")),
        allow_plaintext_auth=_flag("COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH", e.get("COPFLOW_SMTP_ALLOW_PLAINTEXT_AUTH"),
                                   False),
    )


@dataclass(frozen=True)
class ImapSettings:
    """The programme's mailbox (COPFLOW_IMAP_*), where replies, RSVPs and bounces come back
    (copflow/services/inbox/): IMAP over TLS (port 993) with a password or XOAUTH2 from the same token code as
    SMTP's. `max_bytes`: a message larger than this (RFC822.SIZE, asked before anything is read) is quarantined."""

    host: str
    port: int
    username: str
    password: str | None
    folder: str
    ssl: bool
    timeout: float
    oauth: OAuthSettings | None = None
    allow_plaintext_auth: bool = False
    max_bytes: int = 10_000_000

    def __repr__(self) -> str:  # the password must never reach a log line or a traceback
        return (f"ImapSettings(host={self.host!r}, port={self.port}, username={self.username!r}, password=***, "
                f"folder={self.folder!r}, oauth={self.oauth!r})")

    def token_source(self) -> TokenSource | None:
        return self.oauth.token_source() if self.oauth else None


def imap_settings(e: Mapping[str, str]) -> ImapSettings | None:
    """The programme's mailbox on an IMAP server (COPFLOW_IMAP_*), or None: replies are read from the local
    Maildir folder COPFLOW_INBOX_MAILDIR (the embedded default and the demo)."""
    if not e.get("COPFLOW_IMAP_HOST"):
        return None
    ssl = _flag("COPFLOW_IMAP_SSL", e.get("COPFLOW_IMAP_SSL"), True)
    port = _port("COPFLOW_IMAP_PORT", e.get("COPFLOW_IMAP_PORT") or ("993" if ssl else "143"))
    username = e.get("COPFLOW_IMAP_USERNAME") or ""
    if not username:
        raise SettingsError("COPFLOW_IMAP_HOST needs COPFLOW_IMAP_USERNAME: the programme's mailbox",
                            field="COPFLOW_IMAP_USERNAME")
    oauth = _oauth(e, username, "COPFLOW_IMAP_")
    password = e.get("COPFLOW_IMAP_PASSWORD") or None
    if oauth is None and password is None:
        raise SettingsError("COPFLOW_IMAP_HOST needs COPFLOW_IMAP_PASSWORD, or COPFLOW_IMAP_AUTH=oauth2",
                            field="COPFLOW_IMAP_PASSWORD")
    max_mb = _limit("COPFLOW_IMAP_MAX_MB", e.get("COPFLOW_IMAP_MAX_MB")) or 10
    return ImapSettings(host=e["COPFLOW_IMAP_HOST"], port=port, username=username, password=password,
                        folder=e.get("COPFLOW_IMAP_FOLDER") or "INBOX", ssl=ssl,
                        timeout=float(e.get("COPFLOW_IMAP_TIMEOUT") or 30), oauth=oauth,
                        allow_plaintext_auth=_flag("COPFLOW_IMAP_ALLOW_PLAINTEXT_AUTH",
                                                   e.get("COPFLOW_IMAP_ALLOW_PLAINTEXT_AUTH"), False),
                        max_bytes=max_mb * 1_000_000)
