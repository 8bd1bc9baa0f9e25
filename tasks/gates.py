"""Tasks that record evidence and decisions through the same services the CLI uses."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import task

from copflow.services.gates import advance, record_evidence
from copflow.services.reviews import decide_review
from tasks.common import parse_now, settings, uow
from tasks.events import emit


@task(name="record-evidence")
def record_gate_evidence(slug: str, gate: str, evidence: dict[str, Any], by: str, now_iso: str) -> dict[str, Any]:
    return record_evidence(uow(), slug=slug, gate=gate, payload=evidence, by=by, now=parse_now(now_iso),
                           policy=settings().policy())


@task(name="advance")
def advance_cop(slug: str, by: str, now_iso: str) -> dict[str, Any]:
    result = advance(uow(), slug=slug, by=by, now=parse_now(now_iso), policy=settings().policy())
    for name, payload in result.events:
        emit(name, slug, payload)
    return asdict(result)


@task(name="decide-review")
def decide(slug: str, decision: str, decided_by: str, reason: str, now_iso: str, closing_date: str | None,
           kind: str | None) -> dict[str, Any]:
    from datetime import date

    s = settings()
    result = decide_review(uow(), slug=slug, decision=decision, decided_by=decided_by, reason=reason,
                           now=parse_now(now_iso), policy=s.policy(),
                           closing_date=date.fromisoformat(closing_date) if closing_date else None, kind=kind,
                           reports_dir=s.reports_dir, od_manager=s.od_manager_email)
    emit("copflow.review.decided", slug, {"decision": decision, "by": decided_by, "to": result.to_stage})
    for name, payload in result.events:
        emit(name, slug, payload)
    return asdict(result)
