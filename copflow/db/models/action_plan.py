"""The core group's action plan: actions and their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copflow.db.models.cops import Base, Person


class Action(Base):
    """One item of a CoP's action plan: who does what by when, optionally towards one of the charter's annual
    targets (its text, as the charter spells it). Its history is in `action_events`."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # open, done, dropped (lifecycle.action_rules.ActionStatus)
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
