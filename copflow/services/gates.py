"""A gate's evidence and the advance it allows, through the one transition path (copflow/services/transitions.py):
`advance` (`copflow advance`), `record_gate` (the Prefect form: record, and move on if the gates are met), and the
Core-only `record_evidence` (`copflow gate record`, which moves nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from copflow.services.errors import concurrent_guard as concurrent_guard  # moved; kept for older imports
from copflow.services.evidence import record_evidence as record_evidence  # recording is Core: see evidence.py
from copflow.services.transitions import AdvanceResult as AdvanceResult
from copflow.services.transitions import Change, transition
from lifecycle import Policy, Stage, parse_gate


def advance(uow: UnitOfWork, *, slug: str, by: str, now: datetime, policy: Policy, target: str | None = None,
            trigger: str | None = None, reason: str | None = None, od_manager: str | None = None) -> AdvanceResult:
    """Move the CoP on if its gates are met, else raise TransitionRefused listing every unmet requirement."""
    target_stage = Stage(target) if target in {s.value for s in Stage} else None
    if target is not None and target_stage is None:
        raise InvalidInput("to", f"unknown stage {target!r} (stages: {', '.join(s.value for s in Stage)})")
    change = Change(slug, v.clean_text("by", by, max_len=320), to=target_stage, trigger=trigger, reason=reason)
    return transition(uow, change, now=now, policy=policy, od_manager=od_manager)


def record_gate(uow: UnitOfWork, *, slug: str, gate: str, payload: dict[str, Any], by: str, now: datetime,
                policy: Policy, od_manager: str | None = None, whole: bool = False) -> AdvanceResult:
    """Record a gate's evidence and move the CoP on if every gate of its way out is then met, in one transaction;
    otherwise keep the evidence and say what the gates still lack (`moved` false, `unmet`). `whole` (a form):
    every field the gate needs, or nothing is recorded and every problem is named."""
    change = Change(slug, v.clean_text("recorded by", by, max_len=320), gate=parse_gate(gate), evidence=payload,
                    keep_if_unmet=True, whole=whole)
    return transition(uow, change, now=now, policy=policy, od_manager=od_manager)
