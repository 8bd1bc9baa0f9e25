"""The one path of every stage change: a gate recorded from the CLI, the web or the Prefect form, a review opened by
the sweep or decided (CLI, web, paused flow), renew, split, merge, archive and close.

`Moving.move` records the change's evidence, decides with the lifecycle core, applies what the core says the
transition sets off (copflow/services/effects.py, in the core's order) and writes the transition row. It runs in
one transaction: `changing` (one CoP, loaded for writing; a lost race becomes ConcurrentChange; what waits for the
commit, such as report files, runs after it), `transition` (a change with no checks of the caller's own), or the
sweep's batch (one savepoint per CoP). What `move` returns carries the core's events, which copflow/runs.py sends
(`announce`) once committed. Nothing else writes a transition row or adds gate evidence (the Core-only `copflow
gate record`, which moves nothing, is this path's own helper: copflow/services/evidence.py), and nothing else
builds an event. Every consequence, for the CoP or for others (a split's children, a merge's members and
meetings), is an effect in the core's table; a caller's own checks (that a CoP is under review, a merge's target)
read `Moving.cop` before it calls `move`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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
from copflow.services.evidence import checked_evidence, checked_whole
from copflow.services.snapshots import get_cop, refresh_due, snapshot
from lifecycle import Gate, Policy, Stage, TransitionRefused, Unmet, decide
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
    # A form's evidence (web, console): every field the gate needs, well-formed, or nothing is recorded
    # (services/evidence.py:checked_whole lists every problem at once).
    whole: bool = False


@dataclass
class Moving:
    """One CoP being changed inside one transaction (the caller's, or `changing`'s)."""

    s: Session
    cop: Cop
    now: datetime
    policy: Policy
    od_manager: str | None  # the organisation's OD manager (COPFLOW_OD_MANAGER_EMAIL), for a CoP that names none
    reports_dir: Path | None = None  # where a review's report files go
    later: list[Callable[[], None]] = field(default_factory=list)  # what waits for the commit

    def move(self, change: Change) -> AdvanceResult:
        """Record the change's evidence, decide, apply the core's effects and write the transition row; or refuse
        (TransitionRefused names every unmet requirement) and leave the transaction to be rolled back."""
        s, cop = self.s, self.cop
        today = local_date(self.now, self.policy)
        snap = snapshot(s, cop, self.policy)
        recorded = None
        if change.gate is not None:
            if change.whole:
                recorded = checked_whole(s, snap, cop.id, cop.timezone, change.gate, dict(change.evidence),
                                         now=self.now, today=today, policy=self.policy, cop_name=cop.name)
            else:
                recorded = checked_evidence(s, snap, cop.id, cop.timezone, change.gate, dict(change.evidence),
                                            now=self.now, cop_name=cop.name)
            s.add(GateEvidence(cop_id=cop.id, stage=cop.stage, stage_visit=cop.stage_visit, gate=change.gate.value,
                               payload=recorded, recorded_by=change.by, recorded_at=self.now))
            s.flush()
            snap = replace(snap, evidence={**snap.evidence, change.gate: recorded})
        try:
            decision = decide(snap, today, self.policy, target=change.to, trigger=change.trigger)
        except TransitionRefused as refused:
            if not (change.keep_if_unmet and recorded is not None):
                raise
            refresh_due(s, cop, today, self.policy)
            return AdvanceResult(cop.slug, cop.stage, cop.stage, "", (), (), cop.next_due_gate,
                                 cop.next_due_on.isoformat() if cop.next_due_on else None, moved=False,
                                 unmet=tuple(refused.unmet), recorded=recorded)
        a = Applying(s, cop, snap, decision.transition, self.now, today, self.policy, change.reason, self.od_manager,
                     by=change.by, reports_dir=self.reports_dir)
        first, rest = settling(decision.effects)
        apply_effects(a, first)  # while the CoP is still in the stage it leaves (a review's evaluation)
        t = decision.transition
        self._row(Trail(cop.id, t.source.value, t.target.value, t.trigger, cop.stage_visit, a.reason), change.by)
        cop.stage, cop.stage_visit, cop.stage_entered_on = t.target.value, cop.stage_visit + 1, today
        s.flush()
        a.changed()
        apply_effects(a, rest)
        a.due_dates()
        for other in a.trail:  # other CoPs' audit trails: a split's children, a merge's target
            self._row(other, change.by)
        s.flush()
        self.later += a.after_commit
        return AdvanceResult(cop.slug, t.source.value, t.target.value, t.trigger,
                             tuple(w.message for w in decision.warnings), tuple(a.events), cop.next_due_gate,
                             cop.next_due_on.isoformat() if cop.next_due_on else None, recorded=recorded)

    def _row(self, t: Trail, by: str) -> None:
        self.s.add(TransitionRecord(cop_id=t.cop_id, from_stage=t.from_stage, to_stage=t.to_stage, trigger=t.trigger,
                                    from_visit=t.from_visit, at=self.now, by=by, reason=t.reason))


@contextmanager
def changing(uow: UnitOfWork, slug: str, *, now: datetime, policy: Policy, od_manager: str | None,
             reports_dir: Path | None = None) -> Iterator[Moving]:
    """One transaction for a change of the CoP `slug`: committed when the block ends, rolled back if it raises;
    a lost race (its version moved on, or its visit's transition row taken) is one ConcurrentChange. `od_manager`
    hears what a CoP's OD-manager contact would when it names none; `reports_dir` is where report files go."""
    name: str | None = None
    try:
        with uow:
            cop = get_cop(uow.session, slug, for_write=True)
            name = cop.name
            moving = Moving(uow.session, cop, now, policy, od_manager, reports_dir)
            yield moving
            uow.commit()
    except (StaleDataError, IntegrityError):
        raise ConcurrentChange(slug, name=name) from None
    for step in moving.later:
        step()


def transition(uow: UnitOfWork, change: Change, *, now: datetime, policy: Policy, od_manager: str | None,
               reports_dir: Path | None = None) -> AdvanceResult:
    """Make the change in one transaction, or refuse it and write nothing."""
    with changing(uow, change.slug, now=now, policy=policy, od_manager=od_manager, reports_dir=reports_dir) as m:
        return m.move(change)
