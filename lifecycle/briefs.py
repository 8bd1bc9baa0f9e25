"""What a check-in agenda and a sponsor brief are about, as rules: which meeting is owed one today, what period
it looks back on, and the order the core group reads the plan in. Standard library only; given `now`.

An agenda (or brief) is owed for each held occurrence of a meeting from `days_before` days before its day until
it begins; it looks back to the previous held occurrence. Cancelled occurrences and holidays are left out by
the caller (they are not held), so they get no agenda and are never "the last check-in".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, Protocol, TypeVar


@dataclass(frozen=True)
class Owed:
    """One occurrence owed its agenda or brief today: when it starts (wall-clock, in its zone), and the previous
    held occurrence it looks back to (None for the first of its kind)."""

    at: datetime
    previous: datetime | None


def owed_today(held: Iterable[datetime], now_local: datetime, days_before: int) -> list[Owed]:
    """The held occurrences (wall-clock, one zone) whose agenda is owed at `now_local`: not begun yet, and on
    or after their day minus `days_before`. A sweep that missed a day still sends it, until the meeting starts."""
    ordered = sorted(set(held))
    out = []
    for i, at in enumerate(ordered):
        if at > now_local and at.date() - timedelta(days=days_before) <= now_local.date():
            out.append(Owed(at, ordered[i - 1] if i else None))
    return out


class Owned(Protocol):
    @property
    def owner_email(self) -> str: ...

    @property
    def owner_name(self) -> str: ...

    @property
    def due_on(self) -> date: ...


A = TypeVar("A", bound=Owned)


@dataclass(frozen=True)
class OwnerGroup(Generic[A]):
    email: str
    name: str
    actions: tuple[A, ...]
    overdue: int


def by_owner(open_actions: Sequence[A], today: date) -> list[OwnerGroup[A]]:
    """Open actions grouped by owner, in the order the core group goes through them: owners with overdue actions
    first, then by their next due date; within an owner, by due date (so overdue first)."""
    groups: dict[str, list[A]] = {}
    for a in open_actions:
        groups.setdefault(a.owner_email, []).append(a)
    out = [OwnerGroup(email, items[0].owner_name, tuple(sorted(items, key=lambda a: a.due_on)),
                      sum(1 for a in items if a.due_on < today)) for email, items in groups.items()]
    return sorted(out, key=lambda g: (g.overdue == 0, g.actions[0].due_on, g.name.casefold()))
