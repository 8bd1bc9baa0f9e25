"""Putting messages in the outbox: one row per message and recipient, keyed so nothing is queued twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, Notification
from copflow.db.uow import QUEUED
from copflow.services.clock import cop_date
from copflow.services.links.signed import action_url
from copflow.services.workdays import decision_deadline_of, working_days_of
from lifecycle import Audience, Gate, Notice, Policy, Role, Stage
from lifecycle.audiences import AUDIENCE_ROLES, FALLS_BACK_TO_OD_MANAGER, UNREACHABLE_FALLS_BACK_TO
from lifecycle.working_days import survey_closes_on
from notifications.vocabulary import EVIDENCE


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    role: str
    # A hard bounce marked the address undeliverable (copflow/services/inbox/bounces.py): `recipients` passes over it.
    undeliverable: bool = False


def holders(cop: Cop, roles: frozenset[Role]) -> list[Recipient]:
    """The CoP's current members holding any of `roles`, one entry per address (a lead who also coordinates:
    once, under the first role by name), in a stable order. An erased person stays on the roster under a
    pseudonym but is never written to or invited."""
    from copflow.services.pseudonyms import is_erased

    wanted = {r.value for r in roles}
    seen: dict[str, Recipient] = {}
    for m in sorted(cop.memberships, key=lambda m: (m.role, m.person.email)):
        if m.role in wanted and m.left_on is None and not is_erased(m.person.email):
            seen.setdefault(m.person.email, Recipient(m.person.email, m.person.name, m.role,
                                                      m.person.undeliverable_at is not None))
    return list(seen.values())


def named(cop: Cop, audience: Audience | str) -> list[Recipient]:
    """Who holds an audience's roles, to name them in a message (an address that bounces included): who hears
    is `recipients`."""
    return holders(cop, AUDIENCE_ROLES[Audience(audience)])


def recipients(cop: Cop, *audiences: Audience | str, od_manager: str | None = None) -> list[Recipient]:
    """Who hears, in this CoP, a message to these audiences (lifecycle/audiences.py), each address once. An
    address that bounced for good is passed over; when a whole audience did, the next who can act hears
    (UNREACHABLE_FALLS_BACK_TO: the leads' sponsor, then the OD manager)."""
    seen: dict[str, Recipient] = {}
    for name in audiences:
        audience: Audience | None = Audience(name)
        found: list[Recipient] = []
        while audience is not None and not found:
            found = holders(cop, AUDIENCE_ROLES[audience])
            if not found and od_manager and audience in FALLS_BACK_TO_OD_MANAGER:
                found = [Recipient(od_manager, "OD manager", Role.OD_MANAGER_CONTACT.value)]
            reachable = [to for to in found if not to.undeliverable]
            audience = UNREACHABLE_FALLS_BACK_TO.get(audience) if found and not reachable else None
            found = reachable
        for to in found:
            seen.setdefault(to.email, to)
    return list(seen.values())


def enqueue(s: Session, *, key: str, cop_id: int | None, kind: str, to: Recipient, context: dict[str, Any],
            now: datetime, ics: str | None = None, ics_method: str | None = None,
            attachment: tuple[str, str] | None = None, reply_to: str | None = None) -> bool:
    """Insert one outbox row unless its key is there already; True if a row was added. `attachment` is a
    (file name, text) pair sent with the message; `reply_to`, where a reply goes instead of the programme.

    INSERT … ON CONFLICT DO NOTHING makes two sweeps racing on the same key end in one row, not an error.
    """
    from copflow.services.pseudonyms import hashed_key, is_erased
    from notifications.compose import render  # Jinja2 loads only when a message is actually composed

    if is_erased(to.email):  # an erased person stays in the record under a pseudonym, and is never written to
        return False
    if hashed_key(key) != key and already_queued(s, hashed_key(key)):
        return False  # sent long ago, its content since purged (privacy/retention.py): the key stays, hashed
    msg = render(kind, {**context, "recipient": to})
    values = dict(idempotency_key=key, cop_id=cop_id, kind=kind, recipient=to.email, recipient_name=to.name,
                  subject=msg.subject, body_text=msg.text, body_html=msg.html, ics=ics, ics_method=ics_method,
                  attachment_name=attachment[0] if attachment else None,
                  attachment=attachment[1] if attachment else None, reply_to=reply_to, status="pending", attempts=0,
                  next_attempt_at=now, created_at=now)
    return insert_row(s, values)


def insert_row(s: Session, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING; True if the row was added (mail and posts alike)."""
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
    added = s.execute(stmt.returning(Notification.id)).first()
    if added is None:
        return False
    s.info.setdefault(QUEUED, []).append(added[0])  # the unit of work's `queued` once committed
    return True


def cop_context(cop: Cop) -> dict[str, Any]:
    return {"cop": {"slug": cop.slug, "name": cop.name, "stage": cop.stage, "timezone": cop.timezone}}


# The stage a review decision leads to, and the decision it was.
REVIEW_OUTCOMES = {"active": "pass", "planning": "evolve", "closing": "close"}


def people_context(cop: Cop, od_manager: str | None = None) -> dict[str, Any]:
    """Who a message can name: the leads and sponsor by name, and the OD manager to send things to."""
    od = recipients(cop, Audience.OD_MANAGER, od_manager=od_manager)
    return {"leads": [r.name for r in named(cop, Audience.LEADS)],
            "sponsors": [r.name for r in named(cop, Audience.SPONSOR)],
            "od_manager": {"name": od[0].name if od else "the CoP programme team",
                           "email": od[0].email if od else (od_manager or "")}}


def survey_url(policy: Policy, slug: str, per_review: str | None = None) -> str | None:
    """The review's survey address: the one given for this review, else the policy's (with {slug} filled in)."""
    if per_review:
        return per_review
    return policy.survey_url.replace("{slug}", slug) if policy.survey_url else None


def enqueue_stage_changed(s: Session, cop: Cop, people: list[Recipient], *, from_stage: str, now: datetime,
                          policy: Policy | None = None, reason: str | None = None) -> int:
    """Tell people that the CoP moved on, and what comes next. When a review opens with a survey link, the
    leads and sponsor get the survey call instead (one message each, which says both). Leaving a review, the
    message says what was decided and why (`reason`, as the OD manager gave it)."""
    if cop.stage == "reviewing" and policy is not None and survey_url(policy, cop.slug):
        return 0
    context = _moved_on(cop, from_stage)
    if from_stage == "reviewing" and cop.stage in REVIEW_OUTCOMES:
        context["review_decision"] = {"decision": REVIEW_OUTCOMES[cop.stage], "reason": reason or ""}
    return sum(enqueue(s, key=f"{cop.slug}/stage/{cop.stage_visit}/{cop.stage}/{to.email}", cop_id=cop.id,
                       kind="stage_changed", to=to, context=context, now=now) for to in people)


def enqueue_review_opened(s: Session, cop: Cop, people: list[Recipient], *, from_stage: str, now: datetime,
                          policy: Policy) -> int:
    """The review's survey call, to every member (leads and sponsor get what the review looks at as well).

    The survey closes on the last day the evaluation counts (the review's first day plus the survey window, moved
    to the next working day as meetings are), so no answer is sent after it stops counting. Without a survey
    address nobody is asked for a survey they cannot find: the call waits and the OD manager's digest says the
    review has no survey link.
    """
    url = survey_url(policy, cop.slug)
    if url is None:
        return 0
    opened = cop.stage_entered_on
    closes = survey_closes_on(opened, policy, working_days_of(cop, policy).is_working)
    today = cop_date(now, cop.timezone)
    if today > closes:
        return 0  # the survey has closed: nobody is asked for answers that would not count
    call = {**_moved_on(cop, from_stage), "closes_on": closes.isoformat(), "survey_url": url,
            "decision_on": decision_deadline_of(cop, policy).isoformat(),
            # A member who joins while the survey is open is asked too, told how many days are left.
            "days_left": (closes - today).days + 1 if today > opened else None}
    return sum(enqueue(s, key=review_call_key(cop, to.email), cop_id=cop.id, kind="review_opened", to=to,
                       context=call, now=now) for to in people)


def review_call_key(cop: Cop, email: str) -> str:
    """One survey call per member per review (its stage visit), whenever they joined."""
    return f"{cop.slug}/review-opened/{cop.stage_visit}/{email}"


def call_newcomers_to_the_review(s: Session, cop: Cop, *, now: datetime, policy: Policy) -> int:
    """Everyone who belongs to a CoP under review is asked for their views while its survey is open: after a
    roster change, the members not asked yet (joined since it opened) get the call with the days left."""
    if cop.stage != Stage.REVIEWING.value:
        return 0
    return enqueue_review_opened(s, cop, recipients(cop, Audience.MEMBERS), from_stage=Stage.ACTIVE.value, now=now,
                                 policy=policy)


def _moved_on(cop: Cop, from_stage: str) -> dict[str, Any]:
    return {**cop_context(cop), **people_context(cop), "from_stage": from_stage, "to_stage": cop.stage,
            "next_gate": cop.next_due_gate, "next_due_on": cop.next_due_on.isoformat() if cop.next_due_on else None}


def enqueue_notice(s: Session, cop: Cop, notice: Notice, *, now: datetime, od_manager: str | None,
                   policy: Policy | None = None) -> int:
    """Queue one reminder (leads) or escalation (sponsor) for everyone in its audience; a lead's (or the OD
    manager's) carries `action_url`, a signed link to the gate's evidence form. The OD manager's escalations
    are not mail of their own: the sweep puts them into its one digest."""
    context = {**cop_context(cop), **people_context(cop, od_manager), "notice": {
        "kind": notice.kind, "audience": notice.audience, "gate": notice.gate.value,
        "due_on": notice.due_on.isoformat(), "days": notice.days, "step": notice.step},
        "evidence": list(EVIDENCE.get(notice.gate.value, ()))}
    kind = "review_due" if notice.gate is Gate.REVIEW_DUE else "gate_reminder"
    added = 0
    for to in recipients(cop, notice.audience, od_manager=od_manager):
        key = f"{notice.key}/{to.email}"
        if already_queued(s, key):
            continue  # already queued: no second link for a message that will not be sent again
        url = action_url(s, cop, to.email, to.role, notice.gate, now=now, policy=policy or Policy())
        added += enqueue(s, key=key, cop_id=cop.id, kind=kind, to=to, context={**context, "action_url": url},
                         now=now)
    return added


def already_queued(s: Session, key: str) -> bool:
    """Whether `key` was queued, in its own words or (its content purged after the retention period) hashed."""
    from copflow.services.pseudonyms import hashed_key

    keys = {key, hashed_key(key)}
    return s.scalar(select(Notification.id).where(Notification.idempotency_key.in_(keys)).limit(1)) is not None
