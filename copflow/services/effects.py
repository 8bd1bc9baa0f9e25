"""The handler table: how the application applies each kind of effect the core decides a transition sets off
(lifecycle/effects.py), in the transition's own transaction. One handler per effect kind; one composer per
message kind. A new consequence of a transition is a line in the core's table; a new *kind* is one handler here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from copflow.db.models import Charter, Cop
from copflow.services.closing.lessons import keep_draft
from copflow.services.closing.notice import enqueue_closing_notice, enqueue_closure_completed
from copflow.services.mail.outbox import Recipient, enqueue_review_opened, enqueue_stage_changed, recipients
from copflow.services.meetings.clashes import free_day, keep_clear
from copflow.services.meetings.series import cancel_all, schedule_on, start_series
from copflow.services.snapshots import refresh_due
from lifecycle import CopSnapshot, Policy, Transition
from lifecycle.effects import (
    CancelMeetings,
    DraftLessons,
    Effect,
    Emit,
    Notify,
    RecordArchive,
    ScheduleMeeting,
    SetClosingDate,
    SetDomain,
    SetReviewAnchor,
    StartSeries,
    WriteCharter,
)


@dataclass
class Applying:
    """One transition being applied: the session, the CoP (already in its new stage) and what the handlers need."""

    s: Session
    cop: Cop
    before: CopSnapshot  # the CoP as the decision saw it, with the evidence that passed its gates
    transition: Transition
    now: datetime
    today: date
    policy: Policy
    reason: str | None
    od_manager: str | None = None  # the organisation's OD manager, who hears when a CoP names none
    events: list[Emit] = field(default_factory=list)
    _due_fresh: bool = False

    def due_dates(self) -> None:
        """Bring the CoP's due-date columns up to date once its record changes are in (messages quote them)."""
        if not self._due_fresh:
            refresh_due(self.s, self.cop, self.today, self.policy)
            self._due_fresh = True

    def changed(self) -> None:
        self._due_fresh = False


def apply_effects(a: Applying, effects: tuple[Effect, ...]) -> None:
    for effect in effects:
        _HANDLERS[type(effect)](a, effect)
    a.due_dates()


# --- the CoP's record ---------------------------------------------------------------------------------------


def _set_domain(a: Applying, e: SetDomain) -> None:
    a.cop.domain = e.domain


def _write_charter(a: Applying, e: WriteCharter) -> None:
    a.s.add(Charter(cop_id=a.cop.id, version=e.version, purpose=e.purpose, aims=list(e.aims),
                    annual_targets=list(e.annual_targets), review_dates=[d.isoformat() for d in e.review_dates],
                    review_cadence_months=e.review_cadence_months, link=e.link, published_on=e.published_on))
    a.changed()


def _set_review_anchor(a: Applying, e: SetReviewAnchor) -> None:
    a.cop.review_anchor_on = e.on
    a.changed()


def _set_closing_date(a: Applying, e: SetClosingDate) -> None:
    a.cop.closing_date = e.on
    a.changed()


def _record_archive(a: Applying, e: RecordArchive) -> None:
    a.cop.closed_at, a.cop.archive_path = a.now, e.path


# --- messages -----------------------------------------------------------------------------------------------


def _notify(a: Applying, e: Notify) -> None:
    a.due_dates()
    _MESSAGES[e.message](a, recipients(a.cop, *e.audiences, od_manager=a.od_manager))


def _closing_reason(a: Applying) -> str:
    return a.reason or "the community has decided to close"


_MESSAGES: dict[str, Callable[[Applying, list[Recipient]], int]] = {
    "stage_changed": lambda a, to: enqueue_stage_changed(a.s, a.cop, to, from_stage=a.transition.source.value,
                                                         now=a.now, policy=a.policy, reason=a.reason),
    "review_opened": lambda a, to: enqueue_review_opened(a.s, a.cop, to, from_stage=a.transition.source.value,
                                                         now=a.now, policy=a.policy),
    "closing_notice": lambda a, to: enqueue_closing_notice(a.s, a.cop, to, reason=_closing_reason(a), now=a.now),
    "closure_completed": lambda a, to: enqueue_closure_completed(a.s, a.cop, to, od_manager=a.od_manager,
                                                                 today=a.today, now=a.now),
}

# --- meetings, documents, events ----------------------------------------------------------------------------


def _start_series(a: Applying, e: StartSeries) -> None:
    if start_series(a.s, a.cop, e.kind, e.first_on, now=a.now, policy=a.policy) is not None:
        keep_clear(a.s, a.cop, now=a.now, policy=a.policy)  # a review meeting sent earlier moves off its days


def _schedule_meeting(a: Applying, e: ScheduleMeeting) -> None:
    day = free_day(a.s, a.cop, e.kind, e.on, now=a.now, policy=a.policy)
    schedule_on(a.s, a.cop, e.kind, day, now=a.now, policy=a.policy)


def _cancel_meetings(a: Applying, e: CancelMeetings) -> None:
    cancel_all(a.s, a.cop, now=a.now, reason=e.reason)


def _draft_lessons(a: Applying, e: DraftLessons) -> None:
    keep_draft(a.s, a.cop, now=a.now, reason=_closing_reason(a), programme=a.policy.programme_name,
               paper=a.policy.report_paper)


def _emit(a: Applying, e: Emit) -> None:
    a.events.append(e)  # sent to Prefect by the caller once the transaction has committed


_HANDLERS: dict[type[Any], Callable[[Applying, Any], None]] = {
    SetDomain: _set_domain,
    WriteCharter: _write_charter,
    SetReviewAnchor: _set_review_anchor,
    SetClosingDate: _set_closing_date,
    RecordArchive: _record_archive,
    Notify: _notify,
    StartSeries: _start_series,
    ScheduleMeeting: _schedule_meeting,
    CancelMeetings: _cancel_meetings,
    DraftLessons: _draft_lessons,
    Emit: _emit,
}
