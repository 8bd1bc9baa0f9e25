"""SQLAlchemy 2 models. Times are stored in UTC; due dates are plain dates in indexed columns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy import inspect as inspect_state
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from copflow.db.types import UTCDateTime

SCHEMA_VERSION = "0012"


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Person(Base):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    line_manager_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]


class Cop(Base):
    __tablename__ = "cop"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(20), index=True)
    stage_entered_on: Mapped[date] = mapped_column(Date)
    # Each transition starts a new visit; evidence counts only for the visit it was recorded in.
    stage_visit: Mapped[int] = mapped_column(Integer, default=1)
    # What the sweep reads: the earliest open gate and its date, kept current by every write.
    next_due_on: Mapped[date | None] = mapped_column(Date)
    next_due_gate: Mapped[str | None] = mapped_column(String(40))
    next_review_on: Mapped[date | None] = mapped_column(Date)
    review_anchor_on: Mapped[date | None] = mapped_column(Date)
    closing_date: Mapped[date | None] = mapped_column(Date)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cop.id"))
    # Where a merged CoP's members and meetings went.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cop.id", name="fk_cop_merged_into"))
    closed_at: Mapped[datetime | None]
    archive_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # Where and when its meetings are held, each overriding the policy's default when set (`copflow cop set`).
    meeting_place: Mapped[str | None] = mapped_column(String(300))
    meeting_time: Mapped[str | None] = mapped_column(String(5))
    meeting_weekday: Mapped[str | None] = mapped_column(String(12))
    public_holidays: Mapped[str | None] = mapped_column(String(20))
    # Optimistic lock: two concurrent advances of one CoP end in one transition and one clear error.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_cop_next_due_on", "next_due_on"),)

    memberships: Mapped[list[Membership]] = relationship(back_populates="cop", cascade="all, delete-orphan")


class Membership(Base):
    __tablename__ = "membership"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("cop_id", "person_id", "role", name="uq_membership_role"),)

    cop: Mapped[Cop] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(lazy="joined")


class GateEvidence(Base):
    __tablename__ = "gate_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    stage_visit: Mapped[int] = mapped_column(Integer)
    gate: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_at: Mapped[datetime]
    __table_args__ = (Index("ix_gate_evidence_cop_visit", "cop_id", "stage_visit"),)


class Charter(Base):
    __tablename__ = "charter"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    aims: Mapped[list[Any]]
    annual_targets: Mapped[list[Any]]
    review_dates: Mapped[list[Any]]
    review_cadence_months: Mapped[int | None] = mapped_column(Integer)
    link: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("cop_id", "version", name="uq_charter_version"),)


class TransitionRecord(Base):
    __tablename__ = "transition"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(40))
    # The visit this transition left: unique per CoP, so a double advance cannot write two rows.
    from_visit: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("cop_id", "from_visit", name="uq_transition_visit"),)


class MeetingSeries(Base):
    __tablename__ = "meeting_series"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    rrule: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    created_at: Mapped[datetime]
    # Wall-clock start in `tzid` ("2026-03-03T12:30"): a series recurs in local time, across DST changes.
    tzid: Mapped[str] = mapped_column(String(64), default="UTC")
    starts_local: Mapped[str] = mapped_column(String(20), default="")
    location: Mapped[str | None] = mapped_column(String(300))
    organizer_email: Mapped[str] = mapped_column(String(320), default="")
    # Who was invited: updates and cancellations go to the same people, whoever joined or left since.
    attendees: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cancelled_occurrences: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Occurrences left out because they fall on a holiday or closure day: [[local start, why], ...].
    skipped_occurrences: Mapped[list[Any] | None] = mapped_column(JSON, default=list)
    # When its next held occurrence starts, or earlier (never later): what the sweep's agendas and briefs select
    # through the index. Reset to the series' start by any change to when it meets (below); the sweep sets the
    # exact value; None once nothing more is held (cancelled, ended).
    next_held_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_meeting_series_kind_next_held", "kind", "next_held_at"),)


# What decides when a series meets: a change to any of them may bring its next held occurrence forward.
_WHEN_IT_MEETS = ("starts_at", "starts_local", "tzid", "rrule", "status", "cancelled_occurrences",
                  "skipped_occurrences")


@event.listens_for(MeetingSeries, "before_insert")
@event.listens_for(MeetingSeries, "before_update")
def _next_held_at_its_start(_mapper: Any, _conn: Any, series: MeetingSeries) -> None:
    """Whatever path changes a series (scheduling, moving, cancelling, restoring), `next_held_at` stays a lower
    bound: no occurrence starts before the series' start. The sweep selects it on that day at the latest and
    sets the exact time; a cancelled series is never selected."""
    state = inspect_state(series)
    if state.has_identity and not any(state.attrs[name].history.has_changes() for name in _WHEN_IT_MEETS):
        return
    series.next_held_at = series.starts_at if series.status == "scheduled" else None


class Notification(Base):
    """The outbox: every message copflow decides to send is a row here before anything is sent."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(400), unique=True)
    cop_id: Mapped[int | None] = mapped_column(ForeignKey("cop.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    ics_method: Mapped[str | None] = mapped_column(String(20))
    # One file sent with the message (an evaluation report, a lessons-learned draft), kept with the row so a
    # repeated delivery sends the same bytes.
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Which claim holds a "sending" row: a deliverer marks a row only while its token is still there, so one
    # whose lease ran out can never mark (or, having renewed first, send) a row another deliverer took over.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # Retention (copflow.services.privacy): once a sent message's content is purged, only its key, kind, status,
    # times and a SHA-256 of the recipient's address are kept.
    recipient_hash: Mapped[str | None] = mapped_column(String(64))
    purged_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_notification_pending", "status", "next_attempt_at"),
                      Index("ix_notification_sent_at", "sent_at"))


# The retention purge's cut-off: only mail whose content is still kept, by status and when it went (or was
# withdrawn). The status comes first so that SQLite takes this index, not ix_notification_pending, for the purge.
Index("ix_notification_unpurged", Notification.status, func.coalesce(Notification.sent_at, Notification.created_at),
      sqlite_where=Notification.purged_at.is_(None), postgresql_where=Notification.purged_at.is_(None))


class MailPace(Base):
    """The relay's pace, shared by every deliverer: the next free sending slot under the per-minute limit (a GCRA
    "theoretical arrival time") and the end of a pause a relay asked for (421/451/452 4.7.x). The per-day limit
    is counted from `notification.sent_at`."""

    __tablename__ = "mail_pace"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    minute_tat: Mapped[datetime | None]
    slow_until: Mapped[datetime | None]


class Document(Base):
    """Texts a CoP keeps: the lessons-learned report (drafted by copflow, completed by the leads), notes."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    # For evaluation reports: the review (stage visit) the report belongs to.
    stage_visit: Mapped[int | None] = mapped_column(Integer)


class Activity(Base):
    """Something a CoP held (a lunch & learn, a check-in) or made (a blog, a funding bid), for its reviews."""

    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    link: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("cop_id", "kind", "held_on", "title", name="uq_activity"),
                      Index("ix_activity_cop_held", "cop_id", "held_on"))


class Attendance(Base):
    __tablename__ = "attendance"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    __table_args__ = (UniqueConstraint("activity_id", "person_id", name="uq_attendance"),)


class SurveyAnswer(Base):
    """One answer to one statement, as exported from Microsoft Forms; respondents are kept by response id."""

    __tablename__ = "survey_answer"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"))
    survey: Mapped[str] = mapped_column(String(100))
    respondent: Mapped[str] = mapped_column(String(100))
    statement_key: Mapped[str] = mapped_column(String(80))
    statement: Mapped[str] = mapped_column(Text)
    benchmark: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[int] = mapped_column(Integer)
    submitted_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("cop_id", "survey", "respondent", "statement_key", name="uq_survey_answer"),
                      Index("ix_survey_answer_cop_submitted", "cop_id", "submitted_on"))


class AppMeta(Base):
    """Small key/value facts about this database (e.g. the demo's marker)."""

    __tablename__ = "app_meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    flag: Mapped[bool] = mapped_column(Boolean, default=False)


class ErasureRecord(Base):
    """The audit of an erasure: that it happened, by whom and when, under the pseudonym; never the erased data."""

    __tablename__ = "erasure"
    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(100), unique=True)
    erased_by: Mapped[str] = mapped_column(String(320))
    erased_at: Mapped[datetime]
    # Rows changed per table, and files written earlier (closure archives, reports) left to the organisation.
    rows_changed: Mapped[dict[str, Any]]
    files_to_handle: Mapped[list[Any]]


class Link(Base):
    """A signed link sent by mail: only the SHA-256 of its random token is kept, bound to one address, one CoP
    (none for a person's calendar feed), one purpose and, for evidence, one gate of one stage visit."""

    __tablename__ = "link"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    cop_id: Mapped[int | None] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    purpose: Mapped[str] = mapped_column(String(20))  # evidence, cop, feed, actions
    gate: Mapped[str | None] = mapped_column(String(40))
    stage_visit: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # When a fresh link was last sent in its place (at most one a day, to the address it was made for).
    renewed_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("token_hash", name="uq_link_token_hash"),
                      Index("ix_link_cop_email", "cop_id", "email"))


class Action(Base):
    """One item of a CoP's action plan: who does what by when, optionally towards one of the charter's annual
    targets (its text, as the charter spells it). Its history is in `action_events`."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # open, done, dropped (lifecycle.actions.ActionStatus)
    target: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(320))
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # Optimistic lock: an owner's web page and a lead's command changing one action at once end in one change
    # and one clear error.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}
    # A CoP's plan in its order (due date) from the index alone: with (cop_id, status) only, SQLite preferred
    # (status, due_on) for the order, reading every CoP's open actions for one agenda.
    __table_args__ = (Index("ix_actions_cop_status_due", "cop_id", "status", "due_on"),
                      Index("ix_actions_status_due", "status", "due_on"))

    owner: Mapped[Person] = relationship(lazy="joined")


class ActionEvent(Base):
    """A line of an action's history: created, edited (what changed in `changes`), done, dropped, reopened."""

    __tablename__ = "action_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    # For an edit: {field: [before, after]} as text (dates ISO).
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    via: Mapped[str] = mapped_column(String(10))  # cli, web, import


class AuditEntry(Base):
    """A refused attempt to change what someone may do (a role the actor may not grant or remove): who tried,
    through which door, what, on which CoP, and why it was refused. Nothing the attempt would have changed."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(40))  # lifecycle.grants.Actor
    by: Mapped[str] = mapped_column(String(320))  # the link's holder, or the CLI's COPFLOW_USER
    action: Mapped[str] = mapped_column(String(40))  # grant, change, remove
    cop_slug: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(320))  # whose role it was
    role: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))  # refused
    reason: Mapped[str] = mapped_column(Text)
