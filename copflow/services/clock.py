"""The one place services turn `now` into the organisation's calendar date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from lifecycle import Policy


def cop_date(now: datetime, timezone: str) -> date:
    """The date where a CoP is: what "today" means for the dates its people enter (10:30 on 9 January in Sydney
    is still 8 January in London)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def local_date(now: datetime, policy: Policy) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(policy.zone()).date()
