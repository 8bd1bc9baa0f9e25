"""The one place services turn `now` into the organisation's calendar date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lifecycle import Policy


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_date(now: datetime, policy: Policy) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(policy.zone()).date()
