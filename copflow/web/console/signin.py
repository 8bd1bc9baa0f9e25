"""Signing in to the console and out of it: /console/sign-in (the page, or straight to the provider),
/console/signed-in (the provider's redirect back), /console/sign-out and /console/signed-out.

The demo's sign-in (`copflow web --console-demo`) signs in the configured OD manager without a provider, and only
for a browser on this machine: `copflow web` refuses it on any other interface, and each request is checked too."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from copflow.console_settings import is_loopback
from copflow.web.console.guard import SCOPE_KEY, ConsoleMode, bare, mode_of, name_of, not_configured, signed_in
from copflow.web.console.oidc import (
    SignInFailed,
    checked_metadata,
    forget_login,
    identity,
    keep_login,
    load_login,
    provider_sign_out,
)
from copflow.web.console.sessions import COOKIE, end_with_hint, start
from copflow.web.pages import page, read_form, web


def routes() -> list[Route]:
    return [Route("/console/sign-in", sign_in, methods=["GET", "POST"]),
            Route("/console/signed-in", signed_in_callback, methods=["GET"]),
            Route("/console/sign-out", sign_out, methods=["POST"]),
            Route("/console/signed-out", signed_out, methods=["GET"])]


def _next(value: str | None) -> str:
    """Where to go after signing in: a console page of this site only (never another site's address)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value \
            and not value.startswith(("/console/sign-in", "/console/signed-")):
        return value
    return "/console"


async def sign_in(request: Request) -> Response:
    mode = mode_of(request)
    if mode.how is None:
        return not_configured(request, mode)
    back = _next(request.query_params.get("next"))
    if await signed_in(request) is not None:
        return RedirectResponse(back, status_code=303)
    if mode.how == "oidc":
        return await _to_provider(request, mode, back)
    if mode.how == "demo":
        return await _demo(request, back)
    sign_out = web(request).settings.console.sign_out_url
    return bare(request, "sign_in.html.j2", {"how": mode.how, "back": back, "sign_out_url": sign_out,
                                                      "demo_user": None}, status=401)


async def _to_provider(request: Request, mode: ConsoleMode, back: str) -> Response:
    w = web(request)
    oidc = w.settings.console.oidc
    assert oidc is not None
    client = mode.oidc_client(oidc)
    try:
        await checked_metadata(client, oidc)
    except SignInFailed as exc:
        return _failed(request, exc)
    request.scope["session"] = {}  # what authlib keeps for the way back: into the signed login cookie
    answer: Response = await client.authorize_redirect(request, f"{w.settings.web_url}/console/signed-in")
    keep_login(answer, {"state": request.scope["session"], "next": back}, w.csrf.key)
    return answer


async def signed_in_callback(request: Request) -> Response:
    """The provider's redirect back: the code exchanged for tokens, the ID token validated, a session started."""
    from authlib.integrations.base_client import OAuthError

    mode, w = mode_of(request), web(request)
    oidc = w.settings.console.oidc
    if mode.how != "oidc" or oidc is None:
        return not_configured(request, mode) if mode.how is None else RedirectResponse("/console/sign-in", 303)
    login = load_login(request, w.csrf.key)
    if not login:
        return _failed(request, SignInFailed("this sign-in was started too long ago or in another browser"))
    client = mode.oidc_client(oidc)
    request.scope["session"] = dict(login.get("state") or {})
    try:
        await checked_metadata(client, oidc)
        token = await client.authorize_access_token(request)
        who = identity(dict(token.get("userinfo") or {}), oidc)
    except OAuthError as exc:
        return _failed(request, SignInFailed(f"the identity provider refused: {exc.description or exc.error}"))
    except SignInFailed as exc:
        return _failed(request, exc)
    id_token = str(token.get("id_token") or "") or None
    session = await run_in_threadpool(lambda: start(w.uow(), email=who.email, name=who.name, how="oidc",
                                                    groups=who.groups, now=w.now(), settings=w.settings.console,
                                                    id_token=id_token))
    return _signed_in_as(session, _next(login.get("next")), w.settings.console.session_hours)


def _signed_in_as(session: str, back: str, hours: float) -> Response:
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(COOKIE, session, max_age=int(hours * 3600), path="/", secure=True, httponly=True,
                        samesite="lax")
    forget_login(response)
    return response


def _failed(request: Request, exc: SignInFailed) -> Response:
    response = bare(request, "sign_in_failed.html.j2", {"reason": exc.words()}, status=400)
    forget_login(response)
    return response


async def _demo(request: Request, back: str) -> Response:
    """The demo's OD manager signs in with one button, from this machine only."""
    w = web(request)
    email = w.settings.od_manager_email
    if not email or not is_loopback((request.client or ("", 0))[0]):
        return page(request, "error.html.j2", {"status": 403, "message": "The demo's sign-in works only in a browser "
                                               "on the machine that runs copflow web."}, status=403)
    name = await run_in_threadpool(name_of, w, email)
    if request.method == "GET":
        return bare(request, "sign_in.html.j2", {"how": "demo", "back": back, "demo_user": name,
                                                          "demo_email": email, "sign_out_url": None})
    await read_form(request)
    session = await run_in_threadpool(lambda: start(w.uow(), email=email, name=name, how="demo", groups=(),
                                                    now=w.now(), settings=w.settings.console))
    return _signed_in_as(session, back, w.settings.console.session_hours)


async def sign_out(request: Request) -> Response:
    """Sign out: the session ends on the server now, and the cookie is removed; then, signed in through an identity
    provider that offers it, the provider's session ends too (RP-initiated logout), and it sends the browser back to
    /console/signed-out. Behind a signing-in proxy, to the proxy's sign-out address if one is set."""
    mode, w = mode_of(request), web(request)
    user = await signed_in(request)
    if user is not None:
        request.scope[SCOPE_KEY] = user.session
    await read_form(request)
    ended, hint = await run_in_threadpool(lambda: end_with_hint(w.uow(), request.cookies.get(COOKIE), now=w.now()))
    target = "/console/signed-out"
    if mode.how == "header" and w.settings.console.sign_out_url:
        target = w.settings.console.sign_out_url
    elif mode.how == "oidc" and ended and w.settings.console.oidc is not None:
        target = await provider_sign_out(mode, w.settings.console.oidc, hint, w.settings.web_url) or target
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


async def signed_out(request: Request) -> Response:
    return bare(request, "signed_out.html.j2", {})
