"""Signing in with OpenID Connect (authlib's Starlette client): the authorisation code flow with PKCE and a
nonce, the provider found by its discovery document, the ID token's signature checked against the provider's
keys and its issuer, audience, expiry and nonce validated by authlib.

What authlib keeps between the redirect to the provider and the way back (state, nonce, PKCE verifier, where to
return) rides in a short-lived cookie the server signs (`LOGIN_COOKIE`, SameSite=Lax so the provider's redirect
back carries it; HttpOnly, Secure), as Starlette's session would, without a second secret to manage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from copflow.console_settings import OidcSettings, secure_or_loopback
from copflow.services.errors import CopflowError

LOGIN_COOKIE = "__Host-copflow_console_login"
LOGIN_SECONDS = 600  # a sign-in must come back from the provider within ten minutes
MAX_COOKIE = 3000


class SignInFailed(CopflowError):
    """The provider's answer cannot be trusted or used: the reason is shown to the person, nothing is kept."""


@dataclass(frozen=True)
class Identity:
    email: str
    name: str
    groups: tuple[str, ...]


def make_client(oidc: OidcSettings) -> Any:
    import warnings

    with warnings.catch_warnings():  # authlib 1.9 nudges towards "httpx2", which is not released for us yet
        warnings.filterwarnings("ignore", message="The httpx module is deprecated")
        from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    return oauth.register("copflow", client_id=oidc.client_id, client_secret=oidc.client_secret,
                          server_metadata_url=oidc.metadata_url,
                          client_kwargs={"scope": oidc.scopes, "code_challenge_method": "S256", "timeout": 15})


async def checked_metadata(client: Any, oidc: OidcSettings) -> dict[str, Any]:
    """The provider's discovery document, refused unless it names the configured issuer and keeps every endpoint
    on https (or on this machine's loopback, for a test's provider)."""
    import httpx

    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except (httpx.HTTPError, ValueError) as exc:  # the provider unreachable, or not answering JSON
        raise SignInFailed(f"the identity provider's discovery document ({oidc.metadata_url}) could not be read "
                           f"({type(exc).__name__})") from None
    if str(metadata.get("issuer", "")).rstrip("/") != oidc.issuer:
        raise SignInFailed(f"the identity provider says it is {metadata.get('issuer')!r}, not {oidc.issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not secure_or_loopback(str(metadata.get(key, ""))):
            raise SignInFailed(f"the identity provider's {key} is not an https address")
    return metadata


async def provider_sign_out(mode: Any, oidc: OidcSettings, id_token: str | None, web_url: str) -> str | None:
    """The provider's sign-out address (its discovery document's `end_session_endpoint`, OpenID Connect
    RP-Initiated Logout 1.0) with the ID token as the hint of who is leaving and the console's signed-out page to
    come back to; None if the provider offers none or cannot be read (copflow's session has ended either way)."""
    from urllib.parse import urlencode, urlsplit

    try:
        metadata = await checked_metadata(mode.oidc_client(oidc), oidc)
    except SignInFailed:
        return None
    endpoint = str(metadata.get("end_session_endpoint") or "")
    if not secure_or_loopback(endpoint) or urlsplit(endpoint).fragment or _origin(endpoint) != _origin(oidc.issuer):
        return None  # the console's pages let their forms lead to the issuer's origin only (its CSP)
    query = {"client_id": oidc.client_id, "post_logout_redirect_uri": f"{web_url}/console/signed-out"}
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}{'&' if urlsplit(endpoint).query else '?'}{urlencode(query)}"


def _origin(url: str) -> tuple[str, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def identity(claims: dict[str, Any], oidc: OidcSettings) -> Identity:
    """Who the validated ID token names: their address (`email`, or Entra ID's `preferred_username`), name and
    group claim."""
    if claims.get("email_verified") is False:
        raise SignInFailed("the identity provider has not verified this account's e-mail address")
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 320:
        raise SignInFailed("the identity provider did not say this account's e-mail address (ask for the email "
                           "scope, or Entra ID's email claim)")
    raw = claims.get(oidc.groups_claim) or []
    groups = tuple(str(g) for g in raw) if isinstance(raw, list) else (str(raw),)
    return Identity(email, str(claims.get("name") or ""), groups)


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, f"console-login\x1f{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def load_login(request: Request, key: bytes) -> dict[str, Any]:
    """The sign-in under way in this browser (authlib's state, where to return), if the server signed it and it
    is not older than ten minutes; else an empty one."""
    raw = request.cookies.get(LOGIN_COOKIE, "")
    payload, _, mac = raw.rpartition(".")
    if not payload or len(raw) > MAX_COOKIE or not hmac.compare_digest(mac, _mac(key, payload)):
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int | float) or data["exp"] < time.time():
        return {}
    return data


def keep_login(response: Response, data: dict[str, Any], key: bytes) -> None:
    data = {**data, "exp": int(time.time()) + LOGIN_SECONDS}
    payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    response.set_cookie(LOGIN_COOKIE, f"{payload}.{_mac(key, payload)}", max_age=LOGIN_SECONDS, path="/",
                        secure=True, httponly=True, samesite="lax")


def forget_login(response: Response) -> None:
    response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
