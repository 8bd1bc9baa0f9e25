"""Reminding action owners (the daily sweep): before an action's due date and on the day, by the policy's
`action_reminder_days`, to the owner only, with a signed link to their own actions in that CoP.

An overdue action is never escalated (no sponsor or OD-manager mail): it goes on the core group's next check-in
agenda. Each reminder's key names the action, its due date, the offset and the owner, so a re-run sends nothing
twice, a moved due date (or a new owner) is reminded again, and a missed sweep catches up with one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Action, Cop
from copflow.db.uow import UnitOfWork
from copflow.services.clock import cop_date, local_date
from copflow.services.links.signed import mail_link
from copflow.services.mail.outbox import Recipient, already_queued, cop_context, enqueue, people_context, recipients
from copflow.services.pseudonyms import is_erased
from lifecycle import Audience, Policy, Stage
from lifecycle.action_rules import ActionStatus, in_plan_order, is_overdue, reminder_owed

KIND = "action_reminder"
OTHERS_SHOWN = 5  # the owner's other open actions named in a reminder


@dataclass(frozen=True)
class ActionReminders:
    """What one run queued: reminders (one per owner and action) and the actions they were about."""

    queued: int
    looked_at: int


def remind_owners(uow: UnitOfWork, *, now: datetime, policy: Policy, web_url: str | None = None) -> ActionReminders:
    """Queue every owner reminder owed today, in one transaction (read through the index on status, due date)."""
    if not policy.action_reminder_days:
        return ActionReminders(0, 0)
    org_today = local_date(now, policy)
    # A day's margin each side: "today" is each CoP's own date, which may differ from the organisation's.
    first, last = org_today - timedelta(days=1), org_today + timedelta(days=max(policy.action_reminder_days) + 1)
    with uow:
        s = uow.session
        rows = s.execute(select(Action, Cop).join(Cop, Cop.id == Action.cop_id)
                         .where(Action.status == ActionStatus.OPEN.value, Action.due_on >= first,
                                Action.due_on <= last, Cop.stage != Stage.CLOSED.value)
                         .order_by(Action.due_on, Action.id)).all()
        queued = sum(_remind(s, action, cop, now=now, policy=policy, web_url=web_url) for action, cop in rows)
        uow.commit()
        return ActionReminders(queued, len(rows))


def _remind(s: Session, action: Action, cop: Cop, *, now: datetime, policy: Policy, web_url: str | None) -> bool:
    today = cop_date(now, cop.timezone)
    offset = reminder_owed(action.status, action.due_on, today, policy.action_reminder_days)
    owner = action.owner
    role = _role(cop, owner.id)
    if offset is None or role is None or is_erased(owner.email):
        return False  # nothing owed, or the owner has left the CoP: the action waits for the next agenda
    rung = f"before-{offset}" if offset else "due"
    key = f"{cop.slug}/action/{action.id}/{action.due_on.isoformat()}/{rung}/{owner.email}"
    if already_queued(s, key):
        return False  # no second link for a message that will not be sent again
    url = mail_link(s, email=owner.email, cop=cop, purpose="actions", now=now, policy=policy, web_url=web_url)
    return enqueue(s, key=key, cop_id=cop.id, kind=KIND, to=Recipient(owner.email, owner.name, role),
                   context=reminder_context(s, action, cop, today=today, url=url), now=now)


def reminder_context(s: Session, action: Action, cop: Cop, *, today: Any, url: str) -> dict[str, Any]:
    others = in_plan_order(s.scalars(select(Action).where(
        Action.cop_id == cop.id, Action.owner_id == action.owner_id, Action.status == ActionStatus.OPEN.value,
        Action.id != action.id)), today)
    people = people_context(cop)
    # The leads to tell if it slips, the owner left out (a lead is not told to tell themselves).
    people["leads"] = [r.name for r in recipients(cop, Audience.LEADS) if r.email != action.owner.email]
    return {**cop_context(cop), **people, "actions_url": url,
            "action": {"title": action.title, "due_on": action.due_on.isoformat(),
                       "days": (action.due_on - today).days, "target": action.target, "notes": action.notes},
            "others": [{"title": a.title, "due_on": a.due_on.isoformat(), "overdue": is_overdue(a, today)}
                       for a in others[:OTHERS_SHOWN]],
            "more_others": max(0, len(others) - OTHERS_SHOWN)}


def _role(cop: Cop, person_id: int) -> str | None:
    """The owner's role in the CoP (the first by name when they hold several); None once they have left."""
    roles = sorted(m.role for m in cop.memberships if m.person_id == person_id and m.left_on is None)
    return roles[0] if roles else None
