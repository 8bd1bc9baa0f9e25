"""What every importer shares: the result it reports, and looking up CoPs and people once per file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, Person
from copflow.services.errors import InvalidInput
from copflow.services.imports.reader import ImportRejected, Row, Table
from lifecycle import LifecycleError, Stage

T = TypeVar("T")


@dataclass
class ImportResult:
    kind: str
    path: str
    rows: int
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    skipped: int = 0  # rows already recorded, passed over with skip_existing

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def summary(self) -> str:
        done = ", ".join(counted(n, what) for what, n in self.counts.items() if n) or "nothing new"
        verb = "would write" if self.dry_run else "wrote"
        skipped = f"; {self.skipped} already recorded, skipped" if self.skipped else ""
        return f"{self.path}: {counted(self.rows, 'rows')} good; {verb} {done}{skipped}"


# The one-of each count's first word: "1 action added", "1 person updated" (not "1 actions added").
_ONE = {"rows": "row", "actions": "action", "responses": "response", "answers": "answer", "people": "person",
        "memberships": "membership", "meetings": "meeting", "activities": "activity", "events": "event",
        "attendances": "attendance", "newcomers": "newcomer"}


def counted(n: int, what: str) -> str:
    """`n` and what was counted, its first word singular when n is 1."""
    first, _, rest = what.partition(" ")
    return f"{n} {_ONE.get(first, first) if n == 1 else first}{' ' + rest if rest else ''}"


def checked(row: Row, column: str, fn: Callable[..., T], *args: Any) -> T | None:
    """Run one validation; its error becomes the row's problem in `column` instead of stopping the file."""
    try:
        return fn(*args)
    except (InvalidInput, LifecycleError) as exc:
        row.problem(column, getattr(exc, "problem", None) or str(exc))
        return None


def valid(row: Row, column: str, fn: Callable[..., T], *args: Any) -> T | None:
    """A required cell, checked by `fn(*args, text)`; an empty or refused cell is reported once."""
    text = row.text(column, required=True)
    return checked(row, column, fn, *args, text) if text is not None else None


class Lookup:
    """CoPs and people by key, loaded lazily and once: a 100,000-row file makes two queries, not 100,000."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self._cops: dict[str, Cop] | None = None
        self._people: dict[str, int] | None = None

    def cop(self, row: Row, column: str, slug: str | None) -> Cop | None:
        if slug is None:
            return None
        if self._cops is None:
            self._cops = {c.slug: c for c in self.s.scalars(select(Cop))}
        cop = self._cops.get(slug)
        if cop is None:
            row.problem(column, f"no CoP {slug!r}")
        elif cop.stage == Stage.CLOSED.value:
            row.problem(column, f"{slug} is closed: its record is read-only")
            return None
        return cop

    def people(self) -> dict[str, int]:
        if self._people is None:
            self._people = dict(self.s.execute(select(Person.email, Person.id)).all())
        return self._people


def finish(table: Table, problems_of: list[Row], commit: Callable[[], None], dry_run: bool) -> None:
    problems = [p for r in problems_of for p in r.problems]
    if problems:
        raise ImportRejected(table.path, sorted(problems, key=lambda p: (p.row, p.column)))
    if not dry_run:
        commit()
