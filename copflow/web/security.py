"""What keeps the web app safe: security headers, the CSRF check, a rate limit on token pages, and an access log
that never shows a token."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from copflow.services.links.signed import path_prefixes

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# No script at all, styles only from our own static file, no framing, forms post back to us only.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Every link purpose's path (services/links/signed.py), so a new purpose is redacted and rate-limited
# without a change here.
TOKEN_PATH = re.compile(rf"/({'|'.join(path_prefixes())})/[^/?#\s\"]+")


def link_token(path: str) -> str:
    """The link token in a page's address ("" for a page that no link opens)."""
    found = TOKEN_PATH.match(path)
    return found.group(0).split("/", 2)[2].removesuffix(".ics") if found else ""


def redact(text: str) -> str:
    """A path or log line with every link token replaced."""
    return TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/[token]", text)


class SecurityHeaders:
    """Adds the headers to every response, and a no-store cache rule to pages reached by a token and to the
    console's."""

    def __init__(self, app: ASGIApp, *, console_form_origin: str | None = None) -> None:
        self.app = app
        # The console's sign-out form ends at the identity provider's sign-out (a redirect after the POST, which
        # the browser checks against the page's form-action): its pages allow the provider's origin there too.
        self.console_headers = HEADERS
        if console_form_origin:
            csp = CSP.replace("form-action 'self'", f"form-action 'self' {console_form_origin}")
            self.console_headers = [(b"content-security-policy", csp.encode()), *HEADERS[1:]]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        console = path == "/console" or path.startswith("/console/")
        private = console or TOKEN_PATH.match(path) is not None
        added = self.console_headers if console else HEADERS

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += added
                if private:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


class RateLimit:
    """At most `limit` requests per `window` seconds from one client to the token pages and the join form;
    beyond that, 429 until the window moves on. Guessing tokens (192 bits) is hopeless anyway; this keeps a
    script from trying, and from sending join mails in bulk (the join caps of services/people/join_requests.py hold the
    mail itself). A client is the connection's address: X-Forwarded-For counts only from the configured proxies
    (COPFLOW_WEB_TRUSTED_PROXIES, which `copflow web` hands to uvicorn). At most `max_clients` clients are kept,
    the least recently seen forgotten first, so a flood from many addresses cannot grow the server's memory."""

    def __init__(self, app: ASGIApp, *, limit: int, window: float = 60.0, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many clients are kept."""
        return len(self._hits)

    def allow(self, client: str) -> bool:
        now = self.clock()
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                hits = self._hits[client] = deque()
                while len(self._hits) > self.max_clients:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(client)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if self.limit > 0 and (TOKEN_PATH.match(path) or path.startswith(("/join/", "/console/sign"))):
            client = (scope.get("client") or ("?", 0))[0]
            if not self.allow(client):
                await send({"type": "http.response.start", "status": 429,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"60")]})
                await send({"type": "http.response.body", "body": b"Too many requests; try again in a minute.\n"})
                return
        await self.app(scope, receive, send)


class SignedInOnly:
    """Behind a single sign-on proxy (COPFLOW_WEB_TRUSTED_USER_HEADER): a request for a page that does not name the
    signed-in user did not come through the proxy, or the proxy lost who it was. It is refused (403, `refusal`'s
    page) rather than served as if nobody in particular were asking, which would skip the per-person check of
    every signed link. The stylesheet and the calendar feeds (fetched by calendar apps, which cannot sign in) are
    not pages."""

    OPEN = ("/static/", "/feeds/", "/f/")

    def __init__(self, app: ASGIApp, *, header: str, refusal: Callable[[], bytes]) -> None:
        self.app = app
        self.header = header.strip().lower().encode("latin-1")
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("path", "").startswith(self.OPEN):
            named = [v for k, v in scope.get("headers", []) if k == self.header]
            if not named or not named[0].strip():
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/html; charset=utf-8")]})
                await send({"type": "http.response.body", "body": self.refusal()})
                return
        await self.app(scope, receive, send)


class RedactTokens(logging.Filter):
    """On uvicorn's access log (and any other): the request line's path loses its token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging with the token filter on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG, "filters": {"redact": {"()": RedactTokens}}}
    config["handlers"] = {name: {**h, "filters": ["redact"]} for name, h in LOGGING_CONFIG["handlers"].items()}
    # copflow's own lines (mail not sent yet, a client that hung up) in the same format, through the same filter.
    config["loggers"] = {**LOGGING_CONFIG["loggers"],
                         "copflow": {"handlers": ["default"], "level": "INFO", "propagate": False}}
    return config


PEER = "copflow.peer"  # the address of the connection itself, before X-Forwarded-For is believed


def behind_proxies(app: ASGIApp, proxies: tuple[str, ...]) -> ASGIApp:
    """X-Forwarded-For and -Proto believed from `proxies` only (uvicorn's middleware), with the connection's own
    address kept in the scope first: what a proxy alone may say (its groups header) is believed by that address."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    inner: Any = ProxyHeadersMiddleware(app, trusted_hosts=list(proxies))  # type: ignore[arg-type]

    async def kept(scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        scope[PEER] = client[0] if client else ""
        await inner(scope, receive, send)

    return kept


def from_trusted_proxy(scope: Scope, proxies: tuple[str, ...]) -> bool:
    """Whether the request's connection came from one of `proxies` (False where `behind_proxies` did not run)."""
    import ipaddress

    try:
        peer = ipaddress.ip_address(str(scope.get(PEER) or ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(p, strict=False) for p in proxies)
