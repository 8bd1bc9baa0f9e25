"""Deciding a review: the evidence and the transition in one transaction, from the CLI or the Prefect UI."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.decided_report import decide_on_report
from copflow.services.errors import InvalidInput
from copflow.services.evaluation import publish_evaluation
from copflow.services.gates import AdvanceResult, add_evidence, apply_decision, concurrent_guard
from copflow.services.snapshots import get_cop, snapshot
from copflow.services.workdays import working_days_of
from lifecycle import Gate, Policy, Stage, decide
from lifecycle.working_days import next_working_day

DECISIONS = {"pass": (Gate.REVIEW_PASSED, Stage.ACTIVE), "evolve": (Gate.EVOLVE_DECIDED, Stage.PLANNING),
             "close": (Gate.CLOSE_DECIDED, Stage.CLOSING)}


def decide_review(uow: UnitOfWork, *, slug: str, decision: str, decided_by: str, reason: str, now: datetime,
                  policy: Policy, closing_date: date | None = None, kind: str | None = None,
                  reports_dir: Path | None = None, od_manager: str | None = None, via: str = "") -> AdvanceResult:
    """Record who decided what and why, and move the CoP on — or refuse, naming everything missing.

    A decision always stands on an evaluation report: the review's report is brought up to date in the same
    transaction (or made, if the survey window has not closed yet), and a decision that differs from its
    recommendation says so in the audit trail. `via` ("web") is added to who decided in the audit trail."""
    if decision not in DECISIONS:
        raise InvalidInput("decision", f"must be pass, evolve or close, not {decision!r}")
    gate, target = DECISIONS[decision]
    who = v.email(decided_by, "decided by")
    by = f"{who} (via {via})" if via else who
    payload: dict[str, Any] = {"decided_by": who, "reason": reason}
    if decision == "pass":
        payload["evaluation_done"] = True  # the report is computed below, in the same transaction
    elif decision == "evolve":
        payload["kind"] = kind
    today = local_date(now, policy)
    with concurrent_guard(slug), uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        if cop.stage != Stage.REVIEWING.value:
            raise InvalidInput("stage", f"{slug} is in stage {cop.stage}, not under review")
        if decision == "close":  # a closing date on a weekend, holiday or closure day moves to the next working day
            closes = next_working_day(closing_date, working_days_of(cop, policy).is_working) if closing_date else None
            payload["closing_date"] = closes.isoformat() if closes else None
        # The decision stands on this review's evaluation, brought up to date now (written in this transaction).
        published = publish_evaluation(s, cop, now=now, policy=policy, reports_dir=reports_dir, by=who,
                                       od_manager=od_manager)
        decide_on_report(s, cop, decision=f"{decision} ({kind})" if kind else decision, decided_by=who,
                         reason=reason, at=now, published=published)
        advised = published.outcome.evaluation.recommendation.decision
        if advised != decision:
            reason = f"{reason} (the evaluation recommended {advised})"
        add_evidence(s, cop, gate, payload, who=by, now=now, today=today)
        snap = snapshot(s, cop)
        result = apply_decision(s, cop, snap, decide(snap, today, policy, target=target), who=by, now=now,
                                today=today, policy=policy, reason=reason)
        uow.commit()
    published.write_files()
    return result

