"""Meeting series: a CoP's meetings, their rules, and the occurrences left out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from copflow.db.models.cops import Base


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
