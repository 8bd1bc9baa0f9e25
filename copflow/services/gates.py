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
from copflow.services.effects import Applying, apply_effects
from copflow.services.errors import ConcurrentChange, InvalidInput
from copflow.services.evidence import charter_version_taken
from copflow.services.evidence import record_evidence as record_evidence  # recording is Core: see evidence.py
from copflow.services.snapshots import get_cop, snapshot
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
                   today: date, policy: Policy, reason: str | None, od_manager: str | None = None) -> AdvanceResult:
    """Write the transition and apply, in order, everything the core says it sets off (caller commits)."""
    t = decision.transition
    s.add(TransitionRecord(cop_id=cop.id, from_stage=t.source.value, to_stage=t.target.value,
                           trigger=t.trigger, from_visit=cop.stage_visit, at=now, by=who, reason=reason))
    cop.stage = t.target.value
    cop.stage_visit += 1
    cop.stage_entered_on = today
    s.flush()
    applying = Applying(s, cop, snap, t, now, today, policy, reason, od_manager)
    apply_effects(applying, decision.effects)
    return AdvanceResult(cop.slug, t.source.value, t.target.value, t.trigger,
                         tuple(w.message for w in decision.warnings),
                         tuple((e.name, dict(e.payload)) for e in applying.events),
                         cop.next_due_gate, cop.next_due_on.isoformat() if cop.next_due_on else None)


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
