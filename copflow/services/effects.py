"""The handler table: how the application applies each kind of effect the core decides a transition sets off
(lifecycle/effects.py), in the transition's own transaction (copflow/services/transitions.py). One handler per
effect kind (`apply_effect`), one composer per message kind (`_compose`): both are `match` statements ending in
`assert_never`, so mypy fails when a kind of the core has no handler here. A new consequence of a transition is a
line in the core's table; a new *kind* is one case here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import assert_never

from sqlalchemy.orm import Session

from copflow.db.models import Charter, Cop
from copflow.services import lineage
from copflow.services.channels import hand_over
from copflow.services.closing.lessons import keep_draft
from copflow.services.closing.notice import enqueue_closing_notice, enqueue_closure_completed
from copflow.services.evaluation.decided_report import decide_on_report
from copflow.services.evaluation.review_report import publish_evaluation
from copflow.services.mail.outbox import Recipient, enqueue_review_opened, enqueue_stage_changed, recipients
from copflow.services.mail.posts import post_transition
from copflow.services.meetings.clashes import free_day, keep_clear
from copflow.services.meetings.series import cancel_all, schedule_on, start_series
from copflow.services.snapshots import get_cop, refresh_due
from copflow.services.validation import substantial_reason
from lifecycle import CopSnapshot, Policy, Stage, Transition
from lifecycle.effects import (
    CancelMeetings,
    CreateChild,
    DraftLessons,
    Effect,
    HandOverChannel,
    MergeInto,
    Message,
    MoveMeetings,
    MoveMembers,
    Notify,
    Post,
    PublishEvaluation,
    RecordArchive,
    ScheduleMeeting,
    SetClosingDate,
    SetDomain,
    SetReviewAnchor,
    StartSeries,
    WriteCharter,
)
from lifecycle.events import Emit


@dataclass(frozen=True)
class Trail:
    """A row of a CoP's audit trail (the transition table), written by the transition path."""

    cop_id: int
    from_stage: str
    to_stage: str
    trigger: str
    from_visit: int
    reason: str | None


@dataclass
class Applying:
    """One transition being applied: the session, the CoP (in its new stage, once the settling effects are done)
    and what the handlers need."""

    s: Session
    cop: Cop
    before: CopSnapshot  # the CoP as the decision saw it, with the evidence that passed its gates
    transition: Transition
    now: datetime
    today: date
    policy: Policy
    reason: str | None  # the transition's: a handler may add to it before the row is written (settling effects)
    od_manager: str | None = None  # the organisation's OD manager, who hears when a CoP names none
    by: str = ""  # who made the change, as the audit trail shows it
    reports_dir: Path | None = None  # where a review's report files go (after the commit)
    events: list[Emit] = field(default_factory=list)  # sent to Prefect by the caller once committed
    trail: list[Trail] = field(default_factory=list)  # rows of other CoPs' audit trails, written by the path
    after_commit: list[Callable[[], None]] = field(default_factory=list)
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
        apply_effect(a, effect)


def apply_effect(a: Applying, e: Effect) -> None:
    """One handler per kind of effect; mypy proves the list complete."""
    match e:
        case PublishEvaluation():
            _publish_evaluation(a)
        case SetDomain():
            a.cop.domain = e.domain
        case WriteCharter():
            _write_charter(a, e)
        case SetReviewAnchor():
            a.cop.review_anchor_on = e.on
            a.changed()
        case SetClosingDate():
            a.cop.closing_date = e.on
            a.changed()
        case RecordArchive():
            a.cop.closed_at, a.cop.archive_path = a.now, e.path
        case MergeInto():
            into = lineage.merge_into(a.s, a.cop, e.into)
            a.trail.append(Trail(into.id, into.stage, into.stage, f"merged-from:{a.cop.slug}", -a.cop.id, a.reason))
        case Notify():
            a.due_dates()
            _compose(a, e.message, recipients(a.cop, *e.audiences, od_manager=a.od_manager))
        case Post():
            a.due_dates()
            post_transition(a.s, a.cop, e.kind, from_stage=a.transition.source.value, reason=a.reason, now=a.now,
                            policy=a.policy)
        case HandOverChannel():
            hand_over(a.s, a.cop, e.to, keep=e.keep)
        case StartSeries():
            if start_series(a.s, a.cop, e.kind, e.first_on, now=a.now, policy=a.policy) is not None:
                keep_clear(a.s, a.cop, now=a.now, policy=a.policy)  # a review meeting sent earlier moves off its days
        case ScheduleMeeting():
            day = free_day(a.s, a.cop, e.kind, e.on, now=a.now, policy=a.policy)
            schedule_on(a.s, a.cop, e.kind, day, now=a.now, policy=a.policy)
        case CancelMeetings():
            cancel_all(a.s, a.cop, now=a.now, reason=e.reason)
        case DraftLessons():
            keep_draft(a.s, a.cop, now=a.now, reason=_closing_reason(a), programme=a.policy.programme_name,
                       paper=a.policy.report_paper)
        case CreateChild():
            child = lineage.create_child(a.s, a.cop, e.slug, e.name, e.members, now=a.now, today=a.today,
                                         policy=a.policy)
            a.trail.append(Trail(child.id, "", Stage.FORMING.value, f"split-from:{a.cop.slug}", 0, e.reason))
        case MoveMeetings():
            lineage.move_meetings(a.s, a.cop, e.to)
        case MoveMembers():
            lineage.move_members(a.s, a.cop, e.to, now=a.now, today=a.today, policy=a.policy)
        case Emit():
            a.events.append(e)
        case _:
            assert_never(e)


def _write_charter(a: Applying, e: WriteCharter) -> None:
    a.s.add(Charter(cop_id=a.cop.id, version=e.version, purpose=e.purpose, aims=list(e.aims),
                    annual_targets=list(e.annual_targets), review_dates=[d.isoformat() for d in e.review_dates],
                    review_cadence_months=e.review_cadence_months, link=e.link, published_on=e.published_on))
    a.changed()


def _closing_reason(a: Applying) -> str:
    return a.reason or "the community has decided to close"


def _compose(a: Applying, message: Message, to: list[Recipient]) -> None:
    """One composer per message kind (templates/email/<kind>.*.j2); mypy proves the list complete."""
    match message:
        case Message.STAGE_CHANGED:
            enqueue_stage_changed(a.s, a.cop, to, from_stage=a.transition.source.value, now=a.now, policy=a.policy,
                                  reason=a.reason)
        case Message.REVIEW_OPENED:
            enqueue_review_opened(a.s, a.cop, to, from_stage=a.transition.source.value, now=a.now, policy=a.policy)
        case Message.CLOSING_NOTICE:
            enqueue_closing_notice(a.s, a.cop, to, reason=_closing_reason(a), now=a.now, policy=a.policy)
        case Message.CLOSURE_COMPLETED:
            enqueue_closure_completed(a.s, a.cop, to, od_manager=a.od_manager, today=a.today, now=a.now)
        case _:
            assert_never(message)


def _publish_evaluation(a: Applying) -> None:
    """The review's report, up to date, stored with the review it belongs to, with the decision written onto it
    (what, by whom, why, from the decision's evidence); its files once committed."""
    ev = a.before.evidence[a.transition.gates[0]]
    into = ev.get("into")  # a merge is decided as a close with the CoP it joins
    decision, kind = ("evolve", f"merge into {get_cop(a.s, into).name}") if into else (a.transition.trigger,
                                                                                      ev.get("kind"))
    published = publish_evaluation(a.s, a.cop, now=a.now, policy=a.policy, reports_dir=a.reports_dir,
                                   by=a.by, od_manager=a.od_manager)
    decide_on_report(a.s, a.cop, decision=f"{decision} ({kind})" if kind else decision, decided_by=ev["decided_by"],
                     reason=ev["reason"], at=a.now, published=published)
    advised = published.outcome.evaluation.recommendation.decision
    if advised != a.transition.trigger:  # the decision differs from the advice: the audit trail says so
        substantial_reason(ev["reason"], what=f"a decision against the evaluation's recommendation ({advised})")
        a.reason = f"{a.reason} (the evaluation recommended {advised})" if a.reason else \
            f"the evaluation recommended {advised}"
    a.after_commit.append(published.write_files)
