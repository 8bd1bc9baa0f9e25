"""Meeting series: a CoP's meetings, their rules, and the occurrences left out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    text,
)
from sqlalchemy import inspect as inspect_state
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
    # When its next held occurrence starts, or earlier (never later): what the sweep's agendas and briefs select
    # through the index. Reset to the series' start by any change to when it meets (below); the sweep sets the
    # exact value; None once nothing more is held (cancelled, ended).
    next_held_at: Mapped[datetime | None]
    # "public" (the hub and the public feeds show it, without its join link) or "private" (its attendees' own
    # feeds and the leads' pages only); defaulted by kind (copflow/services/meetings/kinds.py).
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    # The last change to anything a feed shows of it (scheduled, moved, cancelled, restored, attendees changed):
    # a feed's Last-Modified. Set with every invitation or cancellation it sends.
    changed_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_meeting_series_kind_next_held", "kind", "next_held_at"),)


class MeetingAnswer(Base):
    """An attendee's answer to a series (`occurrence` None) or to one occurrence of it (its wall-clock start in the
    series' zone, as RECURRENCE-ID names it), from the iMIP REPLY their calendar sent; a COUNTER's proposed time
    is kept beside it for the leads, never applied."""

    __tablename__ = "meeting_answer"
    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"))
    occurrence: Mapped[str | None] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # ACCEPTED, DECLINED, TENTATIVE (or NEEDS-ACTION: a COUNTER that said nothing of coming)
    answer: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    proposed_start: Mapped[str | None] = mapped_column(String(20))
    proposed_end: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime]
    __table_args__ = (
        Index("uq_meeting_answer_occurrence", "series_id", "occurrence", "person_id", unique=True),
        # NULLs are distinct in a unique index: the series-wide answer has its own, partial one.
        Index("uq_meeting_answer_series", "series_id", "person_id", unique=True,
              sqlite_where=text("occurrence IS NULL"), postgresql_where=text("occurrence IS NULL")),
    )


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
