"""The daily sweep's use cases: find what is due (indexed), open due reviews, queue reminders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from copflow.db.models import Cop, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.clock import local_date
from copflow.services.mail.outbox import enqueue_notice, named
from copflow.services.snapshots import load_batch
from copflow.services.transitions import AdvanceResult, Change, Moving
from lifecycle import Gate, Notice, Policy, Stage, notices_due, review_is_due
from lifecycle.audiences import BEYOND_THE_LEADS
from lifecycle.due import horizon
from notifications.vocabulary import gate_words, plural

SWEEP_ACTOR = "copflow sweep"
# Gates only the OD manager acts on (the review decision; the archive copflow writes itself): nobody else is
# reminded of them, and the OD manager reads them in the digest's "reviews waiting" and "escalations".
NOT_THEIRS = {Gate.REVIEW_PASSED: ("leads", "sponsor")}


@dataclass
class SweepCounts:
    cops: int = 0
    reviews_opened: int = 0
    notices_queued: int = 0  # reminders and escalations, one per recipient
    conflicts: int = 0
    opened: list[str] = field(default_factory=list)
    escalations_queued: int = 0  # of notices_queued, those to a sponsor or the OD manager
    # One line per escalation rung reached today, for the sweep's summary: "slug: gate, N days overdue → sponsor".
    escalated: list[str] = field(default_factory=list)
    # The OD manager's part, for the digest: one entry per CoP and overdue gate at the sponsor's or OD
    # manager's rung (see escalation_entry).
    attention: list[dict[str, object]] = field(default_factory=list)
    # The reviews opened, with their events (copflow/runs.py sends them once the batch has committed).
    transitions: list[AdvanceResult] = field(default_factory=list)

    def add(self, other: SweepCounts) -> SweepCounts:
        return SweepCounts(self.cops + other.cops, self.reviews_opened + other.reviews_opened,
                           self.notices_queued + other.notices_queued, self.conflicts + other.conflicts,
                           self.opened + other.opened, self.escalations_queued + other.escalations_queued,
                           self.escalated + other.escalated, self.attention + other.attention,
                           self.transitions + other.transitions)


def escalation_entry(s: Session, cop: Cop, notice: Notice, policy: Policy) -> dict[str, object]:
    """What the digest says about one escalation: plain values, safe to pass between Prefect tasks. With the
    day the leads were last reminded and the sponsor last told of this gate (None: never), read from the outbox:
    the ladder's rungs fall on fixed days, so a sweep that missed one may have told nobody."""
    leads, sponsors = named(cop, "leads"), named(cop, "sponsor")  # named even when their address bounces
    told = _last_told(s, cop, notice, policy)
    return {"slug": cop.slug, "name": cop.name, "gate": notice.gate.value, "due_on": notice.due_on.isoformat(),
            "days": notice.days, "audience": notice.audience,
            "leads": [r.name for r in leads], "sponsors": [r.name for r in sponsors],
            "leads_told_on": max((told[r.email] for r in leads if r.email in told), default=None),
            "sponsor_told_on": max((told[r.email] for r in sponsors if r.email in told), default=None)}


def _last_told(s: Session, cop: Cop, notice: Notice, policy: Policy) -> dict[str, str]:
    """Each address reminded of this gate's due date, with the (local, ISO) day it was last queued."""
    prefix = f"{cop.slug}/{notice.gate.value}/{notice.due_on.isoformat()}/"
    told: dict[str, str] = {}
    for key, at in s.execute(select(Notification.idempotency_key, Notification.created_at).where(
            Notification.cop_id == cop.id, Notification.kind == "gate_reminder",
            Notification.idempotency_key.startswith(prefix, autoescape=True))):
        email, day = key.rsplit("/", 1)[1], local_date(at if at.tzinfo else at.replace(tzinfo=UTC), policy)
        told[email] = max(told.get(email, ""), day.isoformat())
    return told


def due_cop_batches(uow: UnitOfWork, *, now: datetime, policy: Policy, batch_size: int = 500) -> list[list[int]]:
    """Ids of CoPs with a gate due within the reminder horizon or overdue, in batches.

    Reads only the indexed next_due_on column: the cost follows what is due, not the portfolio's size. Sorted
    here, not in SQL: asked for `ORDER BY id`, SQLite walks the whole table in id order instead of the index.
    """
    limit = local_date(now, policy) + timedelta(days=horizon(policy))
    with uow:
        ids = sorted(uow.session.scalars(select(Cop.id).where(Cop.next_due_on <= limit)))
    return [ids[i:i + batch_size] for i in range(0, len(ids), batch_size)]


def sweep_batch(uow: UnitOfWork, cop_ids: list[int], *, now: datetime, policy: Policy,
                od_manager: str | None = None) -> SweepCounts:
    """Open due reviews and queue owed reminders for one batch, in one transaction.

    Each CoP runs in a savepoint: one that a concurrent writer changed is skipped (counted as a conflict)
    and picked up by the next sweep, instead of failing the whole batch.
    """
    today = local_date(now, policy)
    counts = SweepCounts()
    with uow:
        s = uow.session
        for cop, snap in load_batch(s, cop_ids, policy):
            counts.cops += 1
            if snap.stage is Stage.CLOSED:
                continue
            try:
                with s.begin_nested():
                    if review_is_due(snap, today, policy):
                        due = cop.next_review_on or today
                        counts.transitions.append(Moving(s, cop, now, policy, od_manager).move(
                            Change(cop.slug, SWEEP_ACTOR, gate=Gate.REVIEW_DUE, evidence={"due_on": due},
                                   trigger="open_review", reason="review date reached")))
                        counts.reviews_opened += 1
                        counts.opened.append(cop.slug)
                        continue
                    notices = [n for n in notices_due(snap, today, policy)
                               if n.audience not in NOT_THEIRS.get(n.gate, ())]
                    for notice in notices:
                        queued = 0
                        if notice.audience != "od_manager":  # the OD manager's: the digest carries it
                            queued = enqueue_notice(s, cop, notice, now=now, od_manager=od_manager, policy=policy)
                            counts.notices_queued += queued
                        if queued and notice.audience in BEYOND_THE_LEADS:
                            counts.escalations_queued += queued
                            counts.escalated.append(f"{cop.name}: {gate_words(notice.gate)}, "
                                                    f"{plural(notice.days, 'day')} late; sponsor told")
                    # The digest lists each escalated gate once, at the highest rung it has reached; after
                    # queuing, so "sponsor told today" is true.
                    highest = {n.gate: n for n in notices if n.audience in BEYOND_THE_LEADS}
                    counts.attention.extend(escalation_entry(s, cop, n, policy) for n in highest.values())
            except (StaleDataError, IntegrityError):
                counts.conflicts += 1
        try:
            uow.commit()
        except (StaleDataError, IntegrityError):
            # The whole batch lost a race at commit; its reminders are keyed, so the next sweep redoes them.
            return SweepCounts(conflicts=len(cop_ids))
    return counts
