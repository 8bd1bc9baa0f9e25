"""The core group's action plan: add, edit, close and reopen actions, with their history; the plan as the
check-in agenda, the sponsor brief and the evaluation read it.

Each write is one transaction with one history row per change (`action_events`); a refusal writes nothing. The
rules (statuses, overdue, the plan's order) are the core's: `lifecycle/action_rules.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Action, ActionEvent, Cop, Person
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.actions.checks import (
    charter_targets,
    check_due,
    check_target,
    check_via,
    clean_notes,
    clean_title,
    clean_who,
    member_owner,
)
from copflow.services.clock import cop_date
from copflow.services.errors import ConcurrentChange, InvalidInput, NotFound, concurrent_guard
from copflow.services.snapshots import get_cop
from lifecycle.action_rules import (
    CLOSED,
    ActionEventKind,
    ActionStatus,
    in_plan_order,
    is_overdue,
    parse_status,
    status_change,
)


@dataclass(frozen=True)
class ActionView:
    id: int
    cop_slug: str
    title: str
    owner_email: str
    owner_name: str
    due_on: date
    status: str  # open, done, dropped
    target: str | None  # one of the charter's annual targets, as the charter spells it
    notes: str | None
    overdue: bool
    closed_at: datetime | None
    version: int


@dataclass(frozen=True)
class ActionEventView:
    at: datetime
    by: str
    kind: str  # created, edited, done, dropped, reopened
    from_status: str | None
    to_status: str
    note: str | None
    changes: dict[str, Any] | None  # an edit's {field: [before, after]}
    via: str  # cli, web, import


def view(a: Action, slug: str, today: date) -> ActionView:
    return ActionView(a.id, slug, a.title, a.owner.email, a.owner.name, a.due_on, a.status, a.target, a.notes,
                      is_overdue(a, today), a.closed_at, a.version)


def insert_action(s: Session, cop: Cop, *, title: str, owner: Person, due_on: date, target: str | None,
                  notes: str | None, who: str, via: str, now: datetime, status: str = ActionStatus.OPEN.value,
                  closed_at: datetime | None = None) -> Action:
    """Add an action of checked values and its history line (the caller commits)."""
    closed = status in CLOSED
    action = Action(cop_id=cop.id, title=title, owner_id=owner.id, owner=owner, due_on=due_on, status=status,
                    target=target, notes=notes, created_at=now, created_by=who,
                    closed_at=(closed_at or now) if closed else None, updated_at=now)
    s.add(action)
    s.flush()
    s.add(ActionEvent(action_id=action.id, at=now, by=who, kind=ActionEventKind.CREATED.value, from_status=None,
                      to_status=status, note=None, changes=None, via=via))
    return action


# --- the service calls --------------------------------------------------------------------------------------

def add_action(uow: UnitOfWork, *, slug: str, title: str, owner: str, due_on: date, who: str, via: str,
               now: datetime, target: str | None = None, notes: str | None = None) -> ActionView:
    """A new open action for a current member, due today or later, optionally towards an annual target."""
    clean, text, by, how = clean_title(title), clean_notes(notes), clean_who(who), check_via(via)
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        today = cop_date(now, cop.timezone)
        person = member_owner(s, cop, owner)
        check_due(due_on, today)
        linked = check_target(cop, target, charter_targets(s, cop))
        action = insert_action(s, cop, title=clean, owner=person, due_on=due_on, target=linked, notes=text,
                               who=by, via=how, now=now)
        uow.commit()
        return view(action, cop.slug, today)


def change_status(uow: UnitOfWork, *, action_id: int, status: str, who: str, via: str, now: datetime,
                  note: str | None = None, slug: str | None = None, owner: str | None = None,
                  version: int | None = None) -> ActionView:
    """Mark an action done or dropped, or reopen it. `slug` and `owner` restrict the change to one CoP's actions
    or to one owner's (a page opened by an owner's link): another action is not found, as if it did not exist, and
    an owner reopens only what they closed themselves.
    `version` (a form's copy of ActionView.version) refuses the change if the action changed since it was read."""
    wanted, text, by, how = parse_status(status), clean_notes(note), clean_who(who), check_via(via)
    with uow:
        s = uow.session
        action, cop = _load(s, action_id, slug=slug, owner=owner, version=version)
        kind = status_change(action.id, action.status, wanted.value)
        if owner is not None and wanted is ActionStatus.OPEN:
            _closed_by_owner(s, action, owner)
        before = action.status
        with concurrent_guard(cop.slug):
            action.status = wanted.value
            action.closed_at = now if wanted in CLOSED else None
            action.updated_at = now
            s.add(ActionEvent(action_id=action.id, at=now, by=by, kind=kind.value, from_status=before,
                              to_status=wanted.value, note=text, changes=None, via=how))
            s.flush()
        uow.commit()
        return view(action, cop.slug, cop_date(now, cop.timezone))


def edit_action(uow: UnitOfWork, *, action_id: int, who: str, via: str, now: datetime, title: str | None = None,
                owner: str | None = None, due_on: date | None = None, target: str | None = None,
                notes: str | None = None, slug: str | None = None, version: int | None = None) -> ActionView:
    """Change an action's title, owner, due date, target or notes (None: unchanged; "" clears target or notes).
    A moved due date follows the same rule as a new one, and its reminders start again for the new date."""
    by, how = clean_who(who), check_via(via)
    with uow:
        s = uow.session
        action, cop = _load(s, action_id, slug=slug, version=version)
        today = cop_date(now, cop.timezone)
        wanted: dict[str, Any] = {}
        if title is not None:
            wanted["title"] = clean_title(title)
        if owner is not None:
            person = member_owner(s, cop, owner)
            wanted["owner"] = person
        if due_on is not None and due_on != action.due_on:
            wanted["due_on"] = check_due(due_on, today)
        if target is not None:
            wanted["target"] = check_target(cop, target, charter_targets(s, cop))
        if notes is not None:
            wanted["notes"] = clean_notes(notes)
        changes = {k: [_text(getattr(action, k)), _text(val)] for k, val in wanted.items()
                   if getattr(action, k) != val}
        if not changes:
            raise InvalidInput("action", f"nothing to change in action {action_id}", value=action_id)
        with concurrent_guard(cop.slug):
            for k, val in wanted.items():
                setattr(action, k, val)
            action.updated_at = now
            s.add(ActionEvent(action_id=action.id, at=now, by=by, kind=ActionEventKind.EDITED.value,
                              from_status=action.status, to_status=action.status, note=None, changes=changes,
                              via=how))
            s.flush()
        uow.commit()
        return view(action, cop.slug, today)


def list_actions(uow: UnitOfWork, *, slug: str, now: datetime, status: str | None = None,
                 owner: str | None = None) -> list[ActionView]:
    """A CoP's actions in the plan's order (overdue first, then by due date), optionally of one status or owner."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        q = _of_cop(cop.id)
        if status is not None:
            q = q.where(Action.status == parse_status(status).value)
        if owner is not None:
            q = q.join(Person, Person.id == Action.owner_id).where(Person.email == v.email(owner, "owner"))
        today = cop_date(now, cop.timezone)
        return [view(a, slug, today) for a in in_plan_order(s.scalars(q), today)]


def action_history(uow: UnitOfWork, *, action_id: int, slug: str | None = None,
                   owner: str | None = None) -> list[ActionEventView]:
    """Every change to one action, oldest first."""
    with uow:
        s = uow.session
        action, _ = _load(s, action_id, slug=slug, owner=owner, for_write=False)
        rows = s.scalars(select(ActionEvent).where(ActionEvent.action_id == action.id).order_by(ActionEvent.id))
        return [ActionEventView(e.at, e.by, e.kind, e.from_status, e.to_status, e.note, e.changes, e.via)
                for e in rows]


# --- reads inside another service's session (agenda, sponsor brief, evaluation, archive) -------------------

def plan_of(s: Session, cop_id: int, *, today: date) -> list[ActionView]:
    """The open actions, overdue first, then by due date."""
    slug = _slug(s, cop_id)
    q = _of_cop(cop_id).where(Action.status == ActionStatus.OPEN.value)
    return [view(a, slug, today) for a in in_plan_order(s.scalars(q), today)]


def changes_between(s: Session, cop_id: int, start: datetime, end: datetime) -> list[ActionView]:
    """Actions done or dropped in [start, end) and still so (one reopened since is open again), by when."""
    slug = _slug(s, cop_id)
    q = (_of_cop(cop_id).where(Action.status.in_([c.value for c in CLOSED]), Action.closed_at >= start,
                               Action.closed_at < end).order_by(Action.closed_at, Action.id))
    return [view(a, slug, end.date()) for a in s.scalars(q)]


def actions_of(s: Session, cop_id: int, *, today: date) -> list[ActionView]:
    """Every action of a CoP, whatever its status, in the plan's order (for the evaluation and the archive)."""
    slug = _slug(s, cop_id)
    return [view(a, slug, today) for a in in_plan_order(s.scalars(_of_cop(cop_id)), today)]


# --- helpers ------------------------------------------------------------------------------------------------

def _of_cop(cop_id: int) -> Any:
    return select(Action).where(Action.cop_id == cop_id).order_by(Action.due_on, Action.id)


def _slug(s: Session, cop_id: int) -> str:
    slug = s.scalar(select(Cop.slug).where(Cop.id == cop_id))
    if slug is None:
        raise NotFound("CoP", str(cop_id))
    return slug


def _closed_by_owner(s: Session, action: Action, owner: str) -> None:
    """An owner reopens only what they closed themselves: an action a lead dropped stays the leads' to reopen."""
    closed_by = s.scalar(select(ActionEvent.by).where(ActionEvent.action_id == action.id,
                                                      ActionEvent.to_status == action.status)
                         .order_by(ActionEvent.id.desc()).limit(1))
    if closed_by is not None and closed_by.strip().lower() != owner.strip().lower():
        raise InvalidInput("status", f"{action.title!r} was {action.status} by {closed_by}: only they or the "
                                     "community's leads can reopen it", value=action.status)


def _load(s: Session, action_id: int, *, slug: str | None, owner: str | None = None, for_write: bool = True,
          version: int | None = None) -> tuple[Action, Cop]:
    action = s.get(Action, action_id) if v.is_id(action_id) else None
    cop = s.get(Cop, action.cop_id) if action is not None else None
    if action is None or cop is None or (slug is not None and cop.slug != slug) or \
            (owner is not None and action.owner.email != owner.strip().lower()):
        raise NotFound("action", str(action_id))
    if version is not None and version != action.version:
        raise ConcurrentChange(cop.slug)
    return action, get_cop(s, cop.slug, for_write=for_write)


def _text(value: Any) -> str | None:
    if isinstance(value, Person):
        return value.email
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else str(value)
