"""The organisation's calendar of working days: which days people work on, for meetings, actions' due dates,
closing dates and survey deadlines alike.

A day is a working day when it is one of the policy's working weekdays, not a public holiday of the region (the
CoP's, else the policy's: the `holidays` package, imported only here and only when a region's year is not kept
on disk already, copflow/services/holiday_cache.py) and not one of the policy's closure days. The core's date
rules take `WorkingDays.is_working` as a predicate (lifecycle/working_days.py), so the core stays free of
calendars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from copflow.services.errors import InvalidInput
from copflow.services.holiday_cache import cached
from lifecycle import Policy
from lifecycle.weekdays import WEEKDAY_NAMES, weekday_number
from lifecycle.working_days import decision_deadline

if TYPE_CHECKING:  # the fast evidence path (services/evidence.py) reads the calendar without loading the models
    from copflow.db.models import Cop


@dataclass(frozen=True)
class WorkingDays:
    """The days people work on, for a CoP or for the organisation."""

    working: frozenset[int]
    region: str
    closures: frozenset[date]

    def is_working(self, day: date) -> bool:
        """A day people work on: the predicate lifecycle/working_days.py moves closing dates and deadlines by."""
        return self.why_not(day) is None

    def why_not(self, day: date) -> str | None:
        """Why `day` is not a working day ("a Saturday", "Christmas Day", "a closure day"), or None."""
        if day.weekday() not in self.working:
            return f"a {WEEKDAY_NAMES[day.weekday()].title()}"
        if day in self.closures:
            return "a closure day"
        return _holiday_names(self.region, day.year).get(day)


def working_days_of(cop: Cop, policy: Policy) -> WorkingDays:
    """A CoP's working days: the organisation's, with the public holidays of the CoP's region."""
    return organisation_working_days(policy, cop.public_holidays)


def decision_deadline_of(cop: Cop, policy: Policy) -> date:
    """The day the review of `cop` (open since its stage was entered) is to be decided by, on one of its working
    days: what the review_passed gate's due date, the mails, the digest and the decision page all say."""
    return decision_deadline(cop.stage_entered_on, policy, working_days_of(cop, policy).is_working)


def organisation_working_days(policy: Policy, region: str | None = None) -> WorkingDays:
    """The policy's working days, closure days and public holidays (of `region` when given, else the policy's)."""
    return WorkingDays(frozenset(weekday_number(d) for d in policy.working_days),
                       region if region is not None else policy.public_holidays,
                       frozenset(date.fromisoformat(d) for d in policy.closure_dates))


def working_day_on_or_after(day: date, days: WorkingDays) -> date:
    """`day`, or the first working day after it (a one-off meeting copflow places itself); refused when there is
    none in the 60 days from `day`, where lifecycle/working_days.py's `next_working_day` keeps `day`."""
    for _ in range(60):
        if days.why_not(day) is None:
            return day
        day += timedelta(days=1)
    raise InvalidInput("date", f"no working day in the 60 days from {day}")


@lru_cache(maxsize=256)
def _holiday_names(region: str, year: int) -> dict[date, str]:
    if not region:
        return {}

    def look_up() -> dict[date, str]:
        import holidays

        country, _, sub = region.partition("-")
        try:
            found = holidays.country_holidays(country, subdiv=sub or None, years=year)
        except NotImplementedError:
            raise InvalidInput("public_holidays", f"{region!r} is not a country or subdivision the holidays "
                                                  "package knows (e.g. GB-ENG, IE, US-NY, AU-NSW, IN)") from None
        return {d: name for d, name in sorted(found.items())}

    return cached(region, year, look_up)


def check_region(region: str) -> str:
    """A holidays region code that the holidays package knows ("" for none)."""
    from lifecycle.policy import is_region

    if region and not is_region(region):
        raise InvalidInput("public_holidays", f"{region!r} is not a region code like GB-ENG, IE, US-NY or AU-NSW")
    _holiday_names(region, 2026)
    return region
