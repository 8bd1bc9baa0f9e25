"""Due-date rules: when each open gate falls due, and which reminder or escalation is owed at `today`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from lifecycle.audiences import Audience
from lifecycle.gates import check_gate
from lifecycle.policy import Policy
from lifecycle.review_dates import next_review_on
from lifecycle.snapshot import CopSnapshot
from lifecycle.stages import Gate, Stage
from lifecycle.table import TRANSITIONS, open_gates
from lifecycle.working_days import next_working_day


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
    audience: Audience
    step: str  # e.g. "before-30", "due", "overdue-7", "overdue-21"
    days: int  # days until due (due_soon) or days overdue (overdue)

    @property
    def key(self) -> str:
        return f"{self.slug}/{self.gate.value}/{self.due_on.isoformat()}/{self.step}"


# Gates due a number of weeks after their stage was entered, and the policy setting that says how many.
GATE_WEEKS: dict[Gate, Callable[[Policy], int]] = {
    Gate.CORE_GROUP_FORMED: lambda p: p.core_group_weeks,
    Gate.SPONSOR_MEETING_DONE: lambda p: p.sponsor_meeting_weeks,
    Gate.CHARTER_PUBLISHED: lambda p: p.charter_weeks,
    Gate.LAUNCH_HELD: lambda p: p.launch_weeks,
    Gate.REVIEW_PASSED: lambda p: p.review_decision_weeks,
}


def stage_weeks(stage: Stage, p: Policy) -> int | None:
    """How long the policy plans for a stage: the weeks until its last timed gate is due (None: untimed)."""
    weeks = [GATE_WEEKS[g](p) for g in open_gates(stage) if g in GATE_WEEKS]
    return max(weeks) if weeks else None


def due_gates(snap: CopSnapshot, today: date, p: Policy) -> list[DueGate]:
    """Open gates of the current stage with their due dates, earliest first; passed gates are left out. Every due
    date is a working day of the CoP (`snap.is_working`): one due on a weekend or a holiday is due the next one."""
    plan: list[DueGate] = []
    if snap.stage is Stage.ACTIVE:
        review = next_review_on(snap, p)
        plan = [DueGate(review, Gate.REVIEW_DUE)] if review else []
    elif snap.stage is Stage.CLOSING and snap.closing_date:
        plan = [DueGate(snap.closing_date, Gate.ARCHIVE_VERIFIED)]
    else:  # under review, one decision is due (timed by review_passed), whichever it will be
        plan = [DueGate(next_working_day(snap.stage_entered_on + timedelta(weeks=GATE_WEEKS[g](p)),
                                         snap.is_working), g)
                for g in open_gates(snap.stage) if g in GATE_WEEKS]
    # A review that is due is opened by the sweep, not "passed" by evidence: keep it in the plan.
    return sorted(d for d in plan
                  if d.gate is Gate.REVIEW_DUE or check_gate(d.gate, snap, today, p)[0])


# Gates of the transitions copflow makes itself (`Transition.automatic`: the sweep opens a review on its date
# and archives a CoP on its closing date). Nobody is chased on or after their day; if one is still open after
# it (an archive that failed to verify), only the OD manager can act, so every overdue rung goes to them.
AUTOMATED_GATES = frozenset(g for t in TRANSITIONS if t.automatic for g in t.gates)
# Of those, the ones the leads hear about ahead of the day, because they have something to prepare: the review.
ANNOUNCED_AHEAD = frozenset({Gate.REVIEW_DUE})


def notices_due(snap: CopSnapshot, today: date, p: Policy) -> list[Notice]:
    """The reminders and escalations owed now for each open gate: before and on its day, the latest reminder
    reached; once overdue, each audience's latest rung reached (`_overdue`). A missed sweep catches up with one
    message per audience rather than a flood, and re-running the same day owes the same keys."""
    out: list[Notice] = []
    for d in due_gates(snap, today, p):
        days_until = (d.due_on - today).days
        automated = d.gate in AUTOMATED_GATES
        if days_until > 0:
            rungs = [r for r in p.reminder_days_before if r >= days_until]
            if rungs and (not automated or d.gate in ANNOUNCED_AHEAD):
                r = min(rungs)
                out.append(Notice(snap.slug, d.gate, d.due_on, "due_soon", Audience.LEADS, f"before-{r}",
                                  days_until))
        elif days_until == 0:
            if not automated:  # on its day an automated gate is the sweep's to pass, not the leads'
                out.append(Notice(snap.slug, d.gate, d.due_on, "due_today", Audience.LEADS, "due", 0))
        elif d.gate not in ANNOUNCED_AHEAD:  # a review past its date is opened by the sweep, not chased
            out.extend(_overdue(snap.slug, d, -days_until, p, automated))
    return out


def _overdue(slug: str, d: DueGate, overdue: int, p: Policy, automated: bool) -> list[Notice]:
    """Every audience whose rung is reached hears of an overdue gate, each at its own latest rung, in the order of
    the ladder (leads, then sponsor, then the OD manager): a gate first found overdue late (after an import, a paused
    sweep, a policy change) tells the leads and the sponsor too, not only the last rung's audience. The keys are
    per rung, so what an audience was told on its day is not sent again, and a missed sweep catches up with one
    notice per audience, not one per missed rung."""
    reached = [s for s in p.escalation if s.days_overdue <= overdue]
    latest: dict[Audience, int] = {}
    for step in reached:
        days = step.days_overdue
        if step is p.escalation[-1]:  # the last rung repeats every escalation_repeat_days
            days += (overdue - step.days_overdue) // p.escalation_repeat_days * p.escalation_repeat_days
        # An automated gate (the archive) is the OD manager's alone to act on, at every rung.
        latest[Audience.OD_MANAGER if automated else step.audience] = days
    return [Notice(slug, d.gate, d.due_on, "overdue", audience, f"overdue-{days}", overdue)
            for audience, days in latest.items()]


def review_is_due(snap: CopSnapshot, today: date, p: Policy) -> bool:
    if snap.stage is not Stage.ACTIVE:
        return False
    due = next_review_on(snap, p)
    return due is not None and due <= today


def horizon(p: Policy) -> int:
    """How many days ahead of a due date the first reminder goes: the sweep looks this far ahead."""
    return max(p.reminder_days_before, default=0)
