"""`copflow web`: the Starlette application. It reads the same settings and database as the CLI and calls the
same services; every page is server-rendered HTML that works without script."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from copflow.db.uow import UnitOfWork
from copflow.runs import BackgroundDeliverer
from copflow.services.keys.server_secrets import server_secret
from copflow.settings import Settings, current_time, load_settings
from copflow.web import actions, channel, console, decision, lead, lessons, public
from copflow.web.console.guard import console_mode
from copflow.web.csrf import Csrf
from copflow.web.pages import ClearAfterWrite, ViewCache, Web, not_found, page
from copflow.web.security import RateLimit, SecurityHeaders, SignedInOnly
from notifications.templating import environment


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return not_found(request)
    if exc.status_code == 204:  # a form sent by Enter (pages.read_form): the browser stays on its page
        return Response(status_code=204)
    return page(request, "error.html.j2", {"status": exc.status_code, "message": exc.detail},
                status=exc.status_code)


def static_dir() -> Path:
    from notifications.templating import templates_dir

    return templates_dir() / "web" / "static"


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None,
               rate_limit: int = 120, cache_seconds: float = 2.0, console_demo: bool = False) -> Any:
    """The ASGI application: routes inside a rate limit and the security headers. `console_demo` signs the
    configured OD manager in to the console without an identity provider (the demo's, on 127.0.0.1 only)."""
    s = settings or load_settings()
    now = clock or current_time
    # Embedded, mail a write queued is sent by this thread, outside the request; with a Prefect server, by the
    # deployments. It runs while the app is served (its lifespan).
    deliverer = None if s.server_mode else BackgroundDeliverer(s, now)
    app = Starlette(routes=[*public.routes(), *actions.routes(), *lead.routes(), *channel.routes(), *lessons.routes(),
                            *decision.routes(), *console.routes(),
                            Mount("/static", StaticFiles(directory=str(static_dir())), name="static")],
                    exception_handlers={HTTPException: http_error}, lifespan=_delivering(deliverer))
    env = environment()
    csrf = Csrf(lambda: server_secret(UnitOfWork(s.database_url), "csrf", now=now()))
    app.state.web = Web(s, s.policy(), env, now, ViewCache(cache_seconds), csrf, deliverer)
    app.state.console = console_mode(app.state.web, demo=console_demo)
    inner: Any = ClearAfterWrite(app, app.state.web.cache)
    if s.web_trusted_user_header:
        inner = SignedInOnly(inner, header=s.web_trusted_user_header, refusal=lambda: _unsigned(env))
    oidc = s.console.oidc if app.state.console.how == "oidc" else None
    return SecurityHeaders(RateLimit(inner, limit=rate_limit),
                           console_form_origin=origin(oidc.issuer) if oidc is not None else None)


def origin(url: str) -> str:
    """scheme://host[:port] of an address (a CSP source)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _delivering(deliverer: BackgroundDeliverer | None) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """The app's lifespan: the deliverer runs from start-up to shutdown, and stops cleanly (its round ends)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if deliverer is None:
            yield
            return
        deliverer.start()
        try:
            yield
        finally:
            await run_in_threadpool(deliverer.stop)

    return lifespan


NOT_SIGNED_IN = ("This site is reached through the organisation's sign-in, and this request did not say who the "
                 "signed-in user is. Open the page again from its link, signing in if asked; if it keeps happening, "
                 "tell the CoP programme's OD manager.")


def _unsigned(env: Environment) -> bytes:
    return env.get_template("web/error.html.j2").render(status=403, message=NOT_SIGNED_IN, sso_user=None).encode()

