"""Recording gate evidence and advancing a CoP: the path of a gate, each in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from copflow.db.models import Charter, Cop, GateEvidence, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.closing.enter import on_closing_entered
from copflow.services.errors import ConcurrentChange, InvalidInput
from copflow.services.evidence import charter_version_taken
from copflow.services.evidence import record_evidence as record_evidence  # recording is Core: see evidence.py
from copflow.services.meetings import on_stage_entered
from copflow.services.outbox import enqueue_transition_notices
from copflow.services.snapshots import get_cop, refresh_due, snapshot
from lifecycle import (
    CopSnapshot,
    Decision,
    Gate,
    Policy,
    Stage,
    check_recordable,
    decide,
    validate_evidence,
)


@dataclass(frozen=True)
class AdvanceResult:
    slug: str
    from_stage: str
    to_stage: str
    trigger: str
    warnings: tuple[str, ...]
    events: tuple[tuple[str, dict[str, str]], ...]
    next_due_gate: str | None
    next_due_on: str | None


def add_evidence(s: Session, cop: Cop, g: Gate, payload: dict[str, Any], *, who: str, now: datetime,
                 today: date) -> dict[str, Any]:
    """Check that the gate is open and the evidence well-formed, then add it (caller commits)."""
    check_recordable(snapshot(s, cop), g)
    clean = validate_evidence(g, payload, today)
    if g is Gate.CHARTER_PUBLISHED and clean.get("version"):
        _check_new_charter_version(s, cop, clean["version"])
    s.add(GateEvidence(cop_id=cop.id, stage=cop.stage, stage_visit=cop.stage_visit, gate=g.value,
                       payload=clean, recorded_by=who, recorded_at=now))
    s.flush()
    return clean


def advance(uow: UnitOfWork, *, slug: str, by: str, now: datetime, policy: Policy,
            target: str | None = None, trigger: str | None = None, reason: str | None = None) -> AdvanceResult:
    """Move the CoP on if its gates are met, else raise TransitionRefused listing every unmet requirement."""
    who = v.clean_text("by", by, max_len=320)
    today = local_date(now, policy)
    target_stage = Stage(target) if target in {s.value for s in Stage} else None
    if target is not None and target_stage is None:
        raise InvalidInput("to", f"unknown stage {target!r} (stages: {', '.join(s.value for s in Stage)})")
    with concurrent_guard(slug), uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        snap = snapshot(s, cop)
        decision = decide(snap, today, policy, target=target_stage, trigger=trigger)
        result = apply_decision(s, cop, snap, decision, who=who, now=now, today=today, policy=policy,
                                reason=reason)
        uow.commit()
        return result


def apply_decision(s: Session, cop: Cop, snap: CopSnapshot, decision: Decision, *, who: str, now: datetime,
                   today: date, policy: Policy, reason: str | None) -> AdvanceResult:
    """Write the transition, its stage-entry effects, new due dates and notices (caller commits)."""
    t = decision.transition
    s.add(TransitionRecord(cop_id=cop.id, from_stage=t.source.value, to_stage=t.target.value,
                           trigger=t.trigger, from_visit=cop.stage_visit, at=now, by=who, reason=reason))
    _on_leave(s, cop, snap, t.source, today)
    cop.stage = t.target.value
    cop.stage_visit += 1
    cop.stage_entered_on = today
    s.flush()
    refresh_due(s, cop, today, policy)
    enqueue_transition_notices(s, cop, snap, t.source.value, t.target.value, now=now, policy=policy)
    on_stage_entered(s, cop, t.source, t.target, today=today, now=now, policy=policy, anchor=cop.review_anchor_on)
    if t.target is Stage.CLOSING:
        on_closing_entered(s, cop, now=now, reason=reason or "the community has decided to close")
    return AdvanceResult(cop.slug, t.source.value, t.target.value, t.trigger,
                         tuple(w.message for w in decision.warnings),
                         tuple((e.name, e.payload) for e in decision.events),
                         cop.next_due_gate, cop.next_due_on.isoformat() if cop.next_due_on else None)


def _on_leave(s: Session, cop: Cop, snap: CopSnapshot, source: Stage, today: date) -> None:
    """What passing the gates of `source` writes besides the transition."""
    ev = snap.evidence
    if source is Stage.FORMING and ev.get(Gate.CORE_GROUP_FORMED, {}).get("domain"):
        cop.domain = ev[Gate.CORE_GROUP_FORMED]["domain"]
    elif source is Stage.PLANNING:
        c = ev[Gate.CHARTER_PUBLISHED]
        s.add(Charter(cop_id=cop.id, version=c["version"], purpose=c["purpose"], aims=c["aims"],
                      annual_targets=c["annual_targets"], review_dates=c.get("review_dates", []),
                      review_cadence_months=c.get("review_cadence_months"), link=c["link"],
                      published_on=date.fromisoformat(c["published_on"])))
    elif source is Stage.LAUNCHING:
        cop.review_anchor_on = date.fromisoformat(ev[Gate.LAUNCH_HELD]["held_on"])
    elif source is Stage.REVIEWING:
        cop.review_anchor_on = today
        if Gate.CLOSE_DECIDED in ev:
            cop.closing_date = date.fromisoformat(ev[Gate.CLOSE_DECIDED]["closing_date"])


def _check_new_charter_version(s: Session, cop: Cop, version: str) -> None:
    exists = s.scalar(select(Charter.id).where(Charter.cop_id == cop.id, Charter.version == version))
    if exists is not None:
        raise charter_version_taken(cop.slug, version)


@contextmanager
def concurrent_guard(slug: str) -> Iterator[None]:
    """A lost race (version mismatch, or the unique transition row) becomes one clear error."""
    try:
        yield
    except (StaleDataError, IntegrityError):
        raise ConcurrentChange(slug) from None
