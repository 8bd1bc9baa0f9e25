"""Tasks that record a gate and decide reviews through the same services the CLI and the web use (the one
transition path), then send the transition's events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import task

from copflow.runs import announce
from copflow.services.evidence import record_evidence
from copflow.services.gates import record_gate
from copflow.services.reviews.decide import decide_review
from copflow.services.transitions import AdvanceResult
from tasks.common import settings, uow


@task(name="record-evidence")
def record_gate_evidence(slug: str, gate: str, evidence: dict[str, Any], by: str, now: datetime) -> dict[str, Any]:
    """Only record (as `copflow gate record`): the evidence as stored, validated and normalised."""
    return record_evidence(uow(), slug=slug, gate=gate, payload=evidence, by=by, now=now, policy=settings().policy())


@task(name="record-gate")
def record_gate_and_advance(slug: str, gate: str, evidence: dict[str, Any], by: str, now: datetime) -> AdvanceResult:
    """Record the evidence (validated and normalised: `recorded`) and move the CoP on if its gates are then met,
    in one transaction; `unmet` says what they still lack."""
    s = settings()
    result = record_gate(uow(), slug=slug, gate=gate, payload=evidence, by=by, now=now, policy=s.policy(),
                         od_manager=s.od_manager_email)
    announce(slug, result.events)
    return result


@task(name="decide-review")
def take_review_decision(slug: str, decision: str, decided_by: str, reason: str, now: datetime,
                         closing_date: date | None, kind: str | None) -> AdvanceResult:
    """`lifecycle.decide` judges the gates; this task records an OD manager's decision of a review."""
    s = settings()
    result = decide_review(uow(), slug=slug, decision=decision, decided_by=decided_by, reason=reason,
                           now=now, policy=s.policy(), closing_date=closing_date, kind=kind,
                           reports_dir=s.reports_dir, od_manager=s.od_manager_email)
    announce(slug, result.events)
    return result
