"""Use cases for CoPs: propose, show, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from copflow.db.models import Cop, GateEvidence, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.errors import AlreadyExists
from copflow.services.records import current_charter, get_cop, refresh_due, snapshot
from lifecycle import Policy, Stage, evaluate


@dataclass(frozen=True)
class CopSummary:
    slug: str
    name: str
    stage: str
    timezone: str
    next_due_gate: str | None
    next_due_on: str | None
    next_review_on: str | None


def propose_cop(uow: UnitOfWork, *, slug: str, name: str, now: datetime, policy: Policy,
                timezone: str | None = None, domain: str | None = None, place: str | None = None) -> CopSummary:
    s = v.slug(slug)
    cop = Cop(slug=s, name=v.clean_name("name", name), timezone=v.timezone(timezone or policy.timezone),
              meeting_place=v.clean_text("place", place, 300, required=False) or None if place else None,
              domain=domain.strip() if domain else None, stage=Stage.FORMING.value,
              stage_entered_on=local_date(now, policy), stage_visit=1, created_at=now)
    with uow:
        if uow.session.scalar(select(Cop.id).where(Cop.slug == s)) is not None:
            raise AlreadyExists("CoP", s)
        uow.session.add(cop)
        try:
            uow.session.flush()
        except IntegrityError:  # a concurrent create of the same slug won the race
            raise AlreadyExists("CoP", s) from None
        refresh_due(uow.session, cop, local_date(now, policy), policy)
        uow.commit()
        return _summary(cop)


def list_cops(uow: UnitOfWork, stage: Stage | None = None) -> list[CopSummary]:
    with uow:
        q = select(Cop).order_by(Cop.slug)
        if stage is not None:
            q = q.where(Cop.stage == stage.value)
        return [_summary(c) for c in uow.session.scalars(q)]


def show_cop(uow: UnitOfWork, slug: str, now: datetime, policy: Policy) -> dict[str, object]:
    """Everything an OD manager asks about one CoP: roster, evidence, what blocks it, its history."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        snap = snapshot(s, cop)
        today = local_date(now, policy)
        ways = [{"trigger": t.trigger, "to": t.target.value,
                 "unmet": [u.message for u in unmet], "warnings": [w.message for w in warn]}
                for t, unmet, warn in evaluate(snap, today, policy)]
        charter = current_charter(s, cop.id)
        history = s.scalars(select(TransitionRecord).where(TransitionRecord.cop_id == cop.id)
                            .order_by(TransitionRecord.id))
        evidence = s.scalars(select(GateEvidence).where(GateEvidence.cop_id == cop.id)
                             .order_by(GateEvidence.id))
        return {
            **_summary(cop).__dict__,
            "domain": cop.domain,
            "members": [{"email": m.person.email, "name": m.person.name, "role": m.role,
                         "department": m.person.department, "joined_on": m.joined_on.isoformat()}
                        for m in cop.memberships if m.left_on is None],
            "former_members": [{"email": m.person.email, "name": m.person.name, "role": m.role,
                                "joined_on": m.joined_on.isoformat(), "left_on": m.left_on.isoformat()}
                               for m in cop.memberships if m.left_on is not None],
            "ways_out": ways,
            "charter": None if charter is None else {
                "version": charter.version, "purpose": charter.purpose, "aims": charter.aims,
                "annual_targets": charter.annual_targets, "review_dates": charter.review_dates,
                "link": charter.link, "published_on": charter.published_on.isoformat()},
            "evidence": [{"gate": e.gate, "stage": e.stage, "recorded_by": e.recorded_by,
                          "recorded_at": e.recorded_at.isoformat(), "payload": e.payload} for e in evidence],
            "transitions": [{"from": t.from_stage, "to": t.to_stage, "trigger": t.trigger,
                             "at": t.at.isoformat(), "by": t.by, "reason": t.reason} for t in history],
        }


def _summary(cop: Cop) -> CopSummary:
    return CopSummary(cop.slug, cop.name, cop.stage, cop.timezone, cop.next_due_gate,
                      cop.next_due_on.isoformat() if cop.next_due_on else None,
                      cop.next_review_on.isoformat() if cop.next_review_on else None)
