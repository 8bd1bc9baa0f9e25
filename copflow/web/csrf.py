"""CSRF by the book: a signed token the server makes, bound to the browser's session and to what the page is for.

- The cookie is a session id the server made and signed (`<id>.<mac>`); a cookie the server did not sign (planted
  from a sibling subdomain, or typed by hand) is never adopted: it is replaced by a new one. Over https it is
  `__Host-copflow_csrf` (Secure, Path=/, no Domain), which a sibling subdomain cannot set at all.
- A form's token is HMAC-SHA256(server secret, session id, scope): the scope is the link token in the page's
  address (a form of one link's pages is worth nothing on another's) and the signed-in user behind SSO. The
  cookie's value is never written into a page; the token is put in the template's context and escaped.
- A POST must carry the token of its own session and scope, and come from a page of this site: `Sec-Fetch-Site`
  (where the browser sends it) must be same-origin, and `Origin` (where it is not "null") must be this site's.

The secret is the database's `server_secret` row `csrf` (copflow/services/keys/server_secrets.py), read once per
process."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

FIELD = "csrf"
COOKIE = "copflow_csrf"
HTTPS_COOKIE = "__Host-copflow_csrf"  # browsers accept it only Secure, Path=/ and without Domain
_SESSION = re.compile(r"^[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{32}$")


def _mac(key: bytes, *parts: str) -> str:
    digest = hmac.new(key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class Csrf:
    """Sessions and tokens under one server secret, loaded by `load` on first use (it reads the database)."""

    def __init__(self, load: Callable[[], bytes]) -> None:
        self._load = load
        self._key: bytes | None = None
        self._lock = threading.Lock()

    @property
    def key(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._load()
        return self._key

    def new_session(self) -> str:
        """A fresh cookie value: a random id and the server's signature of it."""
        sid = secrets.token_urlsafe(18)
        return f"{sid}.{_mac(self.key, 'session', sid)[:32]}"

    def session(self, cookie: str | None) -> str | None:
        """The cookie's value if the server made it, else None (a new session is started)."""
        if not cookie or not _SESSION.match(cookie):
            return None
        sid, mac = cookie.split(".")
        return cookie if hmac.compare_digest(mac, _mac(self.key, "session", sid)[:32]) else None

    def token(self, session: str, scope: str) -> str:
        """The token a page of `scope` gives its forms, in this session."""
        return _mac(self.key, "form", session, scope)

    def valid(self, session: str | None, scope: str, submitted: str | None) -> bool:
        if session is None or not submitted:
            return False
        return hmac.compare_digest(submitted.encode("utf-8", "replace"), self.token(session, scope).encode())


def cookie_name(web_url: str) -> str:
    return HTTPS_COOKIE if web_url.startswith("https://") else COOKIE


def from_this_site(headers: Mapping[str, str], *, web_url: str, scheme: str, host: str) -> bool:
    """Whether a POST came from one of this site's own pages, as far as the browser says. `Origin: null` is what a
    browser sends for our own forms under `Referrer-Policy: no-referrer`, so it proves nothing either way: the
    token decides. A client that sends neither header (not a browser) is judged by its token alone."""
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False  # cross-site, or same-site: a sibling subdomain is another site here
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return True
    ours = urlsplit(web_url)
    return origin.lower() in {f"{ours.scheme}://{ours.netloc}".lower(), f"{scheme}://{host}".lower()}
