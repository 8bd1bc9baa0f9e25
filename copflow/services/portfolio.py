"""The portfolio an OD manager watches: every CoP's stage, next gate, due date, overdue days, next review."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from copflow.db.tables import COP
from copflow.db.uow import UnitOfWork
from copflow.services.clock import local_date
from lifecycle import GATE_TITLES, Gate, Policy, Stage


@dataclass(frozen=True)
class PortfolioRow:
    slug: str
    name: str
    stage: str
    next_gate: str | None
    due_on: str | None
    overdue_days: int
    next_review_on: str | None
    health: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def portfolio(uow: UnitOfWork, *, now: datetime, policy: Policy, stage: Stage | None = None,
              attention_only: bool = False, overdue_only: bool = False,
              reviews_within_days: int | None = None) -> list[PortfolioRow]:
    """Every CoP; or, with attention_only, those with a gate due within the reminder horizon or overdue
    (read through the due-date index, so its cost follows what is due); overdue_only, those past a gate's
    due date; reviews_within_days, those whose next review falls in the next N days."""
    today = local_date(now, policy)
    c = COP.c
    with uow.reading() as conn:
        q = select(c.slug, c.name, c.stage, c.next_due_gate, c.next_due_on, c.next_review_on)
        if stage is not None:
            q = q.where(c.stage == stage.value)
        if attention_only:
            from lifecycle.due import horizon

            q = q.where(c.next_due_on <= today + timedelta(days=horizon(policy)))
        if overdue_only:  # a review date that has come is opened by the sweep, not overdue
            q = q.where(c.next_due_on < today, c.next_due_gate != Gate.REVIEW_DUE.value)
        if reviews_within_days is not None:
            q = q.where(c.next_review_on <= today + timedelta(days=reviews_within_days))
        # By slug; a selection by date is sorted here, because asked for `ORDER BY slug` SQLite walks the whole
        # table in slug order instead of the date's index.
        selected = attention_only or overdue_only or reviews_within_days is not None
        found = conn.execute(q if selected else q.order_by(c.slug)).all()
        rows = []
        for slug, name, st, gate, due, review in sorted(found) if selected else found:
            overdue = max((today - due).days, 0) if due and gate != Gate.REVIEW_DUE.value else 0
            rows.append(PortfolioRow(
                slug=slug, name=name, stage=st,
                next_gate=GATE_TITLES[Gate(gate)] if gate else None,
                due_on=due.isoformat() if due else None, overdue_days=overdue,
                next_review_on=review.isoformat() if review else None,
                health=_health(st, overdue, policy)))
        return rows


def _health(stage: str, overdue: int, policy: Policy) -> str:
    if stage == Stage.CLOSED.value:
        return "closed"
    steps = policy.escalation
    if overdue >= steps[-1].days_overdue:
        return "stuck"
    if overdue > 0:
        return "overdue"
    return "on track"


def stage_counts(uow: UnitOfWork) -> dict[str, int]:
    with uow.reading() as conn:
        result = conn.execute(select(COP.c.stage, func.count()).group_by(COP.c.stage))
        return {stage: int(count) for stage, count in result}
