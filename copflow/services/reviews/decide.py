"""Deciding a review, from the CLI, the web or a paused flow: the decision's evidence and the transition in one
transaction, through the one transition path. The core's table publishes the review's evaluation with it (a
decision always stands on its report) and tells everyone the decision concerns."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from copflow.db.models import Cop
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import THE_COP, InvalidInput
from copflow.services.snapshots import get_cop
from copflow.services.transitions import AdvanceResult, Change, changing
from copflow.services.workdays import working_days_of
from lifecycle import Gate, Policy, Stage
from lifecycle.working_days import next_working_day

DECISIONS = {"pass": (Gate.REVIEW_PASSED, Stage.ACTIVE), "evolve": (Gate.EVOLVE_DECIDED, Stage.PLANNING),
             "close": (Gate.CLOSE_DECIDED, Stage.CLOSING)}


def decide_review(uow: UnitOfWork, *, slug: str, decision: str, decided_by: str, reason: str, now: datetime,
                  policy: Policy, closing_date: date | None = None, kind: str | None = None,
                  reports_dir: Path | None = None, od_manager: str | None = None, via: str = "") -> AdvanceResult:
    """Record who decided what and why, and move the CoP on — or refuse, naming everything missing.

    The review's report is brought up to date in the same transaction (or made, if the survey window has not
    closed yet), and a decision that differs from its recommendation says so in the audit trail. `via` ("web") is
    added to who decided in the audit trail."""
    if decision not in DECISIONS:
        raise InvalidInput("decision", f"must be pass, evolve or close, not {decision!r}")
    gate, target = DECISIONS[decision]
    with changing(uow, slug, now=now, policy=policy, od_manager=od_manager, reports_dir=reports_dir) as m:
        under_review(m.cop)  # the real problem first: a CoP not under review, before anything about who decides
        who = v.email(decided_by, "decided by")
        if decision == "close":
            reason = v.substantial_reason(reason, what="closing a community")
        payload: dict[str, Any] = {"decided_by": who, "reason": reason}
        if decision == "pass":
            payload["evaluation_done"] = True  # the report is published with the decision (the core's table)
        elif decision == "evolve":
            payload["kind"] = kind
        by = f"{who} (via {via})" if via else who
        if decision == "close":  # a closing date on a weekend, holiday or closure day moves to the next working day
            closes = next_working_day(closing_date, working_days_of(m.cop, policy).is_working) if closing_date else None
            payload["closing_date"] = closes.isoformat() if closes else None
        return m.move(Change(slug, by, gate=gate, evidence=payload, to=target, reason=reason))


def require_under_review(uow: UnitOfWork, slug: str) -> None:
    """Refuse (as `decide_review` would) a CoP that is not under review: what the command line says before any
    problem with who decides."""
    with uow:
        under_review(get_cop(uow.session, slug))


def under_review(cop: Cop, *, why: str = ", not under review") -> None:
    """Refuse a decision, a split or a merge of a CoP that is not under review."""
    if cop.stage != Stage.REVIEWING.value:
        raise InvalidInput("stage", f"{THE_COP} is in stage {cop.stage}{why}", cop=cop.slug, cop_name=cop.name)
