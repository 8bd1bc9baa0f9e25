"""The review's evaluation: gather the period's records, compute the metrics, publish the report, tell people.

The report is kept in the database (Markdown, HTML, and the JSON context both are made from, one of each per
review) and written as files (.html, .md, .pdf) to the reports folder for people to open; the leads, sponsor and
OD manager are told once per review, with the PDF attached — or, if it could not be made, told that it follows
(the failure is kept: copflow/services/sweep/missing_documents.py sends it from a later sweep).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Activity, Attendance, Cop, Document, Person, SurveyAnswer, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.actions.plan import actions_of
from copflow.services.clock import local_date
from copflow.services.links.signed import action_url
from copflow.services.mail.outbox import already_queued, cop_context, enqueue, people_context, recipients
from copflow.services.snapshots import current_charter, get_cop
from copflow.services.workdays import decision_deadline_of, working_days_of
from lifecycle import Audience, Gate, Policy, Role, Stage
from lifecycle.action_metrics import ActionRecord
from lifecycle.due import stage_weeks
from lifecycle.practice import ActivityKind, Statement, parse_targets
from lifecycle.review_dates import review_period_start
from lifecycle.review_inputs import ActivityRecord, AnswerRecord, EvaluationInput, MemberRecord, StageTiming
from lifecycle.review_metrics import Evaluation, evaluate_period
from lifecycle.working_days import survey_has_closed

REPORT_MD, REPORT_HTML, REPORT_JSON = "evaluation", "evaluation_html", "evaluation_json"
REPORT_PDF = "evaluation_pdf"  # the failure kind of a PDF that could not be made


@dataclass(frozen=True)
class EvaluationOutcome:
    evaluation: Evaluation
    markdown: str
    html_path: Path | None
    markdown_path: Path | None
    messages_queued: int


def gather(s: Session, cop: Cop, start: date, end: date, policy: Policy) -> EvaluationInput:
    """Everything the metrics need, as plain records."""
    members = tuple(MemberRecord(m.person.email, m.role, m.person.department, m.person.line_manager_email,
                                 m.joined_on, m.left_on) for m in cop.memberships)
    attendees: dict[int, set[str]] = {}
    rows = s.execute(select(Activity, Person.email).outerjoin(Attendance, Attendance.activity_id == Activity.id)
                     .outerjoin(Person, Person.id == Attendance.person_id)
                     .where(Activity.cop_id == cop.id, Activity.held_on >= start, Activity.held_on <= end))
    activities: dict[int, Activity] = {}
    for activity, email in rows:
        activities[activity.id] = activity
        bucket = attendees.setdefault(activity.id, set())
        if email:
            bucket.add(email)
    answers = tuple(AnswerRecord(a.survey + "/" + a.respondent, Statement(a.statement_key, a.statement, a.benchmark),
                                 a.answer)
                    for a in s.scalars(select(SurveyAnswer).where(SurveyAnswer.cop_id == cop.id,
                                                                  SurveyAnswer.submitted_on >= start,
                                                                  SurveyAnswer.submitted_on <= end)))
    charter = current_charter(s, cop.id)
    return EvaluationInput(
        slug=cop.slug, name=cop.name, start=start, end=end, members=members,
        activities=tuple(ActivityRecord(ActivityKind(a.kind), a.title, a.held_on, frozenset(attendees[i]))
                         for i, a in activities.items()),
        answers=answers, targets=parse_targets(charter.annual_targets if charter else []),
        timings=_timings(s, cop, policy), actions=plan_records(s, cop, end),
        checkin_every_months=policy.checkin_every_months,
        sponsor_catchup_every_weeks=policy.sponsor_catchup_every_weeks, min_departments=policy.min_departments)


def plan_records(s: Session, cop: Cop, end: date) -> tuple[ActionRecord, ...]:
    """The CoP's action plan as the metrics count it (closing dates where the CoP is)."""
    zone = ZoneInfo(cop.timezone)
    return tuple(ActionRecord(a.title, a.owner_name, a.due_on, a.status,
                              a.closed_at.astimezone(zone).date() if a.closed_at else None, a.target)
                 for a in actions_of(s, cop.id, today=end))


def _timings(s: Session, cop: Cop, p: Policy) -> tuple[StageTiming, ...]:
    """When each stage's gate was due (entry + the policy's weeks) and when the CoP left the stage."""
    out = []
    entered = local_date(cop.created_at, p)
    history = (select(TransitionRecord).where(TransitionRecord.cop_id == cop.id, TransitionRecord.from_visit > 0)
               .order_by(TransitionRecord.at, TransitionRecord.id))
    for t in s.scalars(history):
        weeks = stage_weeks(Stage(t.from_stage), p) if t.from_stage else None
        left = local_date(t.at, p)
        if weeks:
            out.append(StageTiming(t.from_stage, entered + timedelta(weeks=weeks), left))
        entered = left
    if cop.next_due_on and cop.stage != Stage.ACTIVE.value:
        out.append(StageTiming(cop.stage, cop.next_due_on, None))
    return tuple(out)


def period_of(cop: Cop) -> date:
    """A review covers the time since the last review was decided, or since the launch."""
    return review_period_start(cop.review_anchor_on, cop.stage_entered_on)


@dataclass
class Published:
    """An evaluation stored in the session (not yet committed) and the report files to write after commit."""

    outcome: EvaluationOutcome
    html: str
    had_report: bool
    context: dict[str, Any] = field(default_factory=dict)  # what the report shows (notifications.reports)
    pdf: bytes | None = None  # typeset once, for the mail and the file alike

    def write_files(self) -> None:
        """The report's .html, .md and .pdf in the reports folder (a PDF that cannot be made is left out: the
        mail's failure record sends it later)."""
        if self.outcome.html_path and self.outcome.markdown_path:
            _write(self.outcome.html_path, self.html.encode("utf-8"))
            _write(self.outcome.markdown_path, self.outcome.markdown.encode("utf-8"))
            pdf = self.pdf or _try_pdf(self.context)
            if pdf is not None:
                _write(self.outcome.html_path.with_suffix(".pdf"), pdf)

    def redo(self, context: dict[str, Any], markdown: str, html: str) -> None:
        """The report made again from `context` (with the decision on it): the files written after commit follow."""
        self.context, self.html, self.pdf = context, html, None
        self.outcome = replace(self.outcome, markdown=markdown)


def _try_pdf(context: dict[str, Any]) -> bytes | None:
    from notifications.pdf import RenderFailed, report_pdf

    try:
        return report_pdf(context) if context else None
    except RenderFailed:
        return None


def publish_evaluation(s: Session, cop: Cop, *, now: datetime, policy: Policy, reports_dir: Path | None,
                       by: str = "copflow", od_manager: str | None = None, notify: bool = True) -> Published:
    """Compute the evaluation and store the report in the caller's transaction; the caller commits, then
    calls write_files(). The leads, sponsor and OD manager are told once per review."""
    from notifications.reports import render_context, report_context

    today = local_date(now, policy)
    ev = evaluate_period(gather(s, cop, period_of(cop), today, policy))
    context = report_context(ev, generated_at=now, min_departments=policy.min_departments,
                             programme=policy.programme_name, paper=policy.report_paper)
    markdown, html = render_context(context)
    title = f"Review of {cop.name}, {ev.start} to {ev.end}"
    had_report = False
    for kind, content in ((REPORT_MD, markdown), (REPORT_HTML, html), (REPORT_JSON, json.dumps(context))):
        doc = s.scalar(select(Document).where(Document.cop_id == cop.id, Document.kind == kind,
                                              Document.stage_visit == cop.stage_visit))
        if doc is None:
            s.add(Document(cop_id=cop.id, kind=kind, title=title, content=content, created_by=by,
                           created_at=now, stage_visit=cop.stage_visit))
        else:
            had_report = True
            doc.title, doc.content, doc.created_at = title, content, now
    html_path, md_path = _paths(reports_dir, cop, ev) if reports_dir else (None, None)
    published = Published(EvaluationOutcome(ev, markdown, html_path, md_path, 0), html, had_report, context)
    if notify and cop.stage == Stage.REVIEWING.value:
        queued = _tell(s, cop, ev, now=now, policy=policy, od_manager=od_manager, published=published)
        published.outcome = replace(published.outcome, messages_queued=queued)
    return published


def evaluate_cop(uow: UnitOfWork, *, slug: str, now: datetime, policy: Policy, reports_dir: Path | None,
                 by: str = "copflow", od_manager: str | None = None, notify: bool = True) -> EvaluationOutcome:
    """Compute and publish the evaluation of a CoP for its current review period. Re-running during the same
    review replaces the report (new answers count) and sends no second message."""
    with uow:
        cop = get_cop(uow.session, slug, for_write=True)
        published = publish_evaluation(uow.session, cop, now=now, policy=policy, reports_dir=reports_dir, by=by,
                                       od_manager=od_manager, notify=notify)
        uow.commit()
    published.write_files()
    return published.outcome


def _paths(reports_dir: Path, cop: Cop, ev: Evaluation) -> tuple[Path, Path]:
    base = reports_dir / cop.slug / f"review-{ev.end.isoformat()}"
    return base.with_suffix(".html"), base.with_suffix(".md")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def report_file_name(slug: str, end: date) -> str:
    return f"{slug}-review-{end.isoformat()}.pdf"


def _tell(s: Session, cop: Cop, ev: Evaluation, *, now: datetime, policy: Policy, od_manager: str | None,
          published: Published) -> int:
    # The report travels with the mail as a PDF every mail client opens (an .html attachment is quarantined by
    # many filters): leads and sponsors read it where they are, not from a path on the machine that wrote it.
    # A PDF that cannot be made never silently drops out: the mail says it follows, and the failure is kept
    # (with its reason) for the OD manager's digest and the next sweep, which sends it.
    from copflow.services.document_failures import record_failure
    from notifications.documents import as_attachment
    from notifications.pdf import RenderFailed, report_pdf
    from notifications.vocabulary import short_date

    people = [to for to in recipients(cop, Audience.LEADS, Audience.SPONSOR, Audience.OD_MANAGER,
                                      od_manager=od_manager)
              if not already_queued(s, _key(cop, to.email))]  # no second decision link for a mail not sent again
    if not people:
        return 0
    try:
        published.pdf = report_pdf(published.context)
    except RenderFailed as exc:
        record_failure(s, cop, REPORT_PDF, exc.reason, now=now)
    attachment = (report_file_name(cop.slug, ev.end), as_attachment(published.pdf)) if published.pdf else None
    rec = ev.recommendation
    context = {**cop_context(cop), **people_context(cop, od_manager),
               "period": f"{short_date(ev.start)} – {short_date(ev.end)}", "recommendation": rec.decision,
               "strengths": list(rec.strengths), "weaknesses": list(rec.reasons) + list(rec.weaknesses),
               "report_name": attachment[0] if attachment else None, "report_follows": attachment is None,
               "action_url": None,
               "decide_by": decision_deadline_of(cop, policy).isoformat()}
    added = 0
    for to in people:
        key = _key(cop, to.email)
        # The OD manager decides: their copy carries a signed link to the decision form (issue 16).
        url = (action_url(s, cop, to.email, to.role, Gate.REVIEW_PASSED, now=now, policy=policy)
               if to.role == Role.OD_MANAGER_CONTACT.value else None)
        added += enqueue(s, key=key, cop_id=cop.id, kind="evaluation_ready", to=to, now=now, attachment=attachment,
                         context={**context, "action_url": url})
    return added


def _key(cop: Cop, email: str) -> str:
    return f"{cop.slug}/evaluation/{cop.stage_visit}/{email}"


def due_evaluations(uow: UnitOfWork, *, now: datetime, policy: Policy) -> list[str]:
    """CoPs under review whose survey has closed (its last day, on a working day, is past: the day the members
    were told) and whose review has no report yet."""
    today = local_date(now, policy)
    earliest = today - timedelta(days=policy.survey_window_days)  # a deadline only ever moves later
    with uow:
        s = uow.session
        done = select(Document.id).where(Document.cop_id == Cop.id, Document.kind == REPORT_MD,
                                         Document.stage_visit == Cop.stage_visit).exists()
        under_review = s.scalars(select(Cop).where(Cop.stage == Stage.REVIEWING.value,
                                                   Cop.stage_entered_on <= earliest, ~done).order_by(Cop.slug))
        return [cop.slug for cop in under_review
                if survey_has_closed(cop.stage_entered_on, today, policy, working_days_of(cop, policy).is_working)]


def latest_report(uow: UnitOfWork, *, slug: str, kind: str = REPORT_MD) -> str | None:
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        return s.scalar(select(Document.content).where(Document.cop_id == cop.id, Document.kind == kind)
                        .order_by(Document.created_at.desc(), Document.id.desc()).limit(1))
