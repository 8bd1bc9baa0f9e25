"""The action plan in a review: actions completed, dropped and overdue in the period, in all and per annual
target of the charter where actions are linked to one. Pure: the evaluation service gathers the records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

OPEN, DONE, DROPPED = "open", "done", "dropped"


@dataclass(frozen=True)
class ActionRecord:
    title: str
    owner: str
    due_on: date
    status: str  # open, done, dropped
    closed_on: date | None = None  # where the CoP is
    target: str | None = None  # the charter's annual target it works towards, as the charter spells it


@dataclass(frozen=True)
class ActionTally:
    """Actions done and dropped in the period; open at its end, and of those overdue (past their due date)."""

    label: str  # "all actions", or an annual target's text
    done: int = 0
    dropped: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.done + self.dropped + self.open


@dataclass(frozen=True)
class ActionSummary:
    all: ActionTally = field(default_factory=lambda: ActionTally("all actions"))
    per_target: tuple[ActionTally, ...] = ()
    overdue: tuple[ActionRecord, ...] = ()  # open at the period's end and past their due date, earliest first


def summarise_actions(actions: Sequence[ActionRecord], start: date, end: date,
                      targets: Sequence[str] = ()) -> ActionSummary:
    """Count the plan for [start, end]: an action closed before the period is not in it; one still open counts
    as open (overdue when its due date is before `end`). Per target in the charter's order, then any other
    target an action names."""
    counted = [a for a in actions if a.status == OPEN or (a.closed_on is not None and start <= a.closed_on <= end)]
    linked = list(dict.fromkeys([*targets, *(a.target for a in counted if a.target)]))
    per_target = tuple(t for t in (_tally(label, [a for a in counted if a.target == label], end) for label in linked)
                       if t.total)
    overdue = tuple(sorted((a for a in counted if a.status == OPEN and a.due_on < end), key=lambda a: a.due_on))
    return ActionSummary(_tally("all actions", counted, end), per_target, overdue)


def _tally(label: str, actions: Sequence[ActionRecord], end: date) -> ActionTally:
    return ActionTally(label, done=sum(a.status == DONE for a in actions),
                       dropped=sum(a.status == DROPPED for a in actions),
                       open=sum(a.status == OPEN for a in actions),
                       overdue=sum(a.status == OPEN and a.due_on < end for a in actions))


def action_findings(summary: ActionSummary) -> tuple[list[str], list[str]]:
    """What the plan adds to the recommendation's strengths and weaknesses (it never changes the decision)."""
    a = summary.all
    strengths = [f"{a.done} of {a.total} actions in the plan done in the period"] if a.done else []
    weaknesses = [f"{a.overdue} action{'s' if a.overdue != 1 else ''} of the plan overdue"] if a.overdue else []
    return strengths, weaknesses


def history_line(events: Sequence[tuple[str, date]]) -> str:
    """An action's history in one line, from its (kind, local date) events oldest first: "created 2026-01-05;
    edited 2 times; done 2026-03-02" (ISO dates, as the archive and the lessons-learned draft write dates)."""
    parts: list[str] = []
    edits = sum(1 for kind, _ in events if kind == "edited")
    for kind, on in events:
        if kind != "edited":
            parts.append(f"{kind} {on.isoformat()}")
    if edits:
        parts.insert(1 if parts else 0, "edited once" if edits == 1 else f"edited {edits} times")
    return "; ".join(parts)
