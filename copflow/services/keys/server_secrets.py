"""Secrets the server keeps for itself (table `server_secret`): made at random on first use, the same for every
process on the database, never printed, logged or exported. The web's CSRF tokens are signed with one."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select

from copflow.db.models import ServerSecret
from copflow.db.uow import UnitOfWork


def server_secret(uow: UnitOfWork, name: str, *, now: datetime) -> bytes:
    """The secret called `name`, made (256 random bits) if there is none yet. Two processes making it at once end
    with one: the second one's insert finds the row and both read the same value."""
    from sqlalchemy.exc import IntegrityError

    with uow:
        s = uow.session
        value = s.scalar(select(ServerSecret.value).where(ServerSecret.name == name))
        if value is not None:
            return value.encode("ascii")
        s.add(ServerSecret(name=name, value=secrets.token_urlsafe(32), created_at=now))
        try:
            uow.commit()
        except IntegrityError:
            s.rollback()
        value = s.scalar(select(ServerSecret.value).where(ServerSecret.name == name))
        assert value is not None
        return value.encode("ascii")
