"""Data and Insight's action plan, and the check-in and sponsor catch-up it prepares for.

A few actions with owners from its roster (one overdue, one done, one towards a charter target, one due within
the policy's action reminder days, so that today's sweep reminds its owner), all due on working days, a lunch
and learn since its last check-in, and its next check-in and catch-up moved to the first meeting day after today
(as a core group diarises them), so that today's sweep sends it an agenda and its sponsor a brief.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from copflow.db.uow import UnitOfWork
from copflow.demo.data import DOMAIN
from copflow.demo.days import DemoDays
from copflow.services.actions.plan import add_action, change_status
from copflow.services.activities import log_activity
from copflow.services.meetings.changes import reschedule
from copflow.services.snapshots import get_cop
from copflow.services.workdays import working_day_on_or_after, working_days_of
from lifecycle import Policy

SLUG = "data-insight"
# title, owner, added (days ago), due (days from today, moved to a working day; negative: past; None: the
# latest working day within the action reminder days), annual target, done (hours ago)
ACTIONS: list[tuple[str, str, int, int | None, str | None, int | None]] = [
    ("Draft the data glossary", "dev.patel", 60, -12, None, None),  # overdue
    ("Book a room for the autumn seminar", "amira.khan", 50, 5, "1 seminar", 2),  # done, towards a target
    ("Send the seminar speaker shortlist to the core group", "ben.okafor", 10, None, None, None),  # reminded today
    ("Write the Power BI blog post", "ben.okafor", 40, 20, "2 blog posts", None),
    ("Invite Finance to a lunch and learn", "dev.patel", 30, 30, None, None),
]


def due_on(today: date, due: int | None, days: DemoDays, policy: Policy) -> date:
    if due is None:
        return days.working_day_within(today, max(policy.action_reminder_days, default=0))
    day = today + timedelta(days=due)
    return days.held(day) if due < 0 else days.due(day)


def give_plan(url: str, now: datetime, policy: Policy, by: str) -> datetime:
    """Add the plan and move the next check-in (12:30) and sponsor catch-up (15:00) to the first meeting day after
    today; returns that day's check-in (wall-clock, in the CoP's zone)."""
    uow = UnitOfWork(url)
    today = now.astimezone(policy.zone()).date()
    days = DemoDays(policy)
    for title, owner, added, due, target, done in ACTIONS:
        action = add_action(uow, slug=SLUG, title=title, owner=f"{owner}@{DOMAIN}",
                            due_on=due_on(today, due, days, policy), who=by, via="cli",
                            now=now - timedelta(days=added), target=target)
        if done is not None:
            change_status(uow, action_id=action.id, status="done", who=f"{owner}@{DOMAIN}", via="web",
                          now=now - timedelta(hours=done))
    held = days.held(today)  # today, or the last working day: never before the last check-in, so on its agenda
    log_activity(uow, slug=SLUG, kind="lunch_and_learn", title="Dashboards that get read", held_on=held, by=by,
                 now=now, policy=policy,
                 attendees=tuple(f"{p}@{DOMAIN}" for p in ("amira.khan", "ben.okafor", "dev.patel", "dir.planning")))
    with uow:
        cop = get_cop(uow.session, SLUG)
        day = working_day_on_or_after(today + timedelta(days=1), working_days_of(cop, policy))
        at = time.fromisoformat(cop.meeting_time or policy.meeting_time)
    moved = now - timedelta(hours=1)
    for meeting, when in (("checkin", at), ("sponsor-catchup", time(15, 0))):
        # From today on: nothing of the old series is left between now and the new day.
        reschedule(uow, slug=SLUG, meeting=meeting, start=datetime.combine(day, when), now=moved, policy=policy,
                   from_day=today)
    return datetime.combine(day, at)
