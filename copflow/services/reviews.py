"""Deciding a review: the evidence and the transition in one transaction, from the CLI or the Prefect UI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.errors import InvalidInput
from copflow.services.gates import AdvanceResult, add_evidence, apply_decision, concurrent_guard
from copflow.services.records import get_cop, snapshot
from lifecycle import Gate, Policy, Stage, decide

DECISIONS = {"pass": (Gate.REVIEW_PASSED, Stage.ACTIVE), "evolve": (Gate.EVOLVE_DECIDED, Stage.PLANNING),
             "close": (Gate.CLOSE_DECIDED, Stage.CLOSING)}


def decide_review(uow: UnitOfWork, *, slug: str, decision: str, decided_by: str, reason: str, now: datetime,
                  policy: Policy, closing_date: date | None = None, kind: str | None = None,
                  evaluation_done: bool = True) -> AdvanceResult:
    """Record who decided what and why, and move the CoP on — or refuse, naming everything missing."""
    if decision not in DECISIONS:
        raise InvalidInput("decision", f"must be pass, evolve or close, not {decision!r}")
    gate, target = DECISIONS[decision]
    who = v.email(decided_by, "decided by")
    payload: dict[str, Any] = {"decided_by": who, "reason": reason}
    if decision == "pass":
        payload["evaluation_done"] = evaluation_done
    elif decision == "evolve":
        payload["kind"] = kind
    else:
        payload["closing_date"] = closing_date.isoformat() if closing_date else None
    today = local_date(now, policy)
    with concurrent_guard(slug), uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        if cop.stage != Stage.REVIEWING.value:
            raise InvalidInput("stage", f"{slug} is in stage {cop.stage}, not under review")
        add_evidence(s, cop, gate, payload, who=who, now=now, today=today)
        snap = snapshot(s, cop)
        result = apply_decision(s, cop, snap, decide(snap, today, policy, target=target), who=who, now=now,
                                today=today, policy=policy, reason=reason)
        uow.commit()
        return result
