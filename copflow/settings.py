"""Settings from the environment, read when asked for (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lifecycle import CopflowError, Policy, load_policy


class SettingsError(CopflowError, ValueError):
    """A COPFLOW_* variable has a value copflow cannot use (`field` names the variable)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    ssl: bool
    timeout: float

    def __repr__(self) -> str:  # the password must never reach a log line or a traceback
        return f"SmtpSettings(host={self.host!r}, port={self.port}, username={self.username!r}, password=***)"


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

    def policy(self) -> Policy:
        if self.policy_file is None:
            return Policy()
        try:
            text = self.policy_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"COPFLOW_POLICY: cannot read {self.policy_file}: {exc.strerror}",
                                field="COPFLOW_POLICY", value=str(self.policy_file)) from None
        except UnicodeDecodeError:
            raise SettingsError(f"COPFLOW_POLICY: {self.policy_file} is not UTF-8 text", field="COPFLOW_POLICY",
                                value=str(self.policy_file)) from None
        return load_policy(text, str(self.policy_file))


def _flag(name: str, value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}", field=name, value=value)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    e = dict(os.environ if env is None else env)
    home = Path(e.get("COPFLOW_HOME") or Path.home() / ".local" / "share" / "copflow").expanduser()
    url = e.get("COPFLOW_DATABASE_URL") or f"sqlite:///{home / 'copflow.db'}"
    smtp = None
    if e.get("COPFLOW_SMTP_HOST"):
        ssl = _flag("COPFLOW_SMTP_SSL", e.get("COPFLOW_SMTP_SSL"), False)
        port_text = e.get("COPFLOW_SMTP_PORT") or ("465" if ssl else "25")
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"COPFLOW_SMTP_PORT must be a port number, not {port_text!r}",
                                field="COPFLOW_SMTP_PORT", value=port_text) from None
        smtp = SmtpSettings(
            host=e["COPFLOW_SMTP_HOST"],
            port=port,
            username=e.get("COPFLOW_SMTP_USERNAME") or None,
            password=e.get("COPFLOW_SMTP_PASSWORD") or None,
            starttls=_flag("COPFLOW_SMTP_STARTTLS", e.get("COPFLOW_SMTP_STARTTLS"), False),
            ssl=ssl,
            timeout=float(e.get("COPFLOW_SMTP_TIMEOUT") or 30),
        )
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
    )
