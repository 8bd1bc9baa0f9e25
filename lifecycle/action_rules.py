"""The core group's action plan, as rules: statuses, the changes allowed between them, what is overdue, the plan's
order, and which owner reminder is owed on a day. Standard library only; every function is given `today`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import Protocol, TypeVar

from lifecycle.errors import LifecycleError, UnknownName


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class ActionEventKind(StrEnum):
    """What a line of an action's history records."""

    CREATED = "created"
    EDITED = "edited"
    DONE = "done"
    DROPPED = "dropped"
    REOPENED = "reopened"


# Where an action may go from each status, and what the history calls the change.
STATUS_CHANGES: dict[tuple[ActionStatus, ActionStatus], ActionEventKind] = {
    (ActionStatus.OPEN, ActionStatus.DONE): ActionEventKind.DONE,
    (ActionStatus.OPEN, ActionStatus.DROPPED): ActionEventKind.DROPPED,
    (ActionStatus.DONE, ActionStatus.OPEN): ActionEventKind.REOPENED,
    (ActionStatus.DROPPED, ActionStatus.OPEN): ActionEventKind.REOPENED,
}
CLOSED = frozenset({ActionStatus.DONE, ActionStatus.DROPPED})
# How an action was changed: on the command line, on a web page, or by an importer.
VIA = ("cli", "web", "import")


class ActionRefused(LifecycleError):
    """A status change the plan does not allow (e.g. done → dropped: reopen it first)."""

    def __init__(self, action_id: int, current: str, wanted: str) -> None:
        self.action_id, self.current, self.wanted = action_id, current, wanted
        hint = " (reopen it first)" if current != ActionStatus.OPEN.value and wanted != ActionStatus.OPEN.value else ""
        super().__init__(f"action {action_id} is {current}: it cannot be marked {wanted}{hint}", field="status",
                         value=wanted)


def parse_status(text: str) -> ActionStatus:
    try:
        return ActionStatus(text.strip().lower())
    except ValueError:
        raise UnknownName("action status", text, tuple(s.value for s in ActionStatus)) from None


def status_change(action_id: int, current: str, wanted: str) -> ActionEventKind:
    """The history kind of moving an action from `current` to `wanted`; ActionRefused if not allowed."""
    kind = STATUS_CHANGES.get((ActionStatus(current), ActionStatus(wanted)))
    if kind is None:
        raise ActionRefused(action_id, current, wanted)
    return kind


class Planned(Protocol):
    """What the rules read of an action (the service's view and the model both have it)."""

    @property
    def status(self) -> str: ...

    @property
    def due_on(self) -> date: ...

    @property
    def title(self) -> str: ...


P = TypeVar("P", bound=Planned)


def is_overdue(action: Planned, today: date) -> bool:
    """Open and past its due date (due today is not yet overdue)."""
    return action.status == ActionStatus.OPEN.value and action.due_on < today


def in_plan_order(actions: Iterable[P], today: date) -> list[P]:
    """Overdue first, then by due date (then title, so the order is stable)."""
    return sorted(actions, key=lambda a: (not is_overdue(a, today), a.due_on, a.title.casefold()))


def reminder_owed(status: str, due_on: date, today: date, offsets: Sequence[int]) -> int | None:
    """The reminder offset owed today for an action, or None. Like the gate reminders, the latest offset reached:
    a missed sweep catches up with one message, and the same day always owes the same offset. Nothing is owed
    for a closed action or once the due day has passed (an overdue action goes on the next agenda instead)."""
    if status != ActionStatus.OPEN.value:
        return None
    days_until = (due_on - today).days
    if days_until < 0:
        return None
    reached = [o for o in offsets if o >= days_until]
    return min(reached) if reached else None


def match_target(text: str, targets: Sequence[str]) -> str | None:
    """The charter's own spelling of the annual target `text` names (case and spacing ignored), or None."""
    wanted = _norm(text)
    return next((t for t in targets if _norm(t) == wanted), None)


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()
