"""The one preamble of every console page: who is signed in (the console's session, or the signing-in proxy's
header), whether they are one of the programme's OD managers, and for a POST the form after its CSRF check.
Handlers receive a `Console` and do only their own work; none of them can be reached without a session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from copflow.console_settings import HOW_TO_CONFIGURE, OidcSettings, is_loopback, secure_or_loopback
from copflow.web.console.sessions import COOKIE, MAX_GROUPS, ConsoleUser, clean_name, find
from copflow.web.pages import Web, page, read_form, trusted_user, web
from copflow.web.security import from_trusted_proxy

SCOPE_KEY = "copflow.console"  # the request's console session, to which its forms' CSRF tokens are bound
NAV = (("", "Portfolio"), ("/cops/new", "New community"), ("/import", "Import a file"), ("/outbox", "Mail"),
       ("/links", "Links"), ("/people", "People"))  # paths under /console


@dataclass
class ConsoleMode:
    """How the console signs people in: "oidc", "header" (a signing-in proxy), "demo" (the demo's OD manager, on
    127.0.0.1 only), or None with the reason it is off."""

    how: str | None
    why_off: str = ""
    client: Any = None  # the OpenID Connect client (authlib), made on first sign-in

    def oidc_client(self, oidc: OidcSettings) -> Any:
        """One client per process: the provider's discovery document and keys are read once."""
        if self.client is None:
            from copflow.web.console.oidc import make_client

            self.client = make_client(oidc)
        return self.client


def console_mode(w: Web, *, demo: bool) -> ConsoleMode:
    s = w.settings
    if not secure_or_loopback(s.web_url):
        return ConsoleMode(None, f"The console needs COPFLOW_WEB_URL to be an https address (it is {s.web_url}): its "
                                 "sign-in cookie is sent over https only.")
    if demo:
        return ConsoleMode("demo")
    if s.console.oidc is not None:
        return ConsoleMode("oidc")
    if s.web_trusted_user_header:
        return ConsoleMode("header")
    return ConsoleMode(None, f"No sign-in is configured for the console: {HOW_TO_CONFIGURE}.")


def mode_of(request: Request) -> ConsoleMode:
    m = request.app.state.console
    assert isinstance(m, ConsoleMode)
    return m


@dataclass(frozen=True)
class Console:
    """A console request by a signed-in OD manager, and the posted form (empty for a GET or an upload)."""

    request: Request
    w: Web
    user: ConsoleUser
    form: dict[str, str] = field(default_factory=dict)


async def signed_in(request: Request) -> ConsoleUser | None:
    """Who is signed in, or None."""
    w, mode = web(request), mode_of(request)
    if mode.how == "header":
        email = trusted_user(request)
        if not email:
            return None
        name = await run_in_threadpool(name_of, w, email)
        return ConsoleUser(email, name, "header", proxy_groups(request, w))
    if mode.how == "demo" and not is_loopback((request.client or ("", 0))[0]):
        return None  # the demo's sign-in holds on this machine only
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    return await run_in_threadpool(lambda: find(w.uow(), token, now=w.now(), settings=w.settings.console))


def proxy_groups(request: Request, w: Web) -> tuple[str, ...]:
    """The signed-in person's groups as the signing-in proxy lists them (comma-separated), believed only on a
    request that came from one of the trusted proxies; bounded as a group claim is."""
    header = w.settings.console.groups_header
    if not header or not from_trusted_proxy(request.scope, w.settings.web_trusted_proxies):
        return ()
    raw = request.headers.get(header, "")[:64_000]
    return tuple(g.strip()[:200] for g in raw.split(",") if g.strip())[:MAX_GROUPS]


def name_of(w: Web, email: str) -> str:
    from sqlalchemy import select

    from copflow.db.models import Person

    with w.uow() as u:
        return clean_name(u.session.scalar(select(Person.name).where(Person.email == email)), email)


def is_manager(w: Web, user: ConsoleUser) -> bool:
    return w.settings.console.is_manager(user.email, user.groups)


def bare(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """A console page for someone not signed in (or not an OD manager): the layout without navigation."""
    return page(request, f"console/{template}", {"user": None, "nav": (), "here": "", **context}, status)


def not_configured(request: Request, mode: ConsoleMode) -> Response:
    return bare(request, "off.html.j2", {"why": mode.why_off}, status=503)


def sign_in_address(request: Request) -> str:
    """The sign-in page, to come back to this page (a GET) or the console's start (after a form)."""
    back = request.url.path if request.method == "GET" else "/console"
    if request.method == "GET" and request.url.query:
        back += "?" + request.url.query
    return f"/console/sign-in?next={quote(back, safe='')}"


def console_page(handler: Callable[[Console], Awaitable[Response]], *, upload: bool = False,
                 ) -> Callable[[Request], Awaitable[Response]]:
    """A console page: without a session, a redirect to sign in; signed in but not an OD manager, 403; else the
    handler, with a POST's form read after its CSRF check (an upload's handler reads its own, as strictly)."""

    async def endpoint(request: Request) -> Response:
        mode = mode_of(request)
        if mode.how is None:
            return not_configured(request, mode)
        user = await signed_in(request)
        if user is None:
            return RedirectResponse(sign_in_address(request), status_code=303)
        w = web(request)
        request.scope[SCOPE_KEY] = user.session
        if not is_manager(w, user):
            return bare(request, "forbidden.html.j2", {"user": user}, status=403)
        form = await read_form(request) if request.method == "POST" and not upload else {}
        return await handler(Console(request, w, user, form))

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def render(c: Console, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """A console page in its layout: who is signed in, the navigation, this page's CSRF token."""
    return page(c.request, f"console/{template}", {"user": c.user, "nav": NAV, "here": c.request.url.path,
                                                   **context}, status)
