"""What every page handler shares: the app's state (settings, policy, templates, clock, view cache), rendering
with a CSRF token, the one not-found page, reading a posted form. Delivery after a write: copflow/web/after_write.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from copflow.db.uow import UnitOfWork
from copflow.settings import Settings
from copflow.web.security import CSRF_COOKIE, CSRF_FIELD, csrf_ok, new_csrf
from lifecycle import Policy

MAX_FORM_BYTES = 64 * 1024


class ViewCache:
    """What GET pages read, kept `seconds` (default 2): a lead reloading a form, or the whole organisation opening
    the hub, costs one read a page per window instead of one per request. Every write through the app empties it;
    a change made elsewhere (the CLI, the sweep, a revoked link) shows within the window. One request at a time
    reads a given page again; the others meanwhile get the previous answer (no stampede on the database)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._locks: dict[Hashable, asyncio.Lock] = {}

    def lookup(self, key: Hashable) -> tuple[bool, Any]:
        """(fresh, value): value is None when nothing is kept."""
        hit = self._items.get(key)
        if hit is None:
            return False, None
        return hit[0] > time.monotonic(), hit[1]

    def lock(self, key: Hashable) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    def put(self, key: Hashable, value: Any) -> None:
        if self.seconds <= 0:
            return
        if len(self._items) > 10_000:
            self.clear()
        self._items[key] = (time.monotonic() + self.seconds, value)

    def clear(self) -> None:
        self._items.clear()
        self._locks = {k: v for k, v in self._locks.items() if v.locked()}


async def cached(request: Request, key: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()` (in the thread pool: it reads the database) unless the cache holds a fresh answer."""
    from starlette.concurrency import run_in_threadpool

    cache = web(request).cache
    fresh, value = cache.lookup(key)
    if fresh:
        return value
    lock = cache.lock(key)
    if value is not None and lock.locked():
        return value  # being read again right now: the previous answer meanwhile
    async with lock:
        fresh, value = cache.lookup(key)
        if fresh:
            return value
        value = await run_in_threadpool(compute)
        cache.put(key, value)
        return value


@dataclass(frozen=True)
class Web:
    """What every handler needs: settings, policy, a unit of work per call, the clock, the templates."""

    settings: Settings
    policy: Policy
    env: Environment
    clock: Callable[[], datetime]
    cache: ViewCache

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.settings.database_url)

    def now(self) -> datetime:
        return self.clock()


def web(request: Request) -> Web:
    w = request.app.state.web
    assert isinstance(w, Web)
    return w


CSRF_PLACEHOLDER = "\x00csrf\x00"


def page(request: Request, template: str, context: dict[str, Any], status: int = 200,
         cache_key: Hashable | None = None) -> HTMLResponse:
    """Render one page with a CSRF token for its forms (the cookie is set when the browser has none). With a
    `cache_key`, the page is rendered once per cache window (its CSRF token put in per request)."""
    token = request.cookies.get(CSRF_COOKIE) or new_csrf()
    user = trusted_user(request)
    w = web(request)
    key = ("html", cache_key, user)
    fresh, html = w.cache.lookup(key) if cache_key is not None else (False, None)
    if not fresh:
        html = w.env.get_template(f"web/{template}").render(
            {**context, "csrf": CSRF_PLACEHOLDER, "csrf_field": CSRF_FIELD, "sso_user": user})
        if cache_key is not None:
            w.cache.put(key, html)
    assert isinstance(html, str)
    response = HTMLResponse(html.replace(CSRF_PLACEHOLDER, token), status_code=status)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=w.settings.web_url.startswith("https://"))
    return response


def not_found(request: Request) -> HTMLResponse:
    """One answer for an unknown, revoked, other-CoP or other-purpose token: nothing to tell them apart."""
    return page(request, "not_found.html.j2", {}, status=404)


async def read_form(request: Request) -> dict[str, str]:
    """The posted form (URL-encoded only: uploads are refused), after the CSRF check."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Only plain forms are accepted here (no uploads: a charter is a link).")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "This form is too large.")
    form: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        form[key] = form[key] + "\n" + value if key in form else value
    if not csrf_ok(request.cookies.get(CSRF_COOKIE), form.get(CSRF_FIELD)):
        raise HTTPException(403, "This form has expired or did not come from this site: reload the page and "
                                 "send it again.")
    web(request).cache.clear()  # a write may follow: nothing read before it is shown after it
    return form


def trusted_user(request: Request) -> str | None:
    """The signed-in user named by the SSO reverse proxy, when COPFLOW_WEB_TRUSTED_USER_HEADER is set."""
    header = web(request).settings.web_trusted_user_header
    if not header:
        return None
    value = request.headers.get(header, "").strip().lower()
    return value or None
