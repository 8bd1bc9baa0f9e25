"""Settings from the environment, read when asked for (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from copflow.console_settings import ConsoleSettings, console_settings
from copflow.transport_settings import EXCHANGE_SCOPE as EXCHANGE_SCOPE
from copflow.transport_settings import ImapSettings, _flag, imap_settings, smtp_settings
from copflow.transport_settings import OAuthSettings as OAuthSettings
from copflow.transport_settings import SettingsError as SettingsError
from copflow.transport_settings import SmtpSettings as SmtpSettings
from lifecycle import Policy, load_policy
from lifecycle.policy import MAX_POLICY_CHARS


class ClockError(SettingsError):
    """COPFLOW_NOW is not an ISO 8601 date-time."""


def current_time() -> datetime:
    """The current time for the CLI and the web app; COPFLOW_NOW (ISO 8601, with offset) pins it for tests and
    rehearsals (UTC when it has no offset)."""
    pinned = os.environ.get("COPFLOW_NOW")
    if not pinned:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(pinned)
    except ValueError:
        raise ClockError(f"COPFLOW_NOW must be an ISO 8601 date-time, not {pinned!r}", field="COPFLOW_NOW",
                         value=pinned) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    maildir: Path
    archive_dir: Path
    reports_dir: Path
    sender: str
    od_manager_email: str | None
    smtp: SmtpSettings | None
    policy_file: Path | None
    base_url: str | None
    # The web app's public address (the reverse proxy's https address in production); links in mails start here.
    web_url: str = "http://127.0.0.1:8000"
    # A header set by an SSO reverse proxy naming the signed-in user (off unless configured; see docs/web.md).
    web_trusted_user_header: str | None = None
    # The reverse proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are believed; none by
    # default, so a client cannot choose the address the rate limit counts it under (docs/security.md).
    web_trusted_proxies: tuple[str, ...] = ()
    # The Prefect server copflow's flows run on, and its UI's address if it is not the one Prefect derives.
    prefect_api_url: str | None = None
    prefect_ui_url: str | None = None
    # The programme's contact address: every mail asks its reader to reply, and replies go here (Reply-To)
    # rather than to the sender, which may be a mailbox nobody reads. None: replies go to the sender.
    reply_to: str | None = None
    # The programme's mailbox every invitation is organised by (COPFLOW_ORGANIZER_EMAIL, default the sender's
    # address), so calendars send their replies back to copflow; with COPFLOW_ORGANIZER_PLUS=true one
    # plus-address per CoP (local+<slug>@domain), for relays that deliver those (docs/calendars.md).
    organizer_email: str | None = None
    organizer_plus: bool = False
    # The OD manager's console: its sign-in and its managers (copflow/console_settings.py, docs/console.md).
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    # The key links in queued mail are made again from at send time (COPFLOW_LINK_KEY, or COPFLOW_LINK_KEY_FILE,
    # default <home>/link.key, made on first use): kept out of the database, so a backup of it opens nothing.
    link_key: str | None = field(default=None, repr=False)
    link_key_file: Path | None = None
    # The key chat channels' addresses are sealed with at rest (COPFLOW_CHANNEL_KEY, else COPFLOW_CHANNEL_KEY_FILE,
    # default <home>/channel.key, made on first use, mode 0600): kept out of the database, so a copy of the
    # database opens no channel. How long a post may take before it is tried again later (COPFLOW_CHAT_TIMEOUT).
    channel_key: str | None = field(default=None, repr=False)
    channel_key_file: Path | None = None
    chat_timeout: float = 10.0
    # Who acts at this command line (COPFLOW_USER, an address): the environment's, else the home folder's
    # settings.env (the demo's names its OD manager, so the commands it prints run as printed).
    user: str | None = None
    # The programme's mailbox, read back (docs/mailbox.md): an IMAP server (COPFLOW_IMAP_*), else the local Maildir
    # folder COPFLOW_INBOX_MAILDIR (default <home>/inbox).
    imap: ImapSettings | None = None
    inbox_maildir: Path | None = None

    @property
    def server_mode(self) -> bool:
        """Server mode: a Prefect server's workers run the flows (deliveries follow the events copflow emits).
        Embedded (no server): each flow runs in the process that asks for it, delivery included."""
        return self.prefect_api_url is not None

    def policy(self) -> Policy:
        """The policy file's (or the defaults), with the programme named after COPFLOW_SENDER's display name when
        the policy names none: the documents copflow writes (report PDFs, lessons drafts) carry it as author."""
        policy = self._policy_file()
        if policy.programme_name:
            return policy
        name = parseaddr(self.sender)[0].strip()
        return replace(policy, programme_name=name[:200]) if name and name.isprintable() else policy

    def _policy_file(self) -> Policy:
        if self.policy_file is None:
            return Policy()
        try:
            with self.policy_file.open(encoding="utf-8") as f:
                text = f.read(MAX_POLICY_CHARS + 1)  # bounded: load_policy refuses anything longer
        except OSError as exc:
            raise SettingsError(f"COPFLOW_POLICY: cannot read {self.policy_file}: {exc.strerror}",
                                field="COPFLOW_POLICY", value=str(self.policy_file)) from None
        except UnicodeDecodeError:
            raise SettingsError(f"COPFLOW_POLICY: {self.policy_file} is not UTF-8 text", field="COPFLOW_POLICY",
                                value=str(self.policy_file)) from None
        return load_policy(text, str(self.policy_file))


def prefect_server(env: Mapping[str, str] | None = None) -> str | None:
    """The mode, detected once for everyone: the Prefect server's API (PREFECT_API_URL), None when embedded."""
    return (os.environ if env is None else env).get("PREFECT_API_URL") or None


HOME_SETTINGS = "settings.env"


def home_settings(home: Path) -> dict[str, str]:
    """COPFLOW_* settings kept in the home folder (`settings.env`, KEY=VALUE a line, # for comments): every
    command run with that COPFLOW_HOME reads them (the demo writes its sender there); the environment wins."""
    path = home / HOME_SETTINGS
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, sep, value = text.partition("=")
        key = key.strip()
        if not sep or not key.startswith("COPFLOW_") or key == "COPFLOW_HOME":
            raise SettingsError(f"{path} line {number} must be COPFLOW_<NAME>=value (not COPFLOW_HOME), "
                                f"not {text!r}", field=str(path), value=text)
        out[key] = value.strip()
    return out


def load_settings(env: dict[str, str] | None = None) -> Settings:
    e = dict(os.environ if env is None else env)
    home = Path(e.get("COPFLOW_HOME") or Path.home() / ".local" / "share" / "copflow").expanduser()
    e = {**home_settings(home), **{k: v for k, v in e.items() if v}}
    url = e.get("COPFLOW_DATABASE_URL") or f"sqlite:///{home / 'copflow.db'}"
    smtp = smtp_settings(e)
    policy = e.get("COPFLOW_POLICY")
    return Settings(
        home=home,
        database_url=url,
        maildir=Path(e.get("COPFLOW_MAILDIR") or home / "maildir").expanduser(),
        archive_dir=Path(e.get("COPFLOW_ARCHIVE_DIR") or home / "archives").expanduser(),
        reports_dir=Path(e.get("COPFLOW_REPORTS_DIR") or home / "reports").expanduser(),
        sender=e.get("COPFLOW_SENDER") or "copflow <copflow@localhost>",
        od_manager_email=e.get("COPFLOW_OD_MANAGER_EMAIL") or None,
        smtp=smtp,
        policy_file=Path(policy).expanduser() if policy else None,
        base_url=e.get("COPFLOW_BASE_URL") or None,
        web_url=_web_url(e.get("COPFLOW_WEB_URL")),
        web_trusted_user_header=e.get("COPFLOW_WEB_TRUSTED_USER_HEADER") or None,
        web_trusted_proxies=_proxies(e.get("COPFLOW_WEB_TRUSTED_PROXIES")),
        prefect_api_url=prefect_server(e),
        prefect_ui_url=e.get("PREFECT_UI_URL") or None,
        reply_to=_reply_to(e.get("COPFLOW_REPLY_TO")),
        organizer_email=_organizer(e.get("COPFLOW_ORGANIZER_EMAIL")),
        organizer_plus=_flag("COPFLOW_ORGANIZER_PLUS", e.get("COPFLOW_ORGANIZER_PLUS"), False),
        console=console_settings(e),
        link_key=_key("COPFLOW_LINK_KEY", e.get("COPFLOW_LINK_KEY")),
        link_key_file=Path(e["COPFLOW_LINK_KEY_FILE"]).expanduser() if e.get("COPFLOW_LINK_KEY_FILE")
        else home / "link.key",
        channel_key=_key("COPFLOW_CHANNEL_KEY", e.get("COPFLOW_CHANNEL_KEY")),
        channel_key_file=Path(e["COPFLOW_CHANNEL_KEY_FILE"]).expanduser() if e.get("COPFLOW_CHANNEL_KEY_FILE")
        else home / "channel.key",
        chat_timeout=_seconds("COPFLOW_CHAT_TIMEOUT", e.get("COPFLOW_CHAT_TIMEOUT"), 10.0),
        user=e.get("COPFLOW_USER") or None,
        imap=imap_settings(e),
        inbox_maildir=Path(e.get("COPFLOW_INBOX_MAILDIR") or home / "inbox").expanduser(),
    )


def _key(variable: str, value: str | None) -> str | None:
    """A key given in the environment (COPFLOW_LINK_KEY, COPFLOW_CHANNEL_KEY): never repeated in an error."""
    if not value:
        return None
    if len(value.strip()) < 32:
        raise SettingsError(f"{variable} must be at least 32 characters of random text (e.g. the output of "
                            "`openssl rand -base64 32`)", field=variable)
    return value.strip()


def _seconds(name: str, value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        n = float(value)
    except ValueError:
        n = -1
    if not 0 < n <= 300:
        raise SettingsError(f"{name} must be a number of seconds from 1 to 300, not {value!r}", field=name,
                            value=value)
    return n


def _reply_to(value: str | None) -> str | None:
    """COPFLOW_REPLY_TO: one address, optionally with a name ("CoP programme <cop-programme@uni.example.org>")."""
    if not value or not value.strip():
        return None
    _, addr = parseaddr(value)
    local, _, domain = addr.partition("@")
    if not local or "." not in domain or "," in value:
        raise SettingsError(f"COPFLOW_REPLY_TO must be one e-mail address, not {value!r}", field="COPFLOW_REPLY_TO",
                            value=value)
    return value.strip()


def _proxies(value: str | None) -> tuple[str, ...]:
    """COPFLOW_WEB_TRUSTED_PROXIES: addresses or networks, separated by commas ("127.0.0.1, 10.0.0.0/8")."""
    import ipaddress

    out = []
    for item in (value or "").replace(" ", ",").split(","):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise SettingsError(f"COPFLOW_WEB_TRUSTED_PROXIES must list the reverse proxies' addresses or networks "
                                f"(e.g. 127.0.0.1 or 10.0.0.0/8), separated by commas, not {item!r}",
                                field="COPFLOW_WEB_TRUSTED_PROXIES", value=item) from None
    return tuple(out)


def _web_url(value: str | None) -> str:
    if not value:
        return "http://127.0.0.1:8000"
    url = value.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or any(c in url for c in ' "<>?#'):
        raise SettingsError(f"COPFLOW_WEB_URL must be an http(s) address such as https://cops.example.org, "
                            f"not {value!r}")
    return url


def _organizer(value: str | None) -> str | None:
    """COPFLOW_ORGANIZER_EMAIL: one bare address (calendars reply to it), without a plus part of its own."""
    if not value or not value.strip():
        return None
    addr = value.strip()
    local, _, domain = addr.partition("@")
    if not local or "." not in domain or "+" in local or any(c in addr for c in " ,<>;\"\\"):
        raise SettingsError(f"COPFLOW_ORGANIZER_EMAIL must be one address such as cop-programme@uni.example.org, "
                            f"not {value!r}", field="COPFLOW_ORGANIZER_EMAIL", value=value)
    return addr.lower()

