"""What every page handler shares: the app's state (settings, policy, templates, clock, view cache), rendering
with a CSRF token, the one not-found page, reading a posted form. Delivery after a write: copflow/web/after_write.py."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copflow.db.uow import UnitOfWork
from copflow.runs import BackgroundDeliverer
from copflow.settings import Settings
from copflow.web.csrf import FIELD, HTTPS_COOKIE, Csrf, cookie_name, from_this_site
from copflow.web.security import link_token
from lifecycle import Policy

MAX_FORM_BYTES = 64 * 1024
FORGED = "This form has expired or did not come from this site: reload the page and send it again."
log = logging.getLogger("copflow.web")


class ViewCache:
    """What GET pages read, kept `seconds` (default 2): a lead reloading a form, or the whole organisation opening
    the hub, costs one read a page per window instead of one per request. Every write through the app empties it;
    a change made elsewhere (the CLI, the sweep, a revoked link) shows within the window. One request at a time
    reads a given page again; the others meanwhile get the previous answer (no stampede on the database).

    Bounded: at most `max_items` answers are kept (then it starts afresh), and a key's lock lives only while a
    request holds or waits for it, so requests for ever new addresses (random tokens) leave nothing behind."""

    def __init__(self, seconds: float, max_items: int = 10_000) -> None:
        self.seconds = seconds
        self.max_items = max_items
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}  # the lock, and how many hold or wait for it

    def sizes(self) -> tuple[int, int]:
        """(answers kept, locks kept)."""
        return len(self._items), len(self._locks)

    def lookup(self, key: Hashable) -> tuple[bool, Any]:
        """(fresh, value): value is None when nothing is kept."""
        hit = self._items.get(key)
        if hit is None:
            return False, None
        return hit[0] > time.monotonic(), hit[1]

    def put(self, key: Hashable, value: Any) -> None:
        if self.seconds <= 0:
            return
        if len(self._items) >= self.max_items:
            self._items.clear()
        self._items[key] = (time.monotonic() + self.seconds, value)

    def clear(self) -> None:
        self._items.clear()

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The kept answer if fresh; else `compute()`'s, one request at a time per key (the others meanwhile get
        the previous answer when there is one)."""
        fresh, value = self.lookup(key)
        if fresh or (value is not None and key in self._locks):
            return value
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                fresh, value = self.lookup(key)
                if fresh:
                    return value
                value = await compute()
                self.put(key, value)
                return value
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class ClearAfterWrite:
    """Empties the view cache once more as a write's answer starts, before the browser can ask again: a page read
    while the write ran (the answer from before it) is not kept past it. `read_form` emptied it as the write began."""

    def __init__(self, app: ASGIApp, cache: ViewCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return

        async def clearing(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.cache.clear()
            await send(message)

        await self.app(scope, receive, clearing)


async def cached(request: Request, key: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()` (in the thread pool: it reads the database) unless the cache holds a fresh answer."""
    from starlette.concurrency import run_in_threadpool

    return await web(request).cache.get(key, lambda: run_in_threadpool(compute))


@dataclass(frozen=True)
class Web:
    """What every handler needs: settings, policy, a unit of work per call, the clock, the templates."""

    settings: Settings
    policy: Policy
    env: Environment
    clock: Callable[[], datetime]
    cache: ViewCache
    csrf: Csrf
    deliverer: BackgroundDeliverer | None = None  # embedded mode: sends what a write queued, outside the request

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.settings.database_url)

    def now(self) -> datetime:
        return self.clock()


def web(request: Request) -> Web:
    w = request.app.state.web
    assert isinstance(w, Web)
    return w


def page(request: Request, template: str, context: dict[str, Any], status: int = 200,
         formless: Hashable | None = None) -> HTMLResponse:
    """Render one page, its forms carrying this session's CSRF token for the page's scope (put in the template's
    context, escaped like any value); a browser without a session the server signed is given a new one.

    A page without forms (the hub) may name a cache key as `formless`: it is rendered once per cache window for
    everyone, and given no token at all (a template that asks for one fails at once: StrictUndefined)."""
    w = web(request)
    if formless is not None:
        user = trusted_user(request)
        fresh, html = w.cache.lookup(("html", formless, user))
        if not fresh:
            html = w.env.get_template(f"web/{template}").render({**context, "sso_user": user})
            w.cache.put(("html", formless, user), html)
        return HTMLResponse(html, status_code=status)
    name = cookie_name(w.settings.web_url)
    session = w.csrf.session(request.cookies.get(name))
    fresh = session is None
    if session is None:
        session = w.csrf.new_session()
    user = trusted_user(request)
    html = w.env.get_template(f"web/{template}").render(
        {**context, "csrf": w.csrf.token(session, csrf_scope(request)), "csrf_field": FIELD, "sso_user": user})
    response = HTMLResponse(html, status_code=status)
    if fresh:
        response.set_cookie(name, session, httponly=True, samesite="strict", path="/",
                            secure=name == HTTPS_COOKIE)
    return response


def csrf_scope(request: Request) -> str:
    """What a form's token is bound to besides the session: the link in the address (its token), the signed-in
    user behind SSO, and on the console the console's session (copflow/web/console/guard.py puts it in the scope)."""
    scope = f"{link_token(request.url.path)}|{trusted_user(request) or ''}"
    console = request.scope.get("copflow.console")
    return f"{scope}|console:{console}" if console is not None else scope


def not_found(request: Request) -> HTMLResponse:
    """One answer for an unknown, revoked, other-CoP or other-purpose token: nothing to tell them apart. Its advice
    is for who reads it, known from the address alone: a decision link (/d/) is only ever the OD manager's."""
    reader = "od_manager" if request.url.path.startswith("/d/") else "anyone"
    return page(request, "not_found.html.j2", {"reader": reader}, status=404)


# The name of every form's default button: what Enter in a field sends, and the server answers with nothing.
ENTER = "_enter"


async def read_form(request: Request) -> dict[str, str]:
    """The posted form (URL-encoded only: uploads are refused), after the CSRF check."""
    w = web(request)
    if not from_this_site(request.headers, web_url=w.settings.web_url, scheme=request.url.scheme,
                          host=request.headers.get("host", "")):
        raise HTTPException(403, FORGED)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Only plain forms are accepted here (no uploads: a charter is a link).")
    body = b""
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise HTTPException(413, "This form is too large.")
    except ClientDisconnect:  # nobody is left to answer: one line in the log, not a traceback
        log.warning("a client hung up before its form was read: %s %s", request.method, request.url.path)
        raise HTTPException(400, "The form did not arrive whole: send it again.") from None
    form: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        form[key] = form[key] + "\n" + value if key in form else value
    w = web(request)
    session = w.csrf.session(request.cookies.get(cookie_name(w.settings.web_url)))
    if not w.csrf.valid(session, csrf_scope(request), form.get(FIELD)):
        raise HTTPException(403, FORGED)
    if ENTER in form:  # Enter pressed in a field (templates/web/_enter_guard.html.j2): nothing asked, nothing done
        raise HTTPException(204)
    w.cache.clear()  # a write may follow: nothing read before it is shown after it
    return form


def trusted_user(request: Request) -> str | None:
    """The signed-in user named by the SSO reverse proxy, when COPFLOW_WEB_TRUSTED_USER_HEADER is set."""
    header = web(request).settings.web_trusted_user_header
    if not header:
        return None
    value = request.headers.get(header, "").strip().lower()
    return value or None
