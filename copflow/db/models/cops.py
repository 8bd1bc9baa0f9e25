"""The CoP, its people and its record: the declarative base and the schema version, people and memberships,
gate evidence, charters, transitions, signed links, erasures, the audit of refusals, the application's meta and
the server's own secrets.
Times are stored in UTC; due dates are plain dates in indexed columns."""

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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from copflow.db.types import UTCDateTime

# Migrations chained 0011 → 0016 → 0013 → 0014 → 0012 → 0021 → 0022 → 0024 → 0028 → 0029 → 0027 → 0026 (in the
# order they landed).
SCHEMA_VERSION = "0026"


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
    # A hard bounce (copflow/services/inbox/bounces.py): mail to this address is not delivered, so reminders go to
    # the next person who can act and the digest lists the address, with the remote server's reply.
    undeliverable_at: Mapped[datetime | None]
    undeliverable_reason: Mapped[str | None] = mapped_column(Text)


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
    # A link sent by mail: its token is made again at send time from this salt and the link key, which is kept
    # outside the database (copflow/services/links/tokens.py). None: a link shown once (CLI, web page).
    salt: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (UniqueConstraint("token_hash", name="uq_link_token_hash"),
                      Index("ix_link_cop_email", "cop_id", "email"))


class AuditEntry(Base):
    """A refused attempt to change what someone may do (a role the actor may not grant or remove): who tried,
    through which door, what, on which CoP, and why it was refused. Nothing the attempt would have changed.
    Also an OD manager's change that leaves no other trace (outcome "done"): an address said to work again after
    a hard bounce (copflow/services/people/reachable.py), which later bounces of older mail must not undo."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(40))  # lifecycle.grants.Actor
    by: Mapped[str] = mapped_column(String(320))  # the link's holder, or the CLI's COPFLOW_USER
    action: Mapped[str] = mapped_column(String(40))  # grant, change, remove
    cop_slug: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(320))  # whose role it was
    role: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))  # refused, or done
    reason: Mapped[str] = mapped_column(Text)


class ServerSecret(Base):
    """A secret the server keeps for itself, made on first use and never shown: `csrf` signs the web forms' tokens
    (copflow/web/csrf.py). In the database so that every web process (and a restart) signs alike."""

    __tablename__ = "server_secret"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]

    def __repr__(self) -> str:  # the value must never reach a log line or a traceback
        return f"ServerSecret(name={self.name!r}, value=***)"
