"""What the console's pages show, read from the same services the CLI calls (`copflow status`, `cop show`,
`meeting list`, `action list`, `outbox list`): the page only arranges and words what they return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from copflow.db.uow import UnitOfWork
from copflow.services.cops import CopDetail, show_cop
from copflow.services.links.signed import DECISION_GATES
from copflow.services.portfolio import PortfolioRow, portfolio
from lifecycle import Gate, Policy, Role, Stage, check_gate, open_gates, parse_stage
from lifecycle.grants import Actor, RosterChange, may

REVIEW_WITHIN_DAYS = 90
# The OD manager's role menu: every role the table lets the OD manager give (the service checks it again).
OD_MANAGER_MAY_GRANT = tuple(r.value for r in Role if may(Actor.OD_MANAGER, RosterChange.GRANT, r))
_LAST = "9999-12-31"


def most_urgent_first(rows: list[PortfolioRow]) -> list[PortfolioRow]:
    """The portfolio in the order an OD manager works through it: the longest overdue first, then what falls due
    soonest, then the nearest review; closed communities last."""
    return sorted(rows, key=lambda r: (r.stage == Stage.CLOSED.value, -r.overdue_days, r.due_on or _LAST,
                                       r.next_review_on or _LAST, r.name.lower()))


@dataclass(frozen=True)
class PortfolioFilter:
    stage: Stage | None = None
    overdue: bool = False
    reviews_soon: bool = False  # a review within REVIEW_WITHIN_DAYS

    @classmethod
    def of(cls, query: dict[str, str]) -> PortfolioFilter:
        try:
            stage = parse_stage(query.get("stage", "")) if query.get("stage") else None
        except ValueError:
            stage = None
        return cls(stage, query.get("overdue") == "yes", query.get("reviews") == "soon")


@dataclass(frozen=True)
class PortfolioPage:
    rows: list[PortfolioRow]
    waiting: list[PortfolioRow]  # reviews waiting for the OD manager's decision
    chosen: PortfolioFilter
    stages: tuple[str, ...]


def portfolio_page(uow: UnitOfWork, chosen: PortfolioFilter, *, now: datetime, policy: Policy) -> PortfolioPage:
    rows = portfolio(uow, now=now, policy=policy, stage=chosen.stage, overdue_only=chosen.overdue,
                     reviews_within_days=REVIEW_WITHIN_DAYS if chosen.reviews_soon else None)
    waiting = rows if chosen.stage == Stage.REVIEWING else [r for r in rows if r.stage == Stage.REVIEWING.value]
    return PortfolioPage(most_urgent_first(rows), most_urgent_first(waiting), chosen, tuple(s.value for s in Stage))


@dataclass(frozen=True)
class GateLine:
    gate: str
    unmet: list[str]  # what is still missing, in words; empty when met
    decision: bool  # a review's decision: decided on the decision page, not recorded as evidence
    criteria: list[tuple[str, bool, str]] = field(default_factory=list)  # (criterion, met, why not) of forming


def formation(snap: Any, today: Any, policy: Policy) -> list[tuple[str, bool, str]]:
    """The formation criteria of a forming community, each with whether the roster meets it now: the core group's
    gate judged by the lifecycle as if its evidence were in (so only the roster's criteria are left), its blocking
    requirements and the criteria that warn (or block, by policy) read by their codes."""
    from dataclasses import replace

    from notifications.vocabulary import plain

    g = Gate.CORE_GROUP_FORMED
    unmet, warnings = check_gate(g, replace(snap, evidence={**snap.evidence, g: {"domain": "-", "formed_on": "-"}}),
                                 today, policy)
    said = {u.code: plain(u.message) for u in (*unmet, *warnings)}
    asked = [(f"{g.value}.leads", f"at least {policy.min_leads} leads (a lead or the coordinator)"),
             (f"{g.value}.coordinator", "a coordinator among the leads"),
             (f"{g.value}.sponsor", "a named sponsor"),
             ("criteria.departments", f"a core group from at least {policy.min_departments} departments"),
             ("criteria.line_manager", "a core group not all reporting to one line manager")]
    return [(words, code not in said, said.get(code, "")) for code, words in asked]


@dataclass(frozen=True)
class CopPage:
    cop: CopDetail
    gates: list[GateLine]
    meetings: list[Any]  # services.meetings.changes.SeriesEntry
    actions: list[Any]  # services.actions.plan.ActionView
    review_waiting: bool
    can_close: bool  # in stage closing: the archive can be written and the community closed


def cop_page(uow_factory: Any, slug: str, *, now: datetime, policy: Policy) -> CopPage:
    """One community as `cop show` tells it, with its open gates judged by the lifecycle's own checks (as a lead's
    page shows them), its meetings (`meeting list`) and its action plan (`action list`)."""
    from copflow.services.actions.plan import list_actions
    from copflow.services.clock import local_date
    from copflow.services.meetings.changes import list_series
    from copflow.services.snapshots import get_cop, snapshot
    from copflow.web.views.lead_pages import in_words

    detail = show_cop(uow_factory(), slug, now, policy)
    with uow_factory() as u:
        snap = snapshot(u.session, get_cop(u.session, slug), policy)
        today = local_date(now, policy)
        gates = [GateLine(g.value, [in_words(x) for x in check_gate(g, snap, today, policy)[0]], g in DECISION_GATES,
                          formation(snap, today, policy) if g == Gate.CORE_GROUP_FORMED else [])
                 for g in open_gates(snap.stage)]
    stage = Stage(detail.stage)
    return CopPage(detail, gates, list_series(uow_factory(), slug, now=now),
                   list_actions(uow_factory(), slug=slug, now=now), stage == Stage.REVIEWING,
                   stage == Stage.CLOSING)


def console_grant(email: str, slug: str, *, purpose: str, now: datetime, stage_visit: int | None = None) -> Any:
    """The leads' and the decision link's pages read a `Grant` (what a link lets its holder see); the console's
    OD manager sees the same pages of any community, so the console hands them one made for the request, which is
    never stored and opens nothing else."""
    from copflow.services.links.signed import Grant

    return Grant(link_id=0, email=email, purpose=purpose, cop_slug=slug, gate=None, stage_visit=stage_visit,
                 expires_at=now)


@dataclass(frozen=True)
class PersonView:
    email: str
    name: str
    department: str | None
    memberships: list[tuple[str, str, str, str | None]]  # (community, role, joined, left: ISO dates)


def person_view(uow: UnitOfWork, email: str) -> PersonView | None:
    """Someone as the people page shows them: who, and the communities they are or were in."""
    from sqlalchemy import select

    from copflow.db.models import Membership, Person

    with uow:
        s = uow.session
        p = s.scalar(select(Person).where(Person.email == email.strip().lower()))
        if p is None:
            return None
        held = s.scalars(select(Membership).where(Membership.person_id == p.id))
        return PersonView(p.email, p.name, p.department,
                          sorted((m.cop.name, m.role, m.joined_on.isoformat(),
                                  m.left_on.isoformat() if m.left_on else None) for m in held))
