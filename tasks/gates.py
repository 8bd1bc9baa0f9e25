"""Tasks that record evidence and decisions through the same services the CLI uses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import task

from copflow.services.evidence import record_evidence
from copflow.services.gates import AdvanceResult, advance
from copflow.services.reviews import decide_review
from tasks.common import settings, uow
from tasks.events import emit


@task(name="record-evidence")
def record_gate_evidence(slug: str, gate: str, evidence: dict[str, Any], by: str, now: datetime) -> dict[str, Any]:
    """The evidence as stored (validated and normalised: the gate's own fields, hence a mapping)."""
    return record_evidence(uow(), slug=slug, gate=gate, payload=evidence, by=by, now=now,
                           policy=settings().policy())


@task(name="advance")
def advance_cop(slug: str, by: str, now: datetime) -> AdvanceResult:
    result = advance(uow(), slug=slug, by=by, now=now, policy=settings().policy())
    for name, payload in result.events:
        emit(name, slug, payload)
    return result


@task(name="decide-review")
def decide(slug: str, decision: str, decided_by: str, reason: str, now: datetime, closing_date: date | None,
           kind: str | None) -> AdvanceResult:
    s = settings()
    result = decide_review(uow(), slug=slug, decision=decision, decided_by=decided_by, reason=reason,
                           now=now, policy=s.policy(), closing_date=closing_date, kind=kind,
                           reports_dir=s.reports_dir, od_manager=s.od_manager_email)
    emit("copflow.review.decided", slug, {"decision": decision, "by": decided_by, "to": result.to_stage})
    for name, payload in result.events:
        emit(name, slug, payload)
    return result
