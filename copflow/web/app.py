"""`copflow web`: the Starlette application. It reads the same settings and database as the CLI and calls the
same services; every page is server-rendered HTML that works without script."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from copflow.db.uow import UnitOfWork
from copflow.settings import Settings, load_settings
from copflow.web.security import CSRF_COOKIE, CSRF_FIELD, RateLimit, SecurityHeaders, csrf_ok, new_csrf
from lifecycle import Policy

MAX_FORM_BYTES = 64 * 1024


@dataclass(frozen=True)
class Web:
    """What every handler needs: settings, policy, a unit of work per call, the clock, the templates."""

    settings: Settings
    policy: Policy
    env: Environment
    clock: Callable[[], datetime]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.settings.database_url)

    def now(self) -> datetime:
        return self.clock()


def web(request: Request) -> Web:
    w = request.app.state.web
    assert isinstance(w, Web)
    return w


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render one page with a CSRF token for its forms (the cookie is set when the browser has none)."""
    token = request.cookies.get(CSRF_COOKIE) or request.state.__dict__.get("csrf") or new_csrf()
    user = trusted_user(request)
    html = web(request).env.get_template(f"web/{template}").render(
        {**context, "csrf": token, "csrf_field": CSRF_FIELD, "sso_user": user})
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=web(request).settings.web_url.startswith("https://"))
    return response


def not_found(request: Request) -> HTMLResponse:
    """One answer for an unknown, revoked, other-CoP or other-purpose token: nothing to tell them apart."""
    return page(request, "not_found.html.j2", {}, status=404)


async def read_form(request: Request) -> dict[str, str]:
    """The posted form (URL-encoded only: uploads are refused), after the CSRF check."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "only plain forms are accepted here (no uploads: a charter is a link)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "this form is too large")
    form: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        form[key] = form[key] + "\n" + value if key in form else value
    if not csrf_ok(request.cookies.get(CSRF_COOKIE), form.get(CSRF_FIELD)):
        raise HTTPException(403, "this form has expired or did not come from this site: reload the page and "
                                 "send it again")
    return form


def trusted_user(request: Request) -> str | None:
    """The signed-in user named by the SSO reverse proxy, when COPFLOW_WEB_TRUSTED_USER_HEADER is set."""
    header = web(request).settings.web_trusted_user_header
    if not header:
        return None
    value = request.headers.get(header, "").strip().lower()
    return value or None


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return not_found(request)
    return page(request, "error.html.j2", {"status": exc.status_code, "message": exc.detail},
                status=exc.status_code)


def environment() -> Environment:
    from notifications.compose import templates_dir

    env = Environment(loader=FileSystemLoader(str(templates_dir())), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["title_gate"] = lambda g: str(g).replace("_", " ")
    return env


def static_dir() -> Path:
    from notifications.compose import templates_dir

    return templates_dir() / "web" / "static"


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None,
               rate_limit: int = 120) -> Any:
    """The ASGI application: routes inside a rate limit and the security headers."""
    from copflow.cli.context import now as cli_now
    from copflow.web import lead, public

    s = settings or load_settings()
    app = Starlette(routes=[*public.routes(), *lead.routes(),
                            Mount("/static", StaticFiles(directory=str(static_dir())), name="static")],
                    exception_handlers={HTTPException: http_error})
    app.state.web = Web(s, s.policy(), environment(), clock or cli_now)
    return SecurityHeaders(RateLimit(app, limit=rate_limit))

