"""OAuth 2.0 access tokens for XOAUTH2 (SMTP, and IMAP for the programme's mailbox): the client-credentials grant
(RFC 6749 §4.4), from Microsoft Entra ID through `msal` or from any OAuth 2.0 token URL; and Google Workspace's
service account with domain-wide delegation (the JWT bearer grant, RFC 7523). Tokens are kept until shortly
before they expire.

The client secret is held privately, never put in a repr, an error or a log line; an error names the endpoint,
the client id and the endpoint's error code only.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

from lifecycle.errors import CopflowError

# A token is fetched again this long before its expiry, so none expires between fetch and use.
REFRESH_MARGIN = 120.0


class TokenRefused(CopflowError):
    """The token endpoint would not issue a token (a wrong secret, an unknown client, no such tenant)."""


class TokenSource(Protocol):
    def token(self, *, refresh: bool = False) -> str: ...

    def describe(self) -> str: ...


class _Cached:
    """A token and the clock time (seconds) from which it must be fetched again."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def get(self, fetch: Callable[[], tuple[str, float]], refresh: bool) -> str:
        with self._lock:
            now = self.clock()
            if refresh or self._token is None or now >= self._renew_at:
                token, lifetime = fetch()
                self._token, self._renew_at = token, now + max(lifetime - REFRESH_MARGIN, 0.0)
            return self._token


class ClientCredentials:
    """Any OAuth 2.0 token URL (Entra ID's v2.0 endpoint, Okta, Keycloak, a university's own)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, scope: str, *, timeout: float = 30.0,
                 clock: Callable[[], float] = time.time, ssl_context: ssl.SSLContext | None = None) -> None:
        self.token_url, self.client_id, self.scope = token_url, client_id, scope
        self.__secret = client_secret
        self.timeout, self.ssl_context = timeout, ssl_context
        self._cache = _Cached(clock)
        self.fetches = 0

    def __repr__(self) -> str:
        return f"ClientCredentials({self.token_url!r}, client_id={self.client_id!r}, client_secret=***)"

    def describe(self) -> str:
        return f"OAuth 2.0 token endpoint {self.token_url} (client {self.client_id})"

    def token(self, *, refresh: bool = False) -> str:
        return self._cache.get(self._fetch, refresh)

    def _fetch(self) -> tuple[str, float]:
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": self.client_id,
                                       "client_secret": self.__secret, "scope": self.scope}).encode()
        request = urllib.request.Request(self.token_url, data=form, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        self.fetches += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.ssl_context) as response:
                body: dict[str, Any] = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = _oauth_error(exc.read(), exc.code).replace(self.__secret, "***")
            raise TokenRefused(f"{self.describe()} refused a token: {detail}") from None
        except (OSError, ValueError) as exc:
            raise TokenRefused(f"{self.describe()} could not be reached: {type(exc).__name__}: "
                               f"{_one_line(str(exc)).replace(self.__secret, '***')}") from None
        return _token_of(body, self.describe())


class EntraClientCredentials:
    """Microsoft Entra ID (Microsoft 365) through `msal`, which also keeps the token until shortly before expiry.

    `authority` is the tenant's authority URL, e.g. https://login.microsoftonline.com/<tenant id>.
    """

    def __init__(self, authority: str, client_id: str, client_secret: str, scope: str, *,
                 verify: bool | str = True, timeout: float = 30.0) -> None:
        self.authority, self.client_id, self.scope = authority.rstrip("/"), client_id, scope
        self.__secret = client_secret
        self.verify, self.timeout = verify, timeout
        self._app: Any = None
        self._lock = threading.Lock()
        self.fetches = 0

    def __repr__(self) -> str:
        return f"EntraClientCredentials({self.authority!r}, client_id={self.client_id!r}, client_secret=***)"

    def describe(self) -> str:
        return f"Microsoft Entra ID {self.authority} (client {self.client_id})"

    def token(self, *, refresh: bool = False) -> str:
        import msal  # only where Microsoft 365 is used: msal pulls in requests and PyJWT

        with self._lock:
            if self._app is None or refresh:  # a fresh app has an empty cache: the next call asks Entra again
                try:
                    self._app = msal.ConfidentialClientApplication(
                        self.client_id, client_credential=self.__secret, authority=self.authority,
                        verify=self.verify, timeout=self.timeout, instance_discovery=False)
                except ValueError as exc:
                    raise TokenRefused(f"{self.describe()}: {_one_line(str(exc))}") from None
                except Exception as exc:  # msal reaches the tenant's metadata while it is built
                    raise TokenRefused(f"{self.describe()} could not be reached: {type(exc).__name__}") from None
            try:
                result: dict[str, Any] = self._app.acquire_token_for_client(scopes=[self.scope])
            except Exception as exc:  # requests' own errors (refused, TLS, timeout)
                raise TokenRefused(f"{self.describe()} could not be reached: {type(exc).__name__}") from None
        if "access_token" not in result:
            detail = _oauth_error(json.dumps(result).encode(), 400).replace(self.__secret, "***")
            raise TokenRefused(f"{self.describe()} refused a token: {detail}")
        if result.get("token_source") == "identity_provider":
            self.fetches += 1
        return str(result["access_token"])


class GoogleServiceAccount:
    """Google Workspace: a service account with domain-wide delegation acting as `subject` (the mailbox copflow
    uses), through the JWT bearer grant (RFC 7523) at its key's token_uri; the assertion is signed RS256 with the
    key's private key (`cryptography`)."""

    def __init__(self, key: dict[str, str], subject: str, scope: str, *, timeout: float = 30.0,
                 clock: Callable[[], float] = time.time, ssl_context: ssl.SSLContext | None = None) -> None:
        self.client_email, self.token_url = key["client_email"], key["token_uri"]
        self.__private_key = key["private_key"]
        self.subject, self.scope, self.timeout, self.ssl_context = subject, scope, timeout, ssl_context
        self._clock = clock
        self._cache = _Cached(clock)
        self.fetches = 0

    def __repr__(self) -> str:
        return f"GoogleServiceAccount({self.client_email!r}, subject={self.subject!r}, private_key=***)"

    def describe(self) -> str:
        return f"Google service account {self.client_email} (acting as {self.subject})"

    def token(self, *, refresh: bool = False) -> str:
        return self._cache.get(self._fetch, refresh)

    def assertion(self) -> str:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        def part(value: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()

        now = int(self._clock())
        signing = (part({"alg": "RS256", "typ": "JWT"}) + "." + part({
            "iss": self.client_email, "sub": self.subject, "scope": self.scope, "aud": self.token_url,
            "iat": now, "exp": now + 3600})).encode()
        try:
            key = serialization.load_pem_private_key(self.__private_key.encode(), password=None)
        except ValueError:
            raise TokenRefused(f"{self.describe()}: its private_key is not a PEM RSA key") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TokenRefused(f"{self.describe()}: its private_key is not an RSA key")
        signature = key.sign(signing, padding.PKCS1v15(), hashes.SHA256())
        return signing.decode() + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()

    def _fetch(self) -> tuple[str, float]:
        form = urllib.parse.urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                       "assertion": self.assertion()}).encode()
        request = urllib.request.Request(self.token_url, data=form, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        self.fetches += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.ssl_context) as response:
                body: dict[str, Any] = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise TokenRefused(f"{self.describe()} was refused a token: {_oauth_error(exc.read(), exc.code)}") from None
        except (OSError, ValueError) as exc:
            raise TokenRefused(f"{self.describe()} could not reach {self.token_url}: {type(exc).__name__}") from None
        return _token_of(body, self.describe())


def _token_of(body: dict[str, Any], where: str) -> tuple[str, float]:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise TokenRefused(f"{where} answered without an access_token")
    try:
        lifetime = float(body.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600.0
    return token, lifetime


def _oauth_error(raw: bytes, status: int) -> str:
    """RFC 6749 §5.2's `error` code and the first line of its description; never the request."""
    try:
        body = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return f"HTTP {status}"
    if not isinstance(body, dict):
        return f"HTTP {status}"
    code = str(body.get("error") or f"HTTP {status}")
    description = _one_line(str(body.get("error_description") or ""))[:200]
    return f"{code} ({description})" if description else code


def _one_line(text: str) -> str:
    return " ".join(text.split())


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (Google's and Microsoft's format), before base64."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"
