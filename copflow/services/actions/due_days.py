"""Whether an action's due date is a day people work on where its CoP is. A due date on a weekend, a public
holiday or a closure day is allowed (someone may mean it) but rarely meant: `copflow action add` and `action
edit` say so in a one-line note."""

from __future__ import annotations

from datetime import date

from copflow.db.uow import UnitOfWork
from copflow.services.snapshots import get_cop
from copflow.services.workdays import working_days_of
from lifecycle import Policy


def day_off(uow: UnitOfWork, *, slug: str, day: date, policy: Policy) -> str | None:
    """Why `day` is not a working day for the CoP ("a Sunday", "Christmas Day", "a closure day"), or None."""
    with uow:
        return working_days_of(get_cop(uow.session, slug), policy).why_not(day)
