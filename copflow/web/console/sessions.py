"""Who is signed in to the console: sessions kept on the server (table `console_session`), so that signing out
ends one at once and none outlives its hours. The browser holds a random token (192 bits) in a cookie; only its
SHA-256 is stored. A session ends at sign-out, `session_hours` after it began, or after `idle_minutes` unused."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from copflow.console_settings import ConsoleSettings
from copflow.db.models import ConsoleSession
from copflow.db.uow import UnitOfWork
from lifecycle.grants import Acting, Actor

# Secure, HttpOnly, SameSite=Lax, Path=/, no Domain: the "__Host-" prefix makes browsers refuse it otherwise, so a
# sibling subdomain cannot plant one. Lax, not Strict: the identity provider's redirect back is a cross-site
# navigation, and the console's first page after it must see the session.
COOKIE = "__Host-copflow_console"
MAX_GROUPS = 1000  # a group claim is bounded (Entra ID sends at most 200 before its "overage" link)
MAX_ID_TOKEN = 16_384  # an ID token kept for the provider's sign-out (Entra ID's with 200 groups is ~10 KB)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute per session


@dataclass(frozen=True)
class ConsoleUser:
    """The person behind a console request, and how their writes are recorded."""

    email: str
    name: str
    how: str  # oidc, header or demo
    groups: tuple[str, ...] = ()
    session: str = ""  # the session token's hash ("" behind a signing-in proxy): what the forms' CSRF is bound to

    @property
    def by(self) -> str:
        """Who did it, as the record keeps it: "odm@uni.example.org (via console by Oda Mann)"."""
        return f"{self.email} (via console by {self.name})"

    @property
    def via(self) -> str:
        """For the services that add "(via …)" to an address themselves (a review's decision)."""
        return f"console by {self.name}"

    @property
    def acting(self) -> Acting:
        """The console is the OD manager's door (lifecycle/grants.py): the services check the roles it may touch."""
        return Acting(Actor.OD_MANAGER, self.by)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_name(name: str | None, fallback: str) -> str:
    """A display name from a claim, fit for the record: printable, one line, at most 200 characters."""
    text = "".join(c for c in (name or "") if unicodedata.category(c)[0] != "C").strip()
    return " ".join(text.split())[:200] or fallback


def start(uow: UnitOfWork, *, email: str, name: str, how: str, groups: list[str] | tuple[str, ...], now: datetime,
          settings: ConsoleSettings, id_token: str | None = None) -> str:
    """A new session for someone just signed in; returns the token for their cookie. Sessions that have ended are
    deleted on the way (they hold an address). `id_token`: the provider's, for its sign-out (not kept if huge:
    the provider's sign-out then asks who is leaving)."""
    token = secrets.token_urlsafe(24)
    kept = [str(g)[:200] for g in list(groups)[:MAX_GROUPS]]
    with uow:
        s = uow.session
        idle = now - timedelta(minutes=settings.idle_minutes)
        s.execute(delete(ConsoleSession).where(or_(ConsoleSession.expires_at <= now,
                                                   ConsoleSession.ended_at.is_not(None),
                                                   ConsoleSession.last_seen_at <= idle)))
        s.add(ConsoleSession(token_hash=token_hash(token), email=email.strip().lower()[:320],
                             name=clean_name(name, email), how=how, groups=kept, created_at=now, last_seen_at=now,
                             expires_at=now + timedelta(hours=settings.session_hours), ended_at=None,
                             id_token=id_token if id_token and len(id_token) <= MAX_ID_TOKEN else None))
        uow.commit()
    return token


def find(uow: UnitOfWork, token: str | None, *, now: datetime, settings: ConsoleSettings) -> ConsoleUser | None:
    """The signed-in person of a cookie's token, or None (no such session, signed out, expired, idle too long)."""
    if not token or len(token) > 64:
        return None
    digest = token_hash(token)
    with uow:
        s = uow.session
        row = s.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == digest))
        if row is None or row.ended_at is not None or row.expires_at <= now:
            return None
        if row.last_seen_at <= now - timedelta(minutes=settings.idle_minutes):
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            s.execute(update(ConsoleSession).where(ConsoleSession.id == row.id).values(last_seen_at=now))
            uow.commit()
        return ConsoleUser(row.email, row.name, row.how, tuple(str(g) for g in row.groups), digest)


def end(uow: UnitOfWork, token: str | None, *, now: datetime) -> bool:
    """Sign out: the session ends now (its cookie is worth nothing from here on). False if there was none."""
    return end_with_hint(uow, token, now=now)[0]


def end_with_hint(uow: UnitOfWork, token: str | None, *, now: datetime) -> tuple[bool, str | None]:
    """Sign out, as `end`, returning whether a session ended and the provider's ID token it held (for the
    provider's sign-out), which is no longer kept."""
    if not token or len(token) > 64:
        return False, None
    with uow:
        s = uow.session
        row = s.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token),
                                                   ConsoleSession.ended_at.is_(None)))
        if row is None:
            return False, None
        hint, row.ended_at, row.id_token = row.id_token, now, None
        uow.commit()
        return True, hint
