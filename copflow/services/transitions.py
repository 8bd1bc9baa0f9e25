"""The one path of every stage change: a gate recorded from the CLI, the web or the Prefect form, a review opened by
the sweep or decided (CLI, web, paused flow), renew, split, merge, archive and close.

`transition` records the change's evidence, decides with the lifecycle core, applies what the core says the
transition sets off (copflow/services/effects.py, in the core's order) and writes the transition row, in one
transaction; then it runs what waits for the commit (report files). What it returns carries the core's events,
which copflow/runs.py sends (`announce`) once the caller has delivered or handed over the mail. Nothing else
writes a transition row or adds gate evidence (the Core-only `copflow gate record`, which moves nothing, is this
path's own helper: copflow/services/evidence.py), and nothing else builds an event.

A caller says what it wants as a `Change`. Its own checks and completions — that a split's parent is under
review, the closing date moved to a working day, a merge's target — go in `Change.complete`, which sees the
loaded CoP inside the transaction and returns the completed change; it reads, never writes. Every consequence,
for the CoP or for others (a split's children, a merge's members and meetings), is an effect in the core's table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from copflow.db.models import Cop, GateEvidence, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.clock import local_date
from copflow.services.effects import Applying, Trail, apply_effects
from copflow.services.errors import ConcurrentChange
from copflow.services.evidence import checked_evidence
from copflow.services.snapshots import get_cop, refresh_due, snapshot
from lifecycle import CopSnapshot, Gate, Policy, Stage, TransitionRefused, Unmet, decide
from lifecycle.effects import settling
from lifecycle.events import Emit


@dataclass(frozen=True)
class AdvanceResult:
    """What a change did: the move (or, for `keep_if_unmet`, the evidence kept and what the gates still lack)."""

    slug: str
    from_stage: str
    to_stage: str
    trigger: str
    warnings: tuple[str, ...]
    events: tuple[Emit, ...]  # the core's events, for copflow/runs.py to send after the commit
    next_due_gate: str | None
    next_due_on: str | None
    moved: bool = True
    unmet: tuple[Unmet, ...] = ()
    recorded: Mapping[str, Any] | None = None  # the evidence as stored (validated and normalised)


@dataclass(frozen=True)
class Change:
    """One stage change asked for: whose, the evidence that passes its gate (recorded first), where to, and why."""

    slug: str
    by: str  # as the audit trail shows it: "odm@uni.example.org (via web)"
    gate: Gate | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    to: Stage | None = None
    trigger: str | None = None
    reason: str | None = None
    # A form's evidence is kept even when the gates are not all met yet (the result says what they lack).
    keep_if_unmet: bool = False
    # The caller's own checks and completions on the loaded CoP, inside the transaction (reads only).
    complete: Callable[[Session, Cop], Change] | None = None


def transition(uow: UnitOfWork, change: Change, *, now: datetime, policy: Policy, od_manager: str | None,
               reports_dir: Path | None = None) -> AdvanceResult:
    """Make the change in one transaction, or refuse it and write nothing. `od_manager` is the organisation's
    OD manager (COPFLOW_OD_MANAGER_EMAIL), who hears what a CoP's OD-manager contact would when it names none;
    `reports_dir` is where a review's report files go."""
    name: str | None = None
    try:
        with uow:
            cop = get_cop(uow.session, change.slug, for_write=True)
            name = cop.name
            result, later = _move(uow.session, cop, change, now=now, policy=policy, od_manager=od_manager,
                                  reports_dir=reports_dir)
            uow.commit()
    except (StaleDataError, IntegrityError):  # a lost race: the CoP's version moved on, or its visit's row is taken
        raise ConcurrentChange(change.slug, name=name) from None
    for step in later:
        step()
    return result


def transition_in(s: Session, cop: Cop, change: Change, *, now: datetime, policy: Policy,
                  od_manager: str | None) -> AdvanceResult:
    """The same change inside the caller's transaction (the sweep's batch, a savepoint per CoP); the caller commits.
    Only for changes with nothing to do after the commit (a review opened)."""
    result, later = _move(s, cop, change, now=now, policy=policy, od_manager=od_manager, reports_dir=None)
    if later:
        raise AssertionError(f"{change.slug}: a change with work after its commit goes through transition()")
    return result


def _move(s: Session, cop: Cop, change: Change, *, now: datetime, policy: Policy, od_manager: str | None,
          reports_dir: Path | None) -> tuple[AdvanceResult, list[Callable[[], None]]]:
    today = local_date(now, policy)
    if change.complete is not None:
        change = change.complete(s, cop)
    snap = snapshot(s, cop)
    recorded = None
    if change.gate is not None:
        recorded = checked_evidence(s, snap, cop.id, cop.timezone, change.gate, dict(change.evidence), now=now,
                                    cop_name=cop.name)
        s.add(GateEvidence(cop_id=cop.id, stage=cop.stage, stage_visit=cop.stage_visit, gate=change.gate.value,
                           payload=recorded, recorded_by=change.by, recorded_at=now))
        s.flush()
        snap = _with(snap, change.gate, recorded)
    try:
        decision = decide(snap, today, policy, target=change.to, trigger=change.trigger)
    except TransitionRefused as refused:
        if not (change.keep_if_unmet and recorded is not None):
            raise
        refresh_due(s, cop, today, policy)
        return AdvanceResult(cop.slug, cop.stage, cop.stage, "", (), (), cop.next_due_gate,
                             cop.next_due_on.isoformat() if cop.next_due_on else None, moved=False,
                             unmet=tuple(refused.unmet), recorded=recorded), []
    a = Applying(s, cop, snap, decision.transition, now, today, policy, change.reason, od_manager, by=change.by,
                 reports_dir=reports_dir)
    first, rest = settling(decision.effects)
    apply_effects(a, first)  # while the CoP is still in the stage it leaves (a review's evaluation)
    t = decision.transition
    _row(s, Trail(cop.id, t.source.value, t.target.value, t.trigger, cop.stage_visit, a.reason), a)
    cop.stage, cop.stage_visit, cop.stage_entered_on = t.target.value, cop.stage_visit + 1, today
    s.flush()
    a.changed()
    apply_effects(a, rest)
    a.due_dates()
    for other in a.trail:  # other CoPs' audit trails: a split's children, a merge's target
        _row(s, other, a)
    s.flush()
    return AdvanceResult(cop.slug, t.source.value, t.target.value, t.trigger,
                         tuple(w.message for w in decision.warnings), tuple(a.events), cop.next_due_gate,
                         cop.next_due_on.isoformat() if cop.next_due_on else None, recorded=recorded), a.after_commit


def _row(s: Session, t: Trail, a: Applying) -> None:
    s.add(TransitionRecord(cop_id=t.cop_id, from_stage=t.from_stage, to_stage=t.to_stage, trigger=t.trigger,
                           from_visit=t.from_visit, at=a.now, by=a.by, reason=t.reason))


def _with(snap: CopSnapshot, g: Gate, payload: Mapping[str, Any]) -> CopSnapshot:
    return replace(snap, evidence={**snap.evidence, g: payload})
