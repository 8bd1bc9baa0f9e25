"""What a review is counted from: the records the services gather for one period (members, activities, survey
answers, stage timings, the action plan), as plain values. lifecycle/review_metrics.py counts them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lifecycle.action_metrics import ActionRecord
from lifecycle.practice import ActivityKind, Statement, Target


@dataclass(frozen=True)
class MemberRecord:
    person: str
    role: str
    department: str | None
    line_manager: str | None
    joined_on: date
    left_on: date | None = None


@dataclass(frozen=True)
class ActivityRecord:
    kind: ActivityKind
    title: str
    held_on: date
    attendees: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AnswerRecord:
    respondent: str
    statement: Statement
    value: int  # 1 (strongly disagree) .. 5 (strongly agree)


@dataclass(frozen=True)
class StageTiming:
    """A stage the CoP went through (or is in): when its gate was due and when it was passed."""

    stage: str
    due_on: date
    done_on: date | None


@dataclass(frozen=True)
class EvaluationInput:
    slug: str
    name: str
    start: date
    end: date
    members: tuple[MemberRecord, ...] = ()
    activities: tuple[ActivityRecord, ...] = ()
    answers: tuple[AnswerRecord, ...] = ()
    targets: tuple[Target, ...] = ()
    timings: tuple[StageTiming, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    checkin_every_months: int = 1
    sponsor_catchup_every_weeks: int = 6
    min_departments: int = 2
