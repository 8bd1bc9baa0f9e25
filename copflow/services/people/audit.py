"""The audit of refusals that matter for who may do what: a roster change the actor may not make is refused
and recorded (who tried, through which door, what, on which CoP), in the refusing service's own session after
its work is rolled back, so nothing of the attempt is written but the record of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from copflow.db.models import AuditEntry
from copflow.db.uow import UnitOfWork
from lifecycle.grants import RoleNotYours


def record_refusal(uow: UnitOfWork, exc: RoleNotYours, *, by: str, subject: str | None, now: datetime) -> None:
    """Inside `with uow:`: roll back what the service did, write the refusal alone, commit."""
    uow.rollback()
    uow.session.add(AuditEntry(at=now, actor=exc.actor.value, by=by or "unknown", action=exc.change.value,
                               cop_slug=exc.cop, subject=subject, role=exc.role.value, outcome="refused",
                               reason=str(exc)))
    uow.commit()


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    by: str
    action: str
    cop: str | None
    subject: str | None
    role: str | None
    outcome: str
    reason: str


def refusals(uow: UnitOfWork, *, cop: str | None = None, limit: int = 200) -> list[AuditRow]:
    """The latest refusals, newest first (of one CoP with `cop`)."""
    with uow:
        query = (select(AuditEntry).where(AuditEntry.outcome == "refused")
                 .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
        if cop is not None:
            query = query.where(AuditEntry.cop_slug == cop)
        return [AuditRow(e.at, e.actor, e.by, e.action, e.cop_slug, e.subject, e.role, e.outcome, e.reason)
                for e in uow.session.scalars(query)]
