"""Delivering posts to chat channels: the outbox's "chat" rows, claimed, leased and marked as mail is (claims.py),
each channel at its own pace (a `mail_pace` row per channel, named by the address's fingerprint, as the relay has
one), one attempt each.

What a reply does: accepted, the row is marked sent in its own commit (a crash repeats at most the post in
flight); 429 (or 503 with Retry-After) pauses that channel for as long as it asked (no attempt counted: the post
is not at fault; the channel's other posts wait too, so they keep their order), and the run waits it out when it
lasts that long; another 5xx, a timeout or no answer is retried with the outbox's backoff (not before its
Retry-After) and parked after MAX_ATTEMPTS; any other 4xx parks the post with the reply; an address that cannot
be opened (the channel key changed) parks it saying so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.keys.channel import ChannelKeyChanged, unseal
from copflow.services.mail.claims import LEASE, Claim, Marks, claim, release, retry
from copflow.services.mail.pacing import Clock, Limits, RunningClock, pause, reserve
from copflow.settings import Settings
from notifications.chat import ChatPost, RateLimited, Unavailable, fingerprint
from notifications.transports import PermanentFailure, TemporaryFailure

MAX_ATTEMPTS = 8
# How long a channel is left alone after a 429 that did not say how long (Slack's and Teams' say).
DEFAULT_PAUSE = timedelta(seconds=60)
MAX_PAUSES = 10  # a run waits out at most this many pauses, and at most MAX_WAIT in all; the rest is the next run's
MAX_WAIT = timedelta(minutes=2)


class Poster(Protocol):
    def post(self, address: str, post: ChatPost) -> None: ...


@dataclass
class PostReport:
    posted: int = 0
    retried: int = 0
    parked: int = 0
    rate_limited: int = 0  # a channel said "too many requests": its posts waited, no attempt counted
    lost_claims: int = 0
    # What was parked in this run, as "the channel (title): the reply", for the digest and the sweep's summary.
    parked_posts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    id: int
    to: str  # the address, sealed
    shown: str
    post: ChatPost


def pace_row(address: str) -> str:
    return f"chat:{fingerprint(address)}"


def deliver_posts(uow: UnitOfWork, poster: Poster, *, key: Callable[[], bytes], now: datetime | None = None,
                  clock: Clock | None = None, per_minute: int = 20, batch_size: int = 50,
                  run_for: timedelta | None = None, max_attempts: int = MAX_ATTEMPTS,
                  only: Collection[int] | None = None) -> PostReport:
    """Post every due post, each channel at `per_minute`, until none is due or the run's `run_for` is up."""
    run = _Run(uow, poster, clock or RunningClock(now), Limits(per_minute=per_minute), max_attempts)
    run.deadline = run.clock.now() + run_for if run_for is not None else None
    while not run.over():
        c = claim(uow, now=run.clock.now(), limit=batch_size, channel="chat", only=only)
        if not c.ids:
            if run.paused and run.report.rate_limited <= MAX_PAUSES and run.wait_out():
                continue
            break
        secret = key()
        with closing(Marks(uow.engine, c.token)) as marks:
            for row in _rows(uow, c.ids):
                run.one(c, row, secret, marks)
    return run.report


def _rows(uow: UnitOfWork, ids: list[int]) -> list[_Row]:
    with uow:
        out = []
        for n in uow.session.scalars(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)):
            data = json.loads(n.post or "{}")
            out.append(_Row(n.id, data.get("to", ""), n.recipient,
                            ChatPost(n.subject, n.body_text, data.get("link", ""), data.get("label", ""))))
        return out


@dataclass
class _Run:
    uow: UnitOfWork
    poster: Poster
    clock: Clock
    limits: Limits
    max_attempts: int
    deadline: datetime | None = None
    report: PostReport = field(default_factory=PostReport)
    paused: dict[str, datetime] = field(default_factory=dict)  # channel (pace row) → when it may be posted to
    waited: timedelta = timedelta(0)

    def over(self) -> bool:
        return self.deadline is not None and self.clock.now() >= self.deadline

    def one(self, c: Claim, row: _Row, secret: bytes, marks: Marks) -> None:
        now = self.clock.now()
        if now >= c.until - LEASE / 2 or self.over():
            release(self.uow, c.token, [row.id], at=now)  # the next claim (or run) takes it again
            return
        if not row.to:
            self.park(marks, row, now, "the channel was removed before this was posted")
            return
        try:
            address = unseal(row.to, secret)
        except ChannelKeyChanged as exc:
            self.park(marks, row, now, exc.problem)
            return
        pace = pace_row(address)
        if self.paused.get(pace, now) > now:  # the channel asked to wait: its posts keep their order
            release(self.uow, c.token, [row.id], at=self.paused[pace])
            return
        slot = reserve(self.uow, self.limits, now=now, want=1, name=pace)[0]
        if slot > now + LEASE / 2 or (self.deadline is not None and slot >= self.deadline):
            self.paused[pace] = slot  # its turn comes after this run: due again then
            release(self.uow, c.token, [row.id], at=slot)
            return
        self.clock.sleep((slot - now).total_seconds())
        self.post(c, row, address, pace, marks)

    def post(self, c: Claim, row: _Row, address: str, pace: str, marks: Marks) -> None:
        try:
            self.poster.post(address, row.post)
        except RateLimited as exc:
            until = self.clock.now() + (timedelta(seconds=exc.retry_after) if exc.retry_after is not None
                                        else DEFAULT_PAUSE)
            self.report.rate_limited += 1
            self.paused[pace] = until
            pause(self.uow, until=until, name=pace)  # every deliverer leaves the channel alone until then
            release(self.uow, c.token, [row.id], at=until, error=f"the channel asked to wait: {exc}")
        except PermanentFailure as exc:
            self.park(marks, row, self.clock.now(), str(exc))
        except TemporaryFailure as exc:
            wait = exc.retry_after if isinstance(exc, Unavailable) else None
            now = self.clock.now()
            outcome, parked = retry(self.uow, c.token, row.id, now, str(exc), self.max_attempts,
                                    not_before=now + timedelta(seconds=wait) if wait is not None else None)
            if outcome == "lost":
                self.report.lost_claims += 1
            elif outcome == "parked":
                self.report.parked += 1
                self.report.parked_posts.append(parked)
            else:
                self.report.retried += 1
        else:
            if marks.mark(row.id, self.clock.now(), status="sent"):
                self.report.posted += 1
            else:
                self.report.lost_claims += 1

    def park(self, marks: Marks, row: _Row, now: datetime, reply: str) -> None:
        if marks.mark(row.id, now, status="parked", error=reply):
            self.report.parked += 1
            self.report.parked_posts.append(f"{row.shown} ({row.post.title}): {reply}")
        else:
            self.report.lost_claims += 1

    def wait_out(self) -> bool:
        """After a channel's "too many requests": wait for the first pause to end, if the run lasts that long."""
        now = self.clock.now()
        ends = [t for t in self.paused.values() if t > now]
        until = min(ends) if ends else None
        if until is None or (self.deadline is not None and until >= self.deadline) or \
                self.waited + (until - now) > MAX_WAIT:
            return False
        self.waited += until - now
        self.clock.sleep((until - now).total_seconds())
        return True


def deliver_posts_with_settings(settings: Settings, *, clock: Clock, run_for: timedelta | None = None,
                                only: Collection[int] | None = None) -> PostReport:
    """The due posts, through Apprise, at the policy's pace per channel, opened with the channel key."""
    from copflow.services.keys.channel import channel_key
    from notifications.chat import Poster as ApprisePoster

    return deliver_posts(UnitOfWork(settings.database_url), ApprisePoster(settings.chat_timeout),
                         key=lambda: channel_key(settings), clock=clock,
                         per_minute=settings.policy().channel_posts_per_minute, run_for=run_for, only=only)
