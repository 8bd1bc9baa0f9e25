"""The action plan on the web: what the leads' CoP page shows of it, an owner's own page (/a/<token>), and the
writes both make. No rule lives here: every write is services/actions/plan.py's (`add_action`, `change_status`),
with `via="web"` and the link's holder as who did it; its refusals name the field they belong to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from copflow.db.uow import UnitOfWork
from copflow.services.actions import plan as service
from copflow.services.actions.checks import charter_targets
from copflow.services.clock import cop_date
from copflow.services.errors import ConcurrentChange, CopflowError, InvalidInput, NotFound, in_a_sentence
from copflow.services.links.signed import Grant, LinkNotFound, find_with_cop
from copflow.services.snapshots import get_cop
from lifecycle import LifecycleError
from notifications.vocabulary import date_from_words, long_date

ADD_FIELDS = ("title", "owner", "due", "target", "notes")
STATUS_WORDS = {"done": "done", "dropped": "dropped", "open": "reopened"}


@dataclass(frozen=True)
class Plan:
    """The CoP page's action plan: open actions (overdue first, then by owner), closed ones, and the choices the
    add form offers (the roster, the charter's annual targets)."""

    open: list[service.ActionView]
    closed: list[service.ActionView]
    members: list[tuple[str, str]]  # (email, name)
    targets: tuple[str, ...]
    today: date


@dataclass(frozen=True)
class OwnerPage:
    cop_name: str
    owner_name: str
    open: list[service.ActionView]
    closed: list[service.ActionView]
    today: date


class ActionFormRefused(CopflowError):
    """A refused action form: each problem by its field (or the action's row, `action-<id>`)."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems.values()), field=next(iter(problems)))


def owner_holder(uow: UnitOfWork, token: str, *, now: datetime) -> Grant:
    """A valid "actions" link whose holder is still a member of its CoP (an owner who left has no page)."""
    with uow:
        grant, cop = find_with_cop(uow.session, token, now=now, purpose="actions")
        if not any(m.left_on is None and m.person.email == grant.email for m in cop.memberships):
            raise LinkNotFound()
        return grant


def plan(uow: UnitOfWork, slug: str, *, now: datetime) -> Plan:
    everything = service.list_actions(uow, slug=slug, now=now)
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        members = sorted({(m.person.email, m.person.name) for m in cop.memberships if m.left_on is None},
                         key=lambda p: p[1])
        targets = charter_targets(s, cop)
        today = cop_date(now, cop.timezone)
    opened = sorted((a for a in everything if a.status == "open"),
                    key=lambda a: (not a.overdue, a.owner_name, a.due_on, a.id))
    closed = sorted((a for a in everything if a.status != "open"), key=lambda a: a.closed_at or now, reverse=True)
    return Plan(opened, closed, members, targets, today)


def owner_page(uow: UnitOfWork, grant: Grant, *, now: datetime) -> OwnerPage:
    assert grant.cop_slug is not None
    mine = service.list_actions(uow, slug=grant.cop_slug, now=now, owner=grant.email)
    with uow:
        cop = get_cop(uow.session, grant.cop_slug)
        name = next((m.person.name for m in cop.memberships if m.person.email == grant.email), grant.email)
        today = cop_date(now, cop.timezone)
    return OwnerPage(cop.name, name, [a for a in mine if a.status == "open"],
                     [a for a in mine if a.status != "open"], today)


def add_from_form(uow_factory: Callable[[], UnitOfWork], grant: Grant, form: dict[str, str], *,
                  now: datetime) -> service.ActionView:
    """A lead adds an action from the CoP page: every missing field at once, then the service's own checks."""
    problems = {f: "Give " + words for f, words in (("title", "a title: what is to be done."),
                                                   ("owner", "the owner: one of the roster."),
                                                   ("due", "the due date."))
                if not form.get(f, "").strip()}
    due: date | None = None
    if form.get("due", "").strip():
        try:
            due = date.fromisoformat(date_from_words(form["due"].strip()))
        except ValueError:
            problems["due"] = "Give the due date as a day of the calendar, for example 4 December 2026."
    if problems or due is None:
        raise ActionFormRefused(problems or {"due": "Give the due date."})
    assert grant.cop_slug is not None
    try:
        return service.add_action(uow_factory(), slug=grant.cop_slug, title=form["title"], owner=form["owner"],
                                  due_on=due, who=grant.email, via="web", now=now,
                                  target=form.get("target") or None, notes=form.get("notes") or None)
    except (InvalidInput, LifecycleError) as exc:
        raise ActionFormRefused({_field(exc, ADD_FIELDS): _sentence(exc)}) from exc


def change_from_form(uow_factory: Callable[[], UnitOfWork], grant: Grant, action_id: int, form: dict[str, str], *,
                     now: datetime, own_only: bool) -> service.ActionView:
    """Mark done, drop or reopen with a note, as a lead (any action of the CoP) or as the owner (their own only:
    another action is not found, as if it did not exist). A form read before someone else's change is refused."""
    row = f"action-{action_id}"
    try:
        version = form_version(form, row)
    except ActionFormRefused:
        version = -1  # matches no action: another's is still not found first, as if it did not exist
    try:
        return service.change_status(uow_factory(), action_id=action_id, status=form.get("status", ""),
                                     who=grant.email, via="web", now=now, note=form.get("note") or None,
                                     slug=grant.cop_slug, owner=grant.email if own_only else None, version=version)
    except NotFound:
        raise
    except ConcurrentChange as exc:
        raise ActionFormRefused({row: NO_VERSION if version < 0 else CHANGED_MEANWHILE}) from exc
    except (InvalidInput, LifecycleError) as exc:
        raise ActionFormRefused({row: _sentence(exc)}) from exc


def move_from_form(uow_factory: Callable[[], UnitOfWork], grant: Grant, action_id: int, form: dict[str, str], *,
                   now: datetime) -> service.ActionView:
    """The owner says an action will not be done by its date: a new due date and why, the note kept with the
    action (the leads read it on the plan) and the move in its history, under the same rule as a new date."""
    row = f"action-{action_id}"
    mine = {a.id: a for a in owner_page(uow_factory(), grant, now=now).open}
    if action_id not in mine:
        raise NotFound("action", str(action_id))  # not theirs, or not open: as if it did not exist
    note = form.get("note", "").strip()
    try:
        due = date.fromisoformat(date_from_words(form.get("due", "").strip()))
    except ValueError:
        due = None
    if due is None or not note:
        raise ActionFormRefused({row: "Give the new due date and a note saying why: your leads read it on the plan."
                                 if due is None and not note else "Give the new due date." if due is None else
                                 "Say why it moves: your leads read your note on the plan."})
    before = mine[action_id]
    told = f"{note} (moved from {long_date(before.due_on)} by {before.owner_name})"
    version = form_version(form, row)
    try:
        return service.edit_action(uow_factory(), action_id=action_id, who=grant.email, via="web", now=now,
                                   due_on=due, notes="\n".join(filter(None, (before.notes, told))),
                                   slug=grant.cop_slug, version=version)
    except ConcurrentChange as exc:
        raise ActionFormRefused({row: CHANGED_MEANWHILE}) from exc
    except (InvalidInput, LifecycleError) as exc:
        raise ActionFormRefused({row: _sentence(exc)}) from exc


CHANGED_MEANWHILE = "Someone changed this action meanwhile: here it is as it is now. Nothing was written; try again."
NO_VERSION = "This form does not say which version of the action it changes: reload the page and try again."
MAX_ID = 2**31 - 1  # the largest id a row can have (PostgreSQL's integer): past it, not found (never an overflow)


def form_version(form: dict[str, str], row: str) -> int:
    """The version of the action the form was read at: required, and a whole number, or the lost-update check
    could be skipped (a form without it would overwrite a change made meanwhile)."""
    text = form.get("version", "").strip()
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 18):
        raise ActionFormRefused({row: NO_VERSION})
    return int(text)


def _field(exc: CopflowError, fields: tuple[str, ...]) -> str:
    return exc.field if exc.field in fields else fields[0]


# What each of the form's fields is called in a sentence ("The title is longer than 200 characters.").
NOUNS = {"title": "the title", "owner": "the owner", "due": "the due date", "target": "the target",
         "notes": "the notes", "note": "the note", "status": "the status"}


def _sentence(exc: CopflowError) -> str:
    return in_a_sentence(exc, NOUNS)
