"""What a check-in agenda and a sponsor brief say: the meeting, the action plan, what was done, held and made
since the previous meeting, the gates and reviews coming up, the annual targets so far and what is overdue.

Plain values for the templates (templates/email/checkin_agenda.*, sponsor_brief.*): dates as ISO strings that
the templates write out in words, kinds and gates as their ids that the vocabulary's filters name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copflow.db.models import Activity, Attendance, Cop, MeetingSeries
from copflow.services.actions.plan import ActionView, changes_between, plan_of
from copflow.services.meetings.answers import answers_for
from copflow.services.meetings.kinds import KINDS
from copflow.services.snapshots import current_charter, snapshot
from lifecycle import Gate, Policy, due_gates
from lifecycle.briefs import by_owner
from lifecycle.due import AUTOMATED_GATES
from lifecycle.practice import MEMBER_EVENT_KINDS, OUTPUT_KINDS, ActivityKind, parse_targets
from lifecycle.review_dates import review_period_start
from lifecycle.review_inputs import ActivityRecord
from lifecycle.review_metrics import tally_targets


@dataclass(frozen=True)
class Window:
    """The meeting a mail prepares and the time it looks back on: from the previous held occurrence (or, for the
    first, the day the series was set up) to now."""

    series: MeetingSeries
    at: datetime  # the occurrence, wall-clock in the CoP's zone
    since: datetime  # aware
    first: bool
    now: datetime
    today: date  # where the CoP is


def meeting_title(series: MeetingSeries) -> str:
    return KINDS[series.kind].title.lower()


def meeting(w: Window) -> dict[str, Any]:
    """The meeting at the top of the mail: what, when (in the CoP's zone) and where."""
    end = w.at + timedelta(minutes=w.series.duration_minutes)
    place = w.series.location
    return {"title": KINDS[w.series.kind].title, "on": w.at.date().isoformat(),
            "time": f"{w.at:%H:%M}–{end:%H:%M}", "zone": w.series.tzid, "place": place,
            "online": bool(place and place.startswith("https://") and " " not in place)}


def answers_words(s: Session, cop: Cop, w: Window) -> str | None:
    """What the attendees answered the invitation for this occurrence ("coming: 5 — declined: Ben Okafor"), or
    None before anyone answered."""
    at = w.at.replace(tzinfo=ZoneInfo(cop.timezone)).astimezone(ZoneInfo(w.series.tzid)).replace(tzinfo=None)
    found = answers_for(s, w.series, at)
    return found.in_words() if found.answered else None


def looking_back(s: Session, cop: Cop, w: Window) -> dict[str, Any]:
    """What was done, held and made since the previous meeting: one rule for all three, from the start of its day
    (an action done on the morning of the last check-in is in the next agenda, as an event held that day is)."""
    since_day = w.since.astimezone(ZoneInfo(cop.timezone)).date()
    since = as_utc(datetime.combine(since_day, time()), cop.timezone)
    done = [_action(a, cop, w.today) for a in changes_between(s, cop.id, since, w.now) if a.status == "done"]
    held = _activities(s, cop.id, since_day, w.today)
    return {"since": since_day.isoformat(), "first": w.first, "done": done,
            "events": [a for a in held if ActivityKind(a["kind"]) in MEMBER_EVENT_KINDS],
            "outputs": [a for a in held if ActivityKind(a["kind"]) in OUTPUT_KINDS]}


def action_plan(s: Session, cop: Cop, today: date) -> dict[str, Any]:
    """The open actions grouped by owner, owners with overdue actions first, overdue actions first."""
    plan = plan_of(s, cop.id, today=today)
    groups = by_owner(plan, today)
    return {"owners": [{"name": g.name, "email": g.email, "overdue": g.overdue,
                        "actions": [_action(a, cop, today) for a in g.actions]} for g in groups],
            "open": len(plan), "overdue": [_action(a, cop, today) for a in plan if a.overdue]}


def coming_up(s: Session, cop: Cop, today: date, policy: Policy) -> list[dict[str, Any]]:
    """The CoP's open gates (and its next review) with their dates and, once past, how late they are."""
    out = []
    for d in due_gates(snapshot(s, cop, policy), today, policy):
        if d.gate in AUTOMATED_GATES and d.gate is not Gate.REVIEW_DUE:
            continue  # the closure archive: copflow's own step, nothing for the core group to do
        out.append({"gate": d.gate.value, "review": d.gate is Gate.REVIEW_DUE, "due_on": d.due_on.isoformat(),
                    "days_left": max(0, (d.due_on - today).days), "days_late": max(0, (today - d.due_on).days)})
    return out


def targets_so_far(s: Session, cop: Cop, today: date) -> dict[str, Any]:
    """The charter's annual targets against what was held or made since the review year began."""
    charter = current_charter(s, cop.id)
    targets = parse_targets(charter.annual_targets if charter else [])
    start = review_period_start(cop.review_anchor_on, cop.stage_entered_on)
    rows = s.execute(select(Activity.kind, Activity.title, Activity.held_on)
                     .where(Activity.cop_id == cop.id, Activity.held_on >= start, Activity.held_on <= today))
    records = tuple(ActivityRecord(ActivityKind(k), t, d) for k, t, d in rows)
    tally = tally_targets(targets, records, start, today, pro_rata=False)
    # Actions done towards a target are named beside it, never added to its count: the count is what was held
    # or made (the review counts the same), so "Book a room" done does not make a seminar held.
    zone = ZoneInfo(cop.timezone)
    since = datetime.combine(start, time(), zone).astimezone(UTC)
    done_towards = Counter(a.target for a in changes_between(s, cop.id, since, day_end(today, zone))
                           if a.status == "done" and a.target)
    return {"from": start.isoformat(), "targets": [
        {"text": t.text, "done": t.done, "needed": t.needed, "met": t.met, "counted": t.kind is not None,
         "kind": t.kind, "made": t.kind is not None and ActivityKind(t.kind) in OUTPUT_KINDS,
         "actions_done": done_towards.get(t.text, 0)} for t in tally]}


def day_end(today: date, zone: ZoneInfo) -> datetime:
    """The end of `today` where the CoP is, in UTC: the exclusive end of a look back that includes today."""
    return datetime.combine(today + timedelta(days=1), time(), zone).astimezone(UTC)


def _action(a: ActionView, cop: Cop, today: date) -> dict[str, Any]:
    closed = a.closed_at.astimezone(ZoneInfo(cop.timezone)).date().isoformat() if a.closed_at else None
    return {"title": a.title, "owner": a.owner_name, "due_on": a.due_on.isoformat(), "overdue": a.overdue,
            "days_late": max(0, (today - a.due_on).days), "target": a.target, "closed_on": closed}


def _activities(s: Session, cop_id: int, start: date, end: date) -> list[dict[str, Any]]:
    # Counted per activity through the attendance index (a grouped subquery would count every CoP's attendance).
    attendees = select(func.count()).where(Attendance.activity_id == Activity.id).correlate(Activity).scalar_subquery()
    rows = s.execute(select(Activity, attendees)
                     .where(Activity.cop_id == cop_id, Activity.held_on >= start, Activity.held_on <= end)
                     .order_by(Activity.held_on, Activity.id))
    return [{"kind": a.kind, "title": a.title, "held_on": a.held_on.isoformat(), "attendees": n, "link": a.link}
            for a, n in rows]


def as_utc(local: datetime, zone: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
