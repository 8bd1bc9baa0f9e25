"""Real protocol peers for XOAUTH2: a local OAuth 2.0 token endpoint (client-credentials grant, RFC 6749 §4.4;
with TLS it also answers Entra ID's OpenID discovery, so `msal` can use it) and an aiosmtpd server whose
XOAUTH2 mechanism accepts only live bearer tokens that endpoint issued."""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.smtp_server import RecordingHandler, free_port


class TokenEndpoint:
    """Issues bearer tokens to one client; `expire_all()` ends every token issued so far (as time or a revocation
    would), while the client still believes in its copy."""

    def __init__(self, client_id: str, client_secret: str, *, lifetime: int = 3600,
                 tls: ssl.SSLContext | None = None) -> None:
        self.client_id, self.client_secret, self.lifetime = client_id, client_secret, lifetime
        self.tokens: dict[str, float] = {}  # token → expiry (time.monotonic)
        self.events: Counter[str] = Counter()
        self.scopes: list[str] = []
        self.google: ServiceAccountKeys | None = None  # set: the JWT bearer grant of Google's service accounts too
        self.subjects: list[str] = []  # whom each service account token was for (domain-wide delegation)
        self.mailbox = "programme"  # whom a live token signs in as, when an IMAP server introspects it
        self.port = free_port()
        self.scheme = "https" if tls else "http"
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test's output clean
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # Entra ID's OpenID discovery, as msal reads it
                if self.path.endswith("/v2.0/.well-known/openid-configuration"):
                    base = f"{endpoint.scheme}://127.0.0.1:{endpoint.port}/{self.path.split('/')[1]}"
                    self._json(200, {"token_endpoint": f"{base}/oauth2/v2.0/token",
                                     "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                                     "issuer": f"{base}/v2.0"})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path.startswith("/introspect"):  # RFC 7662, as an IMAP server (Dovecot) checks a token
                    live = endpoint.valid(form.get("token", ""))
                    endpoint.events["introspected"] += 1
                    self._json(200, {"active": live, "username": endpoint.mailbox} if live else {"active": False})
                    return
                if form.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer" and endpoint.google:
                    claims = endpoint.google.check(form.get("assertion", ""), endpoint.url)
                    if claims is None:
                        endpoint.events["refused"] += 1
                        self._json(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
                        return
                    endpoint.subjects.append(str(claims["sub"]))
                    form["scope"] = str(claims["scope"])
                    form["grant_type"], form["client_id"], form["client_secret"] = (
                        "client_credentials", endpoint.client_id, endpoint.client_secret)
                if form.get("grant_type") != "client_credentials":
                    self._json(400, {"error": "unsupported_grant_type"})
                elif (form.get("client_id"), form.get("client_secret")) != (endpoint.client_id,
                                                                              endpoint.client_secret):
                    endpoint.events["refused"] += 1
                    self._json(401, {"error": "invalid_client",
                                     "error_description": "AADSTS7000215: Invalid client secret provided."})
                else:
                    token = secrets.token_urlsafe(24)
                    endpoint.tokens[token] = time.monotonic() + endpoint.lifetime
                    endpoint.events["issued"] += 1
                    endpoint.scopes.append(form.get("scope", ""))
                    self._json(200, {"access_token": token, "token_type": "Bearer",
                                     "expires_in": endpoint.lifetime})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if tls:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def valid(self, token: str) -> bool:
        return self.tokens.get(token, 0.0) > time.monotonic()

    def expire_all(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    def __enter__(self) -> TokenEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class ServiceAccountKeys:
    """A Google service account's key pair: the JSON key file copflow is given, and the check Google's token
    endpoint makes of an assertion (RS256 signature, issuer, audience, expiry)."""

    def __init__(self, client_email: str = "copflow@project.iam.gserviceaccount.com") -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.client_email = client_email
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode()

    def key_file(self, token_uri: str) -> dict[str, str]:
        return {"type": "service_account", "client_email": self.client_email, "private_key": self.pem,
                "token_uri": token_uri}

    def check(self, assertion: str, audience: str) -> dict[str, Any] | None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        def unb64(text: str) -> bytes:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

        try:
            head, body, signature = assertion.split(".")
            self.private.public_key().verify(unb64(signature), f"{head}.{body}".encode(), padding.PKCS1v15(),
                                             hashes.SHA256())
            claims: dict[str, Any] = json.loads(unb64(body))
        except (ValueError, InvalidSignature):
            return None
        ok = (json.loads(unb64(head)).get("alg") == "RS256" and claims.get("iss") == self.client_email
              and str(claims.get("aud", "")).startswith(audience) and claims.get("exp", 0) > time.time())
        return claims if ok else None


class XOAuth2Handler(RecordingHandler):
    """Accepts AUTH XOAUTH2 for `mailbox` with a live token from `endpoint`; otherwise the XOAUTH2 error
    challenge, then 535 (as Exchange Online and Gmail answer)."""

    def __init__(self, endpoint: TokenEndpoint, mailbox: str) -> None:
        super().__init__()
        self.endpoint, self.mailbox = endpoint, mailbox
        self.auth: Counter[str] = Counter()
        self.raw_auth: list[bytes] = []  # what clients sent, to show what a secret would have looked like

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        blob = base64.b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
        self.raw_auth.append(bytes(blob))
        fields = dict(p.split("=", 1) for p in bytes(blob).decode().split("\x01") if "=" in p)
        token = fields.get("auth", "").removeprefix("Bearer ")
        if fields.get("user") == self.mailbox and self.endpoint.valid(token):
            self.auth["accepted"] += 1
            return AuthResult(success=True, auth_data=self.mailbox)
        self.auth["535"] += 1
        await server.challenge_auth(json.dumps({"status": "401", "schemes": "Bearer", "scope": "smtp"}))
        return AuthResult(success=False, handled=False)


@contextmanager
def xoauth2_smtp(endpoint: TokenEndpoint, mailbox: str) -> Iterator[tuple[Controller, XOAuth2Handler]]:
    handler = XOAuth2Handler(endpoint, mailbox)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), auth_required=True,
                            auth_require_tls=False)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
