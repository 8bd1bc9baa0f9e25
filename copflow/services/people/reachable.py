"""A person's address works again. A hard bounce marks an address undeliverable (copflow/services/inbox/bounces.py)
and from then on that person's reminders go to the next who can act; nothing copflow sees afterwards can prove the
address was fixed (a relay's "250" is not delivery), so the OD manager, who fixed it or was told, says so. The
OD manager's command only (`copflow person reachable`): no lead's link reaches it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from copflow.db.models import Person
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import NotFound


@dataclass(frozen=True)
class Reachable:
    """`bounced_at`, `reason`: the mark taken off (None: the address was not marked)."""

    email: str
    bounced_at: datetime | None
    reason: str | None


def mark_reachable(uow: UnitOfWork, *, email: str) -> Reachable:
    """Take the undeliverable mark off `email`: their mail is addressed to them again from the next sweep."""
    addr = v.email(email)
    with uow:
        person = uow.session.scalar(select(Person).where(Person.email == addr))
        if person is None:
            raise NotFound("person", addr)
        done = Reachable(person.email, person.undeliverable_at, person.undeliverable_reason)
        person.undeliverable_at = person.undeliverable_reason = None
        uow.commit()
    return done
