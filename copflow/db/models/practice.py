"""What a CoP did and what its members said, for its reviews: activities and outputs, attendance, survey answers, and
the documents it keeps (lessons learned, evaluation reports) and those it could not make yet."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from copflow.db.models.cops import Base


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


class DocumentFailure(Base):
    """A document copflow owed someone and could not make (the evaluation report's PDF, the lessons-learned draft):
    kept with its reason until a later sweep makes and sends it, so nothing goes missing without a word. The mail
    that should have carried it said it follows; the OD manager's digest lists it until `resolved_at`."""

    __tablename__ = "document_failure"
    __table_args__ = (UniqueConstraint("cop_id", "kind", "stage_visit"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # evaluation_pdf, lessons_docx
    stage_visit: Mapped[int] = mapped_column(Integer)  # the review (or the closing) it belongs to
    reason: Mapped[str] = mapped_column(Text)  # the last attempt's, in one line
    failed_at: Mapped[datetime]
    last_tried_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
