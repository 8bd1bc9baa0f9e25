"""Review dates: when a CoP's next review falls, from its charter (dates or cadence) or the policy's cadence.

Both the gate checks (is the review due yet?) and the due-date rules ask here.
"""

from __future__ import annotations

import calendar
from datetime import date

from lifecycle.policy import Policy
from lifecycle.snapshot import CopSnapshot
from lifecycle.working_days import next_working_day


def add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def review_period_start(review_anchor_on: date | None, stage_entered_on: date) -> date:
    """Where a review period starts: the last review's decision, or the launch (the review anchor); a CoP with
    neither yet counts from the day it entered its stage."""
    return review_anchor_on or stage_entered_on


def next_review_on(snap: CopSnapshot, p: Policy) -> date | None:
    """The first charter review date after the anchor, else the anchor plus the cadence, moved onto the CoP's next
    working day (a review due on a Saturday is due on the Monday)."""
    due = _review_date(snap, p)
    return next_working_day(due, snap.is_working) if due is not None else None


def _review_date(snap: CopSnapshot, p: Policy) -> date | None:
    anchor = review_period_start(snap.review_anchor_on, snap.stage_entered_on)
    charter = snap.charter
    if charter is not None:
        later = [d for d in charter.review_dates if d > anchor]
        if later:
            return min(later)
        if charter.review_cadence_months:
            return add_months(anchor, charter.review_cadence_months)
    return add_months(anchor, p.review_cadence_months)
