"""The OD manager's console: how people sign in to it and who is an OD manager (COPFLOW_OIDC_*,
COPFLOW_CONSOLE_*). Read with the other settings (copflow/settings.py), never at import time.

The console has no passwords of its own: an OpenID Connect provider (Microsoft Entra ID, Google Workspace, any
issuer) signs people in, or a reverse proxy that signs people in names them in a trusted header
(COPFLOW_WEB_TRUSTED_USER_HEADER, docs/web.md). Plain HTTP to the provider is accepted only on this machine's
loopback (a test's provider, 127.0.0.1): anywhere else a token would cross the network in clear."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lifecycle import CopflowError

HOW_TO_CONFIGURE = ("set COPFLOW_OIDC_ISSUER, COPFLOW_OIDC_CLIENT_ID and COPFLOW_OIDC_CLIENT_SECRET (your identity "
                    "provider: Microsoft Entra ID, Google Workspace or any OpenID Connect issuer), or put copflow "
                    "behind a reverse proxy that signs people in and set COPFLOW_WEB_TRUSTED_USER_HEADER; name the "
                    "OD managers in COPFLOW_CONSOLE_MANAGERS (addresses) or COPFLOW_CONSOLE_MANAGER_GROUPS (a group "
                    "claim). See docs/console.md")


class ConsoleSettingsError(CopflowError, ValueError):
    """A COPFLOW_OIDC_* or COPFLOW_CONSOLE_* variable copflow cannot use (`field` names the variable)."""


def is_loopback(host: str | None) -> bool:
    """Whether `host` names this machine's loopback (127.0.0.0/8, ::1, localhost)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secure_or_loopback(url: str) -> bool:
    """An https address, or plain http to this machine's loopback only (never across a network)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))


@dataclass(frozen=True)
class OidcSettings:
    """The console's OpenID Connect client: the issuer (its discovery document is at
    <issuer>/.well-known/openid-configuration), and the client id and secret it was registered with."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    groups_claim: str = "groups"  # Entra ID: "groups" (object ids) or "roles" (app roles); Google: a custom claim

    def __repr__(self) -> str:  # the secret must never reach a log line or a traceback
        return (f"OidcSettings(issuer={self.issuer!r}, client_id={self.client_id!r}, client_secret=***, "
                f"scopes={self.scopes!r}, groups_claim={self.groups_claim!r})")

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"


@dataclass(frozen=True)
class ConsoleSettings:
    """Who may use the console and for how long a sign-in lasts."""

    oidc: OidcSettings | None = None
    managers: frozenset[str] = field(default_factory=frozenset)  # addresses, lower case
    manager_groups: frozenset[str] = field(default_factory=frozenset)  # values of the group claim
    session_hours: float = 8.0  # a sign-in lasts at most this long
    idle_minutes: float = 60.0  # and ends sooner after this long unused
    sign_out_url: str | None = None  # behind a signing-in proxy: its own sign-out address
    # Behind a signing-in proxy: the header in which it lists the signed-in person's groups (oauth2-proxy's
    # X-Forwarded-Groups), believed only on a request that came from one of COPFLOW_WEB_TRUSTED_PROXIES.
    groups_header: str | None = None

    def is_manager(self, email: str, groups: tuple[str, ...] | list[str] = ()) -> bool:
        return email.strip().lower() in self.managers or bool(self.manager_groups.intersection(groups))


def _items(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").replace(";", ",").split(",") if x.strip()]


def _number(e: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    text = e.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not low <= value <= high:
        raise ConsoleSettingsError(f"{name} must be a number from {low:g} to {high:g}, not {text!r}", field=name,
                                   value=text)
    return value


def _secret(e: Mapping[str, str]) -> str:
    secret, secret_file = e.get("COPFLOW_OIDC_CLIENT_SECRET"), e.get("COPFLOW_OIDC_CLIENT_SECRET_FILE")
    if bool(secret) == bool(secret_file):
        raise ConsoleSettingsError("COPFLOW_OIDC_ISSUER needs the client secret in COPFLOW_OIDC_CLIENT_SECRET or "
                                   "COPFLOW_OIDC_CLIENT_SECRET_FILE, one of the two",
                                   field="COPFLOW_OIDC_CLIENT_SECRET")
    if secret:
        return secret
    assert secret_file is not None
    path = Path(secret_file).expanduser()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConsoleSettingsError(f"COPFLOW_OIDC_CLIENT_SECRET_FILE: cannot read {path}: {reason}",
                                   field="COPFLOW_OIDC_CLIENT_SECRET_FILE", value=str(path)) from None
    if not text:
        raise ConsoleSettingsError(f"COPFLOW_OIDC_CLIENT_SECRET_FILE: {path} is empty",
                                   field="COPFLOW_OIDC_CLIENT_SECRET_FILE", value=str(path))
    return text


def _oidc(e: Mapping[str, str]) -> OidcSettings | None:
    issuer = (e.get("COPFLOW_OIDC_ISSUER") or "").strip().rstrip("/")
    if not issuer:
        return None
    if not secure_or_loopback(issuer):
        raise ConsoleSettingsError(f"COPFLOW_OIDC_ISSUER must be an https address (plain http only to 127.0.0.1, for "
                                   f"a test's provider), not {issuer!r}", field="COPFLOW_OIDC_ISSUER", value=issuer)
    client_id = (e.get("COPFLOW_OIDC_CLIENT_ID") or "").strip()
    if not client_id:
        raise ConsoleSettingsError("COPFLOW_OIDC_ISSUER needs COPFLOW_OIDC_CLIENT_ID (the application's client id)",
                                   field="COPFLOW_OIDC_CLIENT_ID")
    scopes = " ".join(_items((e.get("COPFLOW_OIDC_SCOPES") or "openid email profile").replace(" ", ",")))
    if "openid" not in scopes.split():
        raise ConsoleSettingsError(f"COPFLOW_OIDC_SCOPES must include openid, not {scopes!r}",
                                   field="COPFLOW_OIDC_SCOPES", value=scopes)
    return OidcSettings(issuer, client_id, _secret(e), scopes,
                        (e.get("COPFLOW_OIDC_GROUPS_CLAIM") or "groups").strip())


def _groups_header(e: Mapping[str, str]) -> str | None:
    """COPFLOW_WEB_TRUSTED_GROUPS_HEADER: only beside the user's header, and only with the proxies named whose
    requests may carry it (a client reaching copflow directly could otherwise name its own groups)."""
    name = (e.get("COPFLOW_WEB_TRUSTED_GROUPS_HEADER") or "").strip()
    if not name:
        return None
    if not name.replace("-", "").replace("_", "").isalnum() or len(name) > 100:
        raise ConsoleSettingsError(f"COPFLOW_WEB_TRUSTED_GROUPS_HEADER must be a header's name such as "
                                   f"X-Forwarded-Groups, not {name!r}", field="COPFLOW_WEB_TRUSTED_GROUPS_HEADER",
                                   value=name)
    for needed, why in (("COPFLOW_WEB_TRUSTED_USER_HEADER", "the header naming who is signed in"),
                        ("COPFLOW_WEB_TRUSTED_PROXIES", "the signing-in proxy's address, the only one believed")):
        if not (e.get(needed) or "").strip():
            raise ConsoleSettingsError(f"COPFLOW_WEB_TRUSTED_GROUPS_HEADER needs {needed} ({why})", field=needed)
    return name


def console_settings(e: Mapping[str, str]) -> ConsoleSettings:
    """The console's settings from the merged environment (the home folder's settings.env under the environment).
    The OD manager of COPFLOW_OD_MANAGER_EMAIL is always one of the console's managers."""
    managers = {x.lower() for x in _items(e.get("COPFLOW_CONSOLE_MANAGERS"))}
    for address in managers:
        local, _, domain = address.partition("@")
        if not local or "." not in domain:
            raise ConsoleSettingsError(f"COPFLOW_CONSOLE_MANAGERS must list e-mail addresses, separated by commas, "
                                       f"not {address!r}", field="COPFLOW_CONSOLE_MANAGERS", value=address)
    if e.get("COPFLOW_OD_MANAGER_EMAIL"):
        managers.add(e["COPFLOW_OD_MANAGER_EMAIL"].strip().lower())
    oidc = _oidc(e)
    groups = frozenset(_items(e.get("COPFLOW_CONSOLE_MANAGER_GROUPS")))
    if oidc is not None and not managers and not groups:
        raise ConsoleSettingsError("COPFLOW_OIDC_ISSUER needs the OD managers named: COPFLOW_CONSOLE_MANAGERS "
                                   "(addresses) or COPFLOW_CONSOLE_MANAGER_GROUPS (values of the group claim)",
                                   field="COPFLOW_CONSOLE_MANAGERS")
    sign_out = (e.get("COPFLOW_CONSOLE_SIGN_OUT_URL") or "").strip() or None
    if sign_out and not ((sign_out.startswith("/") and not sign_out.startswith("//")) or secure_or_loopback(sign_out)):
        raise ConsoleSettingsError(f"COPFLOW_CONSOLE_SIGN_OUT_URL must be a path on this site (e.g. "
                                   f"/oauth2/sign_out) or an https address, not {sign_out!r}",
                                   field="COPFLOW_CONSOLE_SIGN_OUT_URL", value=sign_out)
    return ConsoleSettings(
        oidc=oidc, managers=frozenset(managers), manager_groups=groups, groups_header=_groups_header(e),
        session_hours=_number(e, "COPFLOW_CONSOLE_SESSION_HOURS", 8.0, 0.25, 24.0 * 7),
        idle_minutes=_number(e, "COPFLOW_CONSOLE_IDLE_MINUTES", 60.0, 5.0, 24.0 * 60),
        sign_out_url=sign_out)
