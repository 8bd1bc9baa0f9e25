"""A person's address works again. A hard bounce marks an address undeliverable (copflow/services/inbox/bounces.py)
and from then on that person's reminders go to the next who can act; nothing copflow sees afterwards can prove the
address was fixed (a relay's "250" is not delivery), so the OD manager, who fixed it or was told, says so. The
OD manager's command only (`copflow person reachable`): no lead's link reaches it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copflow.db.models import AuditEntry
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.snapshots import get_person
from lifecycle.grants import Actor

REACHABLE = "address_reachable"  # the audit entry's action: when, and by whom, the mark was taken off


@dataclass(frozen=True)
class Reachable:
    """`bounced_at`, `reason`: the mark taken off (None: the address was not marked)."""

    email: str
    bounced_at: datetime | None
    reason: str | None


def mark_reachable(uow: UnitOfWork, *, email: str, by: str, now: datetime) -> Reachable:
    """Take the undeliverable mark off `email`: their mail is addressed to them again from the next sweep. The
    change is audited (who, when, the bounce it undid); a bounce of a message sent before it marks nobody again."""
    addr = v.email(email)
    with uow:
        s = uow.session
        person = get_person(s, addr)
        done = Reachable(person.email, person.undeliverable_at, person.undeliverable_reason)
        if done.bounced_at is not None:
            s.add(AuditEntry(at=now, actor=Actor.OD_MANAGER.value, by=by or "unknown", action=REACHABLE,
                             cop_slug=None, subject=person.email, role=None, outcome="done",
                             reason=f"it bounced on {done.bounced_at:%Y-%m-%d}: {done.reason or 'no reason given'}"))
            person.undeliverable_at = person.undeliverable_reason = None
            uow.commit()
    return done


def reachable_since(s: Session, email: str) -> datetime | None:
    """When the OD manager last said `email` works again (None: never)."""
    return s.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.action == REACHABLE,
                                                          AuditEntry.subject == email))
