"""The relay's pace: per-minute and per-day limits shared by every deliverer, pauses a relay asks for, and how
long the outbox will take to empty at that pace.

The per-minute limit is a GCRA "theoretical arrival time" in one database row (`mail_pace`), taken under a
row lock, so two deliverers share a relay's 30 a minute instead of sending 30 a minute each: messages go
evenly, 60/limit seconds apart. The per-day limit counts what went in the last 24 hours (relays count a rolling
day), so a review season's mail goes at the minute's pace until the day's number is reached, then waits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from copflow.db.models import MailPace, Notification
from copflow.db.uow import UnitOfWork

PACE_ROW = "relay"
# How long to leave a relay alone after it said "slow down" (421/451/452 with 4.7.x, e.g. 4.7.500 server busy).
SLOW_DOWN = timedelta(minutes=1)
# Slots are reserved a little ahead at a time, at most this far ahead of the first: short, so that two
# deliverers take turns often and their sends interleave evenly rather than in bursts.
RESERVE_AHEAD = timedelta(milliseconds=250)
DAY = timedelta(days=1)


class Clock(Protocol):
    """What delivery reads the time from and waits with: the wall clock in use, an injected one in tests."""

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class RunningClock:
    """Starts at `start` (the run's `now`, which COPFLOW_NOW or a test may set) and runs on with real time."""

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start or datetime.now(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._t0)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass(frozen=True)
class Limits:
    """A relay's sending limits; None is no limit (the default)."""

    per_minute: int | None = None
    per_day: int | None = None

    @property
    def on(self) -> bool:
        return bool(self.per_minute or self.per_day)

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=1) / self.per_minute if self.per_minute else timedelta(0)


def _row(uow: UnitOfWork, *, lock: bool) -> MailPace:
    """The pace row, locked for an update (made on first use), or as read (an empty one if none yet)."""
    s = uow.session
    query = select(MailPace).where(MailPace.name == PACE_ROW)
    row = s.scalar(query.with_for_update() if lock else query)
    if row is None and not lock:
        return MailPace(name=PACE_ROW)
    if row is None:
        try:
            with s.begin_nested():
                s.add(MailPace(name=PACE_ROW))
        except IntegrityError:
            pass  # another deliverer made it first
        row = s.scalar(query.with_for_update())
    assert row is not None
    return row


def paused_until(uow: UnitOfWork) -> datetime | None:
    """When a relay's last "slow down" ends (None if it never asked)."""
    with uow:
        return uow.session.scalar(select(MailPace.slow_until).where(MailPace.name == PACE_ROW))


def reserve(uow: UnitOfWork, limits: Limits, *, now: datetime, want: int) -> list[datetime]:
    """Sending times for up to `want` messages (at least one), the first at or after `now`, under the limits
    and any pause. The times are taken: another deliverer gets later ones."""
    with uow:
        s = uow.session
        row = _row(uow, lock=limits.on)
        first = max(now, row.slow_until or now, row.minute_tat or now)
        if limits.per_day:
            room, frees_at = _day_room(uow, limits.per_day, now)
            want = min(want, max(room, 1))
            if room <= 0:
                first = max(first, frees_at)
        slots: list[datetime] = []
        t = first
        while len(slots) < want and (not slots or t <= first + RESERVE_AHEAD):
            slots.append(t)
            t += limits.interval
        if limits.on:
            row.minute_tat = t
            s.commit()
        return slots


def _day_room(uow: UnitOfWork, per_day: int, now: datetime) -> tuple[int, datetime]:
    """How many more may go in the rolling day, and when the next one may if none can now."""
    s, since = uow.session, now - DAY
    in_window = Notification.sent_at > since
    sent = s.scalar(select(func.count()).where(in_window)) or 0
    if sent < per_day:
        return per_day - sent, now
    oldest = s.scalar(select(Notification.sent_at).where(in_window).order_by(Notification.sent_at)
                      .offset(sent - per_day).limit(1))
    return 0, (oldest + DAY) if oldest else now


def pause(uow: UnitOfWork, *, until: datetime) -> None:
    """A relay asked copflow to slow down: no deliverer sends before `until`."""
    with uow:
        row = _row(uow, lock=True)
        if row.slow_until is None or row.slow_until < until:
            row.slow_until = until
        uow.commit()


@dataclass(frozen=True)
class Backlog:
    """Mail waiting to go (pending, or claimed and in flight) and when, at the relay's pace, it will have gone."""

    waiting: int
    clears_at: datetime | None

    def describe(self) -> str:
        if not self.waiting:
            return "no mail waiting"
        when = f" by {self.clears_at:%Y-%m-%d %H:%M} UTC" if self.clears_at else ""
        return f"{self.waiting} message{'s' if self.waiting != 1 else ''} waiting; all sent{when}"


def outbox_backlog(uow: UnitOfWork, *, now: datetime, limits: Limits) -> Backlog:
    """How much mail is waiting and when it will have gone: for the sweep's summary and the OD manager's digest.

    The estimate takes the relay's limits, a pause it asked for and the latest retry time of a waiting message;
    it assumes deliveries run whenever there is something to send (the `deliver-outbox` deployment, every
    five minutes).
    """
    with uow:
        s = uow.session
        n = s.scalar(select(func.count()).where(Notification.status.in_(["pending", "sending"]))) or 0
        latest = s.scalar(select(func.max(Notification.next_attempt_at)).where(Notification.status == "pending"))
        row = s.scalar(select(MailPace).where(MailPace.name == PACE_ROW))
        room = _day_room(uow, limits.per_day, now)[0] if limits.per_day and n else n
    if not n:
        return Backlog(0, None)
    start = max(now, (row.slow_until or now) if row else now, (row.minute_tat or now) if row else now)
    last = start + (n - 1) * limits.interval
    if limits.per_day and n > room:  # what the day cannot take goes as earlier mail turns a day old
        last = max(last, now + DAY * -(-(n - room) // limits.per_day))
    if latest is not None:  # a message waiting for its retry goes no sooner than that
        last = max(last, latest)
    return Backlog(int(n), last)
