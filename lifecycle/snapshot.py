"""A read-only picture of one CoP: everything the lifecycle core needs, and nothing it must fetch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lifecycle.audiences import CORE_ROLES, LEAD_ROLES
from lifecycle.stages import Gate, Role, Stage


@dataclass(frozen=True)
class MemberView:
    email: str
    role: Role
    department: str | None = None
    line_manager: str | None = None


@dataclass(frozen=True)
class CharterView:
    version: str
    published_on: date
    review_dates: tuple[date, ...] = ()
    review_cadence_months: int | None = None


def every_day(day: date) -> bool:
    """A calendar with no days off: a snapshot built without the organisation's calendar (tests, checks that read
    no dates)."""
    return True


@dataclass(frozen=True)
class CopSnapshot:
    slug: str
    stage: Stage
    stage_entered_on: date
    members: tuple[MemberView, ...] = ()
    # Evidence recorded during the current visit to the current stage, latest record per gate.
    evidence: Mapping[Gate, Mapping[str, Any]] = field(default_factory=dict)
    charter: CharterView | None = None
    # When the last review was decided (or the CoP launched): reviews are counted from here.
    review_anchor_on: date | None = None
    closing_date: date | None = None
    # The CoP's working days (the application's calendar, copflow/services/workdays.py, passed in as a predicate):
    # every date the core computes for people to keep is moved onto one (lifecycle/working_days.py).
    is_working: Callable[[date], bool] = field(default=every_day, compare=False, repr=False)

    def with_role(self, *roles: Role) -> tuple[MemberView, ...]:
        return tuple(m for m in self.members if m.role in roles)

    @property
    def leads(self) -> tuple[MemberView, ...]:
        return tuple(m for m in self.members if m.role in LEAD_ROLES)

    @property
    def core_group(self) -> tuple[MemberView, ...]:
        by_email: dict[str, MemberView] = {}
        for m in self.members:
            if m.role in CORE_ROLES:
                by_email.setdefault(m.email, m)
        return tuple(by_email.values())
