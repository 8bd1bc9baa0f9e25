"""Evolving a CoP after a review: split into sub-communities, or merge into another CoP.

(Renewing is `decide_review(decision="evolve", kind="renew")`: back to planning for a new charter version.)
Each is one transaction and leaves its marks in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries, Membership, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.decided_report import decide_on_report
from copflow.services.errors import AlreadyExists, CopClosed, InvalidInput
from copflow.services.gates import AdvanceResult, add_evidence, apply_decision, concurrent_guard
from copflow.services.snapshots import get_cop, refresh_due, snapshot
from copflow.services.workdays import working_days_of
from lifecycle import Gate, Policy, Stage, decide
from lifecycle.working_days import next_working_day


@dataclass(frozen=True)
class Child:
    slug: str
    name: str
    members: tuple[str, ...]  # emails of the parent's members who go to this sub-community


def split(uow: UnitOfWork, *, slug: str, children: list[Child], decided_by: str, reason: str, now: datetime,
          policy: Policy, via: str = "") -> AdvanceResult:
    """The parent renews (back to planning) and each child starts forming with its chosen members. `via`
    ("web") is added to who decided in the audit trail."""
    if not children:
        raise InvalidInput("children", "a split needs at least one sub-community")
    who = v.email(decided_by, "decided by")
    by = f"{who} (via {via})" if via else who
    today = local_date(now, policy)
    with concurrent_guard(slug), uow:
        s = uow.session
        parent = _under_review(s, slug)
        current = {m.person.email: m for m in parent.memberships if m.left_on is None}
        for child in children:
            missing = [e for e in child.members if v.email(e) not in current]
            if missing:
                raise InvalidInput("members", f"{', '.join(missing)} not a member of {slug}")
            cs = v.slug(child.slug)
            if s.scalar(select(Cop.id).where(Cop.slug == cs)) is not None:
                raise AlreadyExists("CoP", cs)
            cop = Cop(slug=cs, name=v.clean_name("name", child.name), timezone=parent.timezone,
                      domain=parent.domain, stage=Stage.FORMING.value, stage_entered_on=today, stage_visit=1,
                      created_at=now, parent_id=parent.id)
            s.add(cop)
            s.flush()
            for email in dict.fromkeys(v.email(e) for e in child.members):
                for m in parent.memberships:
                    if m.person.email == email and m.left_on is None:
                        cop.memberships.append(Membership(person_id=m.person_id, role=m.role, joined_on=today))
            s.add(TransitionRecord(cop_id=cop.id, from_stage="", to_stage=Stage.FORMING.value,
                                   trigger=f"split-from:{parent.slug}", from_visit=0, at=now, by=by, reason=reason))
            s.flush()
            refresh_due(s, cop, today, policy)
        decide_on_report(s, parent, decision="evolve (split)", decided_by=who, reason=reason, at=now)
        add_evidence(s, parent, Gate.EVOLVE_DECIDED, {"kind": "split", "decided_by": who, "reason": reason},
                     who=by, now=now, today=today)
        snap = snapshot(s, parent)
        result = apply_decision(s, parent, snap, decide(snap, today, policy, target=Stage.PLANNING), who=by,
                                now=now, today=today, policy=policy,
                                reason=f"{reason} (split into {', '.join(c.slug for c in children)})")
        uow.commit()
        return result


def merge(uow: UnitOfWork, *, slug: str, into: str, decided_by: str, reason: str, now: datetime,
          policy: Policy, via: str = "") -> AdvanceResult:
    """Members and live meeting series move to `into`; this CoP closes (after the notice period) pointing there."""
    who = v.email(decided_by, "decided by")
    by = f"{who} (via {via})" if via else who
    today = local_date(now, policy)
    with concurrent_guard(slug), uow:
        s = uow.session
        source = _under_review(s, slug)
        target = get_cop(s, into)
        if target.stage == Stage.CLOSED.value:
            raise CopClosed(into)
        if target.id == source.id:
            raise InvalidInput("into", "a CoP cannot merge into itself")
        # Series first, so the close below has nothing of theirs to cancel: calendars keep the same UIDs.
        for series in s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == source.id,
                                                            MeetingSeries.status == "scheduled")):
            series.cop_id = target.id
        have = {(m.person_id, m.role) for m in target.memberships if m.left_on is None}
        for m in source.memberships:
            if m.left_on is None and (m.person_id, m.role) not in have:
                target.memberships.append(Membership(person_id=m.person_id, role=m.role, joined_on=today))
        s.flush()
        # The target's roster now decides who attends its live meetings, its own and those moved in.
        from copflow.services.people.roster import sync_invitations

        s.refresh(target)
        sync_invitations(s, target, now=now, policy=policy)
        source.merged_into_id = target.id
        closing = next_working_day(today + timedelta(weeks=policy.notice_period_weeks),
                                   working_days_of(source, policy).is_working)
        decision = {"decided_by": who, "reason": f"merged into {target.name}: {reason}",
                    "closing_date": closing.isoformat()}
        decide_on_report(s, source, decision=f"evolve (merge into {target.name})", decided_by=who, reason=reason,
                         at=now)
        add_evidence(s, source, Gate.CLOSE_DECIDED, decision, who=by, now=now, today=today)
        snap = snapshot(s, source)
        result = apply_decision(s, source, snap, decide(snap, today, policy, target=Stage.CLOSING), who=by,
                                now=now, today=today, policy=policy, reason=f"merged into {target.slug}: {reason}")
        # The target's audit trail records the merge too; a negative visit number keeps it apart from the
        # target's own stage transitions (unique per CoP and visit).
        s.add(TransitionRecord(cop_id=target.id, from_stage=target.stage, to_stage=target.stage,
                               trigger=f"merged-from:{source.slug}", from_visit=-source.id, at=now, by=by,
                               reason=reason))
        uow.commit()
        return result


def _under_review(s: Session, slug: str) -> Cop:
    cop = get_cop(s, slug, for_write=True)
    if cop.stage != Stage.REVIEWING.value:
        raise InvalidInput("stage", f"{slug} is in stage {cop.stage}: it can split or merge only after a review")
    return cop
