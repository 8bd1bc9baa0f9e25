"""Putting messages in the outbox: one row per message and recipient, keyed so nothing is queued twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, Notification
from copflow.services.links import action_url
from lifecycle import EVIDENCE_FIELDS, GATE_TITLES, CopSnapshot, Gate, Notice, Policy, Role

_ROLES_FOR_AUDIENCE = {
    "leads": (Role.LEAD, Role.COORDINATOR),
    "sponsor": (Role.SPONSOR,),
    "od_manager": (Role.OD_MANAGER_CONTACT,),
    "members": (Role.LEAD, Role.COORDINATOR, Role.CORE, Role.WIDER, Role.SPONSOR),
}


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    role: str


def recipients(cop: Cop, audience: str, od_manager: str | None = None) -> list[Recipient]:
    """Who hears about `audience` for this CoP, one entry per address (a lead who also coordinates: once)."""
    roles = {r.value for r in _ROLES_FOR_AUDIENCE[audience]}
    seen: dict[str, Recipient] = {}
    for m in sorted(cop.memberships, key=lambda m: (m.role, m.person.email)):
        if m.role in roles and m.left_on is None:
            seen.setdefault(m.person.email, Recipient(m.person.email, m.person.name, m.role))
    if audience == "od_manager" and not seen and od_manager:
        seen[od_manager] = Recipient(od_manager, "OD manager", "od_manager_contact")
    return list(seen.values())


def enqueue(s: Session, *, key: str, cop_id: int | None, kind: str, to: Recipient, context: dict[str, Any],
            now: datetime, ics: str | None = None, ics_method: str | None = None,
            attachment: tuple[str, str] | None = None) -> bool:
    """Insert one outbox row unless its key is there already; True if a row was added. `attachment` is a
    (file name, text) pair sent with the message.

    INSERT … ON CONFLICT DO NOTHING makes two sweeps racing on the same key end in one row, not an error.
    """
    from copflow.services.pseudonyms import is_erased
    from notifications.compose import render  # Jinja2 loads only when a message is actually composed

    if is_erased(to.email):  # an erased person stays in the record under a pseudonym, and is never written to
        return False
    msg = render(kind, {**context, "recipient": to})
    values = dict(idempotency_key=key, cop_id=cop_id, kind=kind, recipient=to.email, recipient_name=to.name,
                  subject=msg.subject, body_text=msg.text, body_html=msg.html, ics=ics, ics_method=ics_method,
                  attachment_name=attachment[0] if attachment else None,
                  attachment=attachment[1] if attachment else None, status="pending", attempts=0,
                  next_attempt_at=now, created_at=now)
    dialect = s.get_bind().dialect.name
    stmt: Any
    # Each dialect's INSERT is imported when used: the PostgreSQL one costs 50 ms at start-up on SQLite.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(Notification).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"])
    elif dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(Notification).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        stmt = insert(Notification).values(**values)
    # RETURNING, not rowcount: an ORM-enabled INSERT on psycopg reports rowcount -1.
    return s.execute(stmt.returning(Notification.id)).first() is not None


def cop_context(cop: Cop) -> dict[str, Any]:
    return {"cop": {"slug": cop.slug, "name": cop.name, "stage": cop.stage, "timezone": cop.timezone}}


def enqueue_transition_notices(s: Session, cop: Cop, snap: CopSnapshot, from_stage: str, to_stage: str, *,
                               now: datetime, policy: Policy, od_manager: str | None = None) -> int:
    """Tell leads and sponsor that the CoP moved on, and what comes next."""
    context = {**cop_context(cop), "from_stage": from_stage, "to_stage": to_stage,
               "next_gate": cop.next_due_gate,
               "next_due_on": cop.next_due_on.isoformat() if cop.next_due_on else None}
    added = 0
    for to in recipients(cop, "leads") + recipients(cop, "sponsor"):
        key = f"{cop.slug}/stage/{cop.stage_visit}/{to_stage}/{to.email}"
        added += enqueue(s, key=key, cop_id=cop.id, kind="stage_changed", to=to, context=context, now=now)
    if to_stage == "reviewing":  # the survey call goes to every member, core and wider
        survey = policy.survey_url.replace("{slug}", cop.slug) if policy.survey_url else None
        closes = {**context, "closes_on": context["next_due_on"], "survey_url": survey}
        for to in recipients(cop, "members"):
            key = f"{cop.slug}/review-opened/{cop.stage_visit}/{to.email}"
            added += enqueue(s, key=key, cop_id=cop.id, kind="review_opened", to=to, context=closes, now=now)
    return added


def enqueue_notice(s: Session, cop: Cop, notice: Notice, *, now: datetime, od_manager: str | None,
                   needs: list[str], policy: Policy | None = None) -> int:
    """Queue one reminder or escalation for everyone in its audience; a lead's (or the OD manager's) carries
    `action_url`, a signed link to the gate's evidence form."""
    context = {**cop_context(cop), "notice": {
        "kind": notice.kind, "audience": notice.audience, "gate": notice.gate.value,
        "due_on": notice.due_on.isoformat(), "days": notice.days, "step": notice.step},
        "gate_title": GATE_TITLES[notice.gate], "needs": needs or _fields_of(notice)}
    kind = "review_due" if notice.gate is Gate.REVIEW_DUE else "gate_reminder"
    added = 0
    for to in recipients(cop, notice.audience, od_manager):
        key = f"{notice.key}/{to.email}"
        if already_queued(s, key):
            continue  # already queued: no second link for a message that will not be sent again
        url = action_url(s, cop, to.email, to.role, notice.gate, now=now, policy=policy or Policy())
        added += enqueue(s, key=key, cop_id=cop.id, kind=kind, to=to, context={**context, "action_url": url},
                         now=now)
    return added


def already_queued(s: Session, key: str) -> bool:
    return s.scalar(select(Notification.id).where(Notification.idempotency_key == key)) is not None


def _fields_of(notice: Notice) -> list[str]:
    return [f"{f.name}: {f.help}" for f in EVIDENCE_FIELDS[notice.gate]]
