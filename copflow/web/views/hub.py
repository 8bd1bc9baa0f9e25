"""The CoP hub (every open CoP, for everyone in the organisation), join requests, and calendar feeds.

The hub and the public feeds (copflow/web/views/feeds.py) show names, purposes, stages and the public meetings'
times and rooms, never a private meeting, a join link or an e-mail address; a join request is mailed to the CoP's
leads, who add the person to the roster themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from copflow.db.models import Charter, Cop, MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from copflow.services.links.signed import Grant, issue_link
from copflow.services.meetings.kinds import PUBLIC, public_place
from copflow.services.meetings.recurrence import held_occurrences
from copflow.services.people.join_requests import Asked, tell_leads
from copflow.services.snapshots import get_cop
from copflow.web.views.feeds import OPEN_STAGES
from lifecycle import Policy, Role
from notifications.vocabulary import zone_words


def next_starts(series: MeetingSeries, now: datetime, count: int) -> list[datetime]:
    """The next `count` starts of a series (wall-clock, its own zone) that are held: the rule's own UNTIL (a
    series ended by `meeting move`) respected, cancelled and holiday-skipped occurrences left out."""
    after = now.astimezone(ZoneInfo(series.tzid)).replace(tzinfo=None)
    # Far enough ahead for the sparsest rule copflow writes (yearly) to show its next occurrences.
    held = held_occurrences(series, after + timedelta(days=366 * count + 31))
    return [when for when in held if when >= after][:count]


def next_occurrences(series: MeetingSeries, now: datetime, count: int) -> list[datetime]:
    """The next starts, wall-clock in the series' own zone (pages show them in words)."""
    return next_starts(series, now, count)


def hub(uow: UnitOfWork, *, now: datetime) -> list[dict[str, Any]]:
    """Every open CoP: purpose, leads (names), stage, next events; slug for its feed and join form."""
    with uow:
        s = uow.session
        cops = s.scalars(select(Cop).options(selectinload(Cop.memberships)).where(Cop.stage.in_(OPEN_STAGES))
                         .order_by(Cop.name)).all()
        charters: dict[int, Charter] = {}  # each CoP's current charter (as current_charter), in one query
        for c in s.scalars(select(Charter).where(Charter.cop_id.in_([c.id for c in cops]))
                           .order_by(Charter.published_on, Charter.id)):
            charters[c.cop_id] = c
        series = s.scalars(select(MeetingSeries).where(MeetingSeries.status == "scheduled",
                                                       MeetingSeries.visibility == PUBLIC,
                                                       MeetingSeries.cop_id.in_([c.id for c in cops]))
                           .order_by(MeetingSeries.id)).all()
        out = []
        for cop in cops:
            charter = charters.get(cop.id)
            leads = sorted({m.person.name for m in cop.memberships
                            if m.left_on is None and m.role in (Role.LEAD.value, Role.COORDINATOR.value)})
            events: list[dict[str, Any]] = []
            for m in (m for m in series if m.cop_id == cop.id):
                for start in next_starts(m, now, 1):
                    events.append({"title": m.summary, "at": start, "next": start,
                                   "place": public_place(m.location), "zone": zone_words(m.tzid)})
            out.append({"slug": cop.slug, "name": cop.name, "stage": cop.stage,
                        "purpose": charter.purpose if charter else (cop.domain or ""), "leads": leads,
                        "events": sorted(events, key=lambda e: e["at"])[:3]})
        return out


class JoinRefused(InvalidInput):
    """Every problem of a join form at once, by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        first = next(iter(problems))
        super().__init__(first, problems[first])


@dataclass(frozen=True)
class JoinRequest:
    slug: str
    leads_told: int


def request_to_join(uow: UnitOfWork, *, slug: str, name: str, email: str, message: str, now: datetime,
                    policy: Policy) -> JoinRequest:
    """Mail the CoP's leads that someone would like to join; each lead's mail links to their CoP page. Past the
    policy's daily caps the request waits for each lead's digest of the day
    (services/people/join_requests.py). Asking twice on one day sends nothing new. Bad input raises JoinRefused
    naming every field's problem."""
    problems: dict[str, str] = {}
    checks: dict[str, Callable[[], str]] = {
        "name": lambda: v.clean_name("name", name), "email": lambda: v.email(email),
        "message": lambda: v.clean_text("message", message, max_len=1000, required=False)}
    clean: dict[str, str] = {}
    for field_name, check in checks.items():
        try:
            clean[field_name] = check()
        except InvalidInput as exc:
            problems[field_name] = exc.problem_words
    if problems:
        raise JoinRefused(problems)
    who, addr, note = clean["name"], clean["email"], clean["message"]
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        if cop.stage not in OPEN_STAGES:
            raise InvalidInput("cop", f"{cop.name} is closed")
        told = tell_leads(s, cop, Asked(who, addr, note), now=now, policy=policy)
        uow.commit()
        return JoinRequest(cop.slug, told)


def issue_feed_link(uow: UnitOfWork, grant: Grant, *, now: datetime, policy: Policy) -> str:
    """A private feed link for the holder of a CoP-page link (shown to them once)."""
    with uow:
        url = issue_link(uow.session, email=grant.email, cop=None, purpose="feed", now=now, policy=policy)
        uow.commit()
        return url

