"""Evolving a CoP after a review: split into sub-communities, or merge into another CoP.

(Renewing is `decide_review(decision="evolve", kind="renew")`: back to planning for a new charter version.)
Each is one change through the transition path: the decision's evidence names the children or the CoP merged
into, and the core's table creates the children, or moves the members and meeting series (lifecycle/effects.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.errors import CopClosed, InvalidInput
from copflow.services.reviews.decide import under_review
from copflow.services.snapshots import get_cop
from copflow.services.transitions import AdvanceResult, Change, changing
from copflow.services.workdays import working_days_of
from lifecycle import Gate, Policy, Stage
from lifecycle.working_days import earliest_closing_on

ONLY_AFTER_A_REVIEW = ": it can split or merge only after a review"


@dataclass(frozen=True)
class Child:
    slug: str
    name: str
    members: tuple[str, ...]  # emails of the parent's members who go to this sub-community


def split(uow: UnitOfWork, *, slug: str, children: list[Child], decided_by: str, reason: str, now: datetime,
          policy: Policy, via: str = "", od_manager: str | None = None) -> AdvanceResult:
    """The parent renews (back to planning) and each child starts forming with its chosen members. `via`
    ("web") is added to who decided in the audit trail."""
    if not children:
        raise InvalidInput("children", "a split needs at least one sub-community")
    who = v.email(decided_by, "decided by")
    reason = v.substantial_reason(reason, what="a split")
    named = [{"slug": v.slug(c.slug), "name": v.clean_name("name", c.name),
              "members": list(dict.fromkeys(v.email(e) for e in c.members))} for c in children]
    slugs = [v.slug(c.slug) for c in children]
    evidence = {"kind": "split", "decided_by": who, "reason": reason, "children": named}

    with changing(uow, slug, now=now, policy=policy, od_manager=od_manager) as m:
        under_review(m.cop, why=ONLY_AFTER_A_REVIEW)
        return m.move(Change(slug, f"{who} (via {via})" if via else who, gate=Gate.EVOLVE_DECIDED, evidence=evidence,
                             to=Stage.PLANNING, reason=f"{reason} (split into {', '.join(slugs)})"))


def merge(uow: UnitOfWork, *, slug: str, into: str, decided_by: str, reason: str, now: datetime,
          policy: Policy, via: str = "", od_manager: str | None = None) -> AdvanceResult:
    """Members and live meeting series move to `into`; this CoP closes (after the notice period) pointing there."""
    who = v.email(decided_by, "decided by")
    reason = v.substantial_reason(reason, what="a merge")

    with changing(uow, slug, now=now, policy=policy, od_manager=od_manager) as m:
        under_review(m.cop, why=ONLY_AFTER_A_REVIEW)
        target = get_cop(m.s, into)
        if target.stage == Stage.CLOSED.value:
            raise CopClosed(into, name=target.name)
        if target.id == m.cop.id:
            raise InvalidInput("into", "a CoP cannot merge into itself", cop=slug, value=into)
        closing = earliest_closing_on(local_date(now, policy), policy, working_days_of(m.cop, policy).is_working)
        evidence = {"decided_by": who, "reason": reason, "closing_date": closing.isoformat(), "into": target.slug}
        return m.move(Change(slug, f"{who} (via {via})" if via else who, gate=Gate.CLOSE_DECIDED, evidence=evidence,
                             to=Stage.CLOSING, reason=f"merged into {target.slug}: {reason}"))
