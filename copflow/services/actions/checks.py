"""Checks on an action's fields, shared by the plan's writes (plan.py) and the importer
(services/imports/action_rows.py): each returns the clean value or raises InvalidInput naming the field."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from copflow.db.models import Cop, Person
from copflow.services import validation as v
from copflow.services.errors import THE_COP, InvalidInput
from copflow.services.snapshots import current_charter
from lifecycle.action_rules import VIA, match_target

NOTES_MAX = 4000
# A due date further ahead than this is taken for a typing mistake (2206 for 2026).
DUE_YEARS_AHEAD = 5


def clean_title(title: str) -> str:
    return v.clean_text("title", title)


def clean_notes(notes: str | None) -> str | None:
    text = (notes or "").strip()
    if len(text) > NOTES_MAX:
        raise InvalidInput("notes", f"are longer than {NOTES_MAX} characters", limit=NOTES_MAX)
    return text or None


def check_via(via: str) -> str:
    if via not in VIA:
        raise InvalidInput("via", f"must be one of {', '.join(VIA)}, not {via!r}", value=via)
    return via


def check_due(due_on: date, today: date) -> date:
    """A new or moved due date: not in the past where the CoP is, and not absurdly far ahead."""
    if due_on < today:
        raise InvalidInput("due", f"{due_on} is in the past (today is {today})", value=due_on, limit=today)
    latest = today.replace(year=today.year + DUE_YEARS_AHEAD) if (today.month, today.day) != (2, 29) \
        else today + timedelta(days=365 * DUE_YEARS_AHEAD)
    if due_on > latest:
        raise InvalidInput("due", f"{due_on} is more than {DUE_YEARS_AHEAD} years ahead", value=due_on, limit=latest)
    return due_on


def member_owner(s: Session, cop: Cop, email: str) -> Person:
    """The owner: a current member of the CoP (any role)."""
    addr = v.email(email, "owner")
    for m in cop.memberships:
        if m.left_on is None and m.person.email == addr:
            return m.person
    raise InvalidInput("owner", f"{addr} is not a current member of {THE_COP}", cop=cop.slug, cop_name=cop.name,
                       value=addr)


def charter_targets(s: Session, cop: Cop) -> tuple[str, ...]:
    charter = current_charter(s, cop.id)
    return tuple(str(t) for t in charter.annual_targets) if charter else ()


def check_target(cop: Cop, text: str | None, targets: tuple[str, ...]) -> str | None:
    """The charter's spelling of the annual target named, None for none; refused if the charter has no such."""
    if text is None or not text.strip():
        return None
    found = match_target(text, targets)
    if found is None:
        known = "; ".join(targets) if targets else f"{THE_COP} has no charter targets yet"
        raise InvalidInput("target", f"{text.strip()!r} is not one of {THE_COP}'s annual targets ({known})",
                           cop=cop.slug, cop_name=cop.name, value=text.strip())
    return found


def clean_who(who: str) -> str:
    return v.clean_text("by", who, max_len=320)
