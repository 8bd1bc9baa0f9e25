"""A real OpenID Connect provider for the console's tests, built on authlib's server side: discovery, the
authorisation code flow with PKCE and a nonce, a token endpoint that authenticates the client by its secret, and
ID tokens signed with an RSA key it makes at start (RS256, published at /jwks). It serves plain HTTP on 127.0.0.1,
the only place copflow accepts plain HTTP to a provider.

Its sign-in page lists the people it knows (`users`) as buttons: the browser test clicks one, as a person would
pick their account, and the provider redirects back to the console with a code. Its sign-out endpoint
(`end_session_endpoint`, OpenID Connect RP-Initiated Logout 1.0) checks the client, the ID token given as
`id_token_hint` (its own signature, issued to that client) and that `post_logout_redirect_uri` is registered, notes
who signed out (`Provider.signed_out`), and sends the browser back there."""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.models import ClientMixin
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

CLIENT_ID = "copflow-console"
CLIENT_SECRET = "console-test-secret-" + "x" * 16


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = field(default_factory=list)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Req(OAuth2Request):  # type: ignore[misc]
    """A Starlette request as authlib's server reads it (the query and the form, already read)."""

    def __init__(self, method: str, uri: str, headers: Any, data: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self._data = data
        self.payload = BasicOAuth2Payload(data)

    @property
    def args(self) -> dict[str, str]:
        return self._data

    @property
    def form(self) -> dict[str, str]:
        return self._data


class Provider(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, issuer: str, users: dict[str, dict[str, Any]], client: Client) -> None:
        super().__init__(scopes_supported=["openid", "email", "profile"])
        self.issuer, self.users, self.client = issuer, users, client
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig", "alg": "RS256"})
        self.codes: dict[str, Code] = {}
        self.tokens: list[dict[str, Any]] = []
        self.signed_out: list[str] = []  # the `sub` of each ID token a sign-out named
        self.register_token_generator("default", BearerTokenGenerator(lambda *a, **k: secrets.token_urlsafe(32)))
        provider = self

        class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: Req) -> None:
                data = request.payload.data
                provider.codes[code] = Code(code, request.client.client_id, data.get("redirect_uri", ""),
                                            data.get("scope", ""), request.user, data.get("nonce"),
                                            data.get("code_challenge"), data.get("code_challenge_method"))

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> dict[str, Any]:
                return authorization_code.user

        class IdToken(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, request: Req) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.key

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [client.get_client_id()], "exp": int(time.time()) + 300}

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": "test-1"}

            def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
                return UserInfo(user)

        self.register_grant(CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)])

    def query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    def save_token(self, token: dict[str, Any], request: Req) -> None:
        self.tokens.append(token)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def create_oauth2_request(self, request: Req) -> Req:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=dict(headers))
        return Response(body or "", status_code=status, headers=dict(headers))


async def _read(request: Request) -> Req:
    data = dict(request.query_params)
    if request.method == "POST":
        data.update(parse_qsl((await request.body()).decode(), keep_blank_values=True))
    return Req(request.method, str(request.url), request.headers, data)


def app_for(provider: Provider) -> Starlette:
    async def discovery(request: Request) -> Response:
        i = provider.issuer
        return JSONResponse({"issuer": i, "authorization_endpoint": f"{i}/authorize", "token_endpoint": f"{i}/token",
                             "jwks_uri": f"{i}/jwks", "response_types_supported": ["code"],
                             "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                             "code_challenge_methods_supported": ["S256"],
                             "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                             "end_session_endpoint": f"{i}/logout"})

    async def jwks(request: Request) -> Response:
        return JSONResponse({"keys": [provider.key.as_dict(private=False)]})

    async def authorize(request: Request) -> Response:
        req = await _read(request)
        if request.method == "GET":  # the sign-in page: the request checked first (client, redirect, PKCE)
            grant = provider.get_consent_grant(req)
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in req.payload.data.items())
            buttons = "".join(f'<button type="submit" name="account" value="{html.escape(sub)}">Sign in as '
                              f'{html.escape(u["name"])} ({html.escape(u["email"])})</button>'
                              for sub, u in provider.users.items())
            return HTMLResponse(f"<!doctype html><html lang=en><title>Test identity provider</title><h1>Sign in"
                                f"</h1><p>for {html.escape(grant.client.client_id)}</p><form method=post>{hidden}"
                                f"{buttons}</form></html>")
        user = provider.users.get(req.payload.data.get("account", ""))
        return provider.create_authorization_response(req, grant_user=user)  # type: ignore[no-any-return]

    async def token(request: Request) -> Response:
        return provider.create_token_response(await _read(request))  # type: ignore[no-any-return]

    async def logout(request: Request) -> Response:
        from joserfc import jwt
        from joserfc.errors import JoseError

        q = request.query_params
        back = q.get("post_logout_redirect_uri", "")
        if q.get("client_id") != provider.client.client_id or back not in provider.client.post_logout_redirect_uris:
            return HTMLResponse("unknown client or post_logout_redirect_uri", status_code=400)
        try:
            claims = jwt.decode(q.get("id_token_hint", ""), provider.key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            return HTMLResponse("id_token_hint is not an ID token of this provider", status_code=400)
        audience = claims.get("aud")
        if claims.get("iss") != provider.issuer or provider.client.client_id not in (
                audience if isinstance(audience, list) else [audience]):
            return HTMLResponse("id_token_hint was issued to another client", status_code=400)
        provider.signed_out.append(str(claims.get("sub")))
        return Response(status_code=302, headers={"location": back})

    return Starlette(routes=[Route("/.well-known/openid-configuration", discovery), Route("/logout", logout),
                             Route("/jwks", jwks), Route("/authorize", authorize, methods=["GET", "POST"]),
                             Route("/token", token, methods=["POST"])])


@contextmanager
def oidc_provider(port: int, users: dict[str, dict[str, Any]], redirect_uri: str,
                  post_logout_redirect_uri: str = "") -> Iterator[Provider]:
    """The provider on http://127.0.0.1:<port>, in a thread of this process, for one test."""
    import uvicorn

    provider = Provider(f"http://127.0.0.1:{port}", users,
                        Client(CLIENT_ID, CLIENT_SECRET, [redirect_uri], [post_logout_redirect_uri]))
    server = uvicorn.Server(uvicorn.Config(app_for(provider), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the test identity provider did not start")
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
