"""The console's sessions on SQLite and PostgreSQL: they end when signed out, after their hours, and after being
idle; only the token's hash is stored; ended sessions are deleted when the next one starts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from copflow.console_settings import ConsoleSettings
from copflow.db.models import ConsoleSession
from copflow.db.uow import UnitOfWork
from copflow.web.console.sessions import end, find, start
from tests.integration.helpers import at

S = ConsoleSettings(managers=frozenset({"odm@uni.example.org"}), session_hours=8, idle_minutes=60)


def test_a_session_ends_when_idle_after_its_hours_and_at_sign_out(db_url: str) -> None:
    u = lambda: UnitOfWork(db_url)  # noqa: E731
    t0 = at(0)
    token = start(u(), email="ODM@uni.example.org", name="Oda\u202e Mann\n", how="oidc", groups=["g"], now=t0,
                  settings=S)
    with u() as w:
        row = w.session.scalar(select(ConsoleSession))
        assert row is not None and token not in (row.token_hash, row.email) and row.name == "Oda Mann"
    user = find(u(), token, now=t0 + timedelta(minutes=30), settings=S)
    assert user is not None and user.email == "odm@uni.example.org" and user.groups == ("g",)
    assert user.by == "odm@uni.example.org (via console by Oda Mann)"
    assert find(u(), token, now=t0 + timedelta(minutes=30 + 61), settings=S) is None  # idle for an hour
    for step in range(1, 9):  # kept busy every 55 minutes: still, it ends after 8 hours
        seen = find(u(), token, now=t0 + timedelta(minutes=30 + 55 * step), settings=S)
        assert (seen is not None) == (30 + 55 * step < 8 * 60), step
    second = start(u(), email="odm@uni.example.org", name="Oda Mann", how="oidc", groups=[], now=t0 + timedelta(hours=9),
                   settings=S)
    with u() as w:  # the first, expired, was deleted when the second began
        assert len(w.session.scalars(select(ConsoleSession)).all()) == 1
    assert end(u(), second, now=t0 + timedelta(hours=9, minutes=1))
    assert find(u(), second, now=t0 + timedelta(hours=9, minutes=2), settings=S) is None
    assert find(u(), "not-a-token", now=t0, settings=S) is None and find(u(), "x" * 500, now=t0, settings=S) is None
