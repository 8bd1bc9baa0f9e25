"""Due-date rules: when each open gate falls due, and which reminder or escalation is owed at `today`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lifecycle.gates import check_gate
from lifecycle.policy import Policy
from lifecycle.review_dates import next_review_on
from lifecycle.snapshot import CopSnapshot
from lifecycle.stages import Gate, Stage


@dataclass(frozen=True, order=True)
class DueGate:
    due_on: date
    gate: Gate


@dataclass(frozen=True)
class Notice:
    """One reminder or escalation owed for one gate; `step` makes its idempotency key unique per rung."""

    slug: str
    gate: Gate
    due_on: date
    kind: str  # "due_soon", "due_today", "overdue"
    audience: str  # "leads", "sponsor", "od_manager"
    step: str  # e.g. "before-30", "due", "overdue-7", "overdue-21"
    days: int  # days until due (due_soon) or days overdue (overdue)

    @property
    def key(self) -> str:
        return f"{self.slug}/{self.gate.value}/{self.due_on.isoformat()}/{self.step}"


def due_gates(snap: CopSnapshot, today: date, p: Policy) -> list[DueGate]:
    """Open gates of the current stage with their due dates, earliest first; passed gates are left out."""
    start = snap.stage_entered_on
    week = timedelta(weeks=1)
    plan: list[DueGate] = []
    if snap.stage is Stage.FORMING:
        plan = [DueGate(start + p.core_group_weeks * week, Gate.CORE_GROUP_FORMED)]
    elif snap.stage is Stage.PLANNING:
        plan = [DueGate(start + p.sponsor_meeting_weeks * week, Gate.SPONSOR_MEETING_DONE),
                DueGate(start + p.charter_weeks * week, Gate.CHARTER_PUBLISHED)]
    elif snap.stage is Stage.LAUNCHING:
        plan = [DueGate(start + p.launch_weeks * week, Gate.LAUNCH_HELD)]
    elif snap.stage is Stage.ACTIVE:
        review = next_review_on(snap, p)
        plan = [DueGate(review, Gate.REVIEW_DUE)] if review else []
    elif snap.stage is Stage.REVIEWING:
        plan = [DueGate(start + p.review_decision_weeks * week, Gate.REVIEW_PASSED)]
    elif snap.stage is Stage.CLOSING and snap.closing_date:
        plan = [DueGate(snap.closing_date, Gate.ARCHIVE_VERIFIED)]
    # A review that is due is opened by the sweep, not "passed" by evidence: keep it in the plan.
    return sorted(d for d in plan
                  if d.gate is Gate.REVIEW_DUE or check_gate(d.gate, snap, today, p)[0])


# Gates that copflow passes itself: nobody is reminded before them. If one is still open after its day (an
# archive that failed to verify), only the OD manager can act, so every overdue rung goes to them.
AUTOMATED_GATES = frozenset({Gate.ARCHIVE_VERIFIED})


def notices_due(snap: CopSnapshot, today: date, p: Policy) -> list[Notice]:
    """The reminder or escalation owed now for each open gate: the latest rung reached, so a missed sweep
    catches up with one message rather than a flood, and re-running the same day owes the same keys."""
    out: list[Notice] = []
    for d in due_gates(snap, today, p):
        days_until = (d.due_on - today).days
        if d.gate in AUTOMATED_GATES and days_until >= 0:
            continue
        if days_until > 0:
            rungs = [r for r in p.reminder_days_before if r >= days_until]
            if rungs:
                r = min(rungs)
                out.append(Notice(snap.slug, d.gate, d.due_on, "due_soon", "leads", f"before-{r}", days_until))
        elif d.gate is Gate.REVIEW_DUE:
            continue  # the sweep opens the review instead of chasing it
        elif days_until == 0:
            out.append(Notice(snap.slug, d.gate, d.due_on, "due_today", "leads", "due", 0))
        else:
            overdue = -days_until
            reached = [s for s in p.escalation if s.days_overdue <= overdue]
            if not reached:
                continue
            step = reached[-1]
            days = step.days_overdue
            if step is p.escalation[-1]:
                days += (overdue - step.days_overdue) // p.escalation_repeat_days * p.escalation_repeat_days
            audience = "od_manager" if d.gate in AUTOMATED_GATES else step.audience
            out.append(Notice(snap.slug, d.gate, d.due_on, "overdue", audience, f"overdue-{days}", overdue))
    return out


def review_is_due(snap: CopSnapshot, today: date, p: Policy) -> bool:
    if snap.stage is not Stage.ACTIVE:
        return False
    due = next_review_on(snap, p)
    return due is not None and due <= today


def horizon(p: Policy) -> int:
    """How many days ahead of a due date the first reminder goes: the sweep looks this far ahead."""
    return max(p.reminder_days_before, default=0)
