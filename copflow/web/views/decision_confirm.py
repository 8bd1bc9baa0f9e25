"""The step before a decision that cannot be taken back lightly (closing, splitting or merging a community, or any
decision against its review's recommendation): the decision rehearsed, exactly as it would be taken, in a
transaction that is rolled back, so the page can name everyone who will be told and every meeting that will be
cancelled. Nothing is recorded until the person confirms; the confirmation carries a digest of the values it was
shown for, so a changed form is shown again before it is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries, Notification
from copflow.db.uow import UnitOfWork
from notifications.vocabulary import date_from_words

if TYPE_CHECKING:
    from sqlalchemy import Engine

FIELDS = ("decision", "reason", "closing_date", "into", "children")
CONFIRMED = "confirmed"
# The form's choices as the evaluation's recommendations name them (renew, split and merge all evolve).
ADVISED_AS = {"pass": "pass", "renew": "evolve", "split": "evolve", "merge": "evolve", "close": "close"}
_VERBS = {"pass": "Pass the review of", "renew": "Renew the charter of", "split": "Split", "merge": "Merge",
          "close": "Close"}
_ASKED_FIRST = frozenset({"close", "split", "merge"})


def asks_first(choice: str, recommendation: str) -> bool:
    """Closing, splitting, merging, and any choice against the recommendation are confirmed before they are sent."""
    return choice in _ASKED_FIRST or (choice in ADVISED_AS and ADVISED_AS[choice] != recommendation)


def digest(form: dict[str, str]) -> str:
    """What the confirmation was shown for: the decision's values, so an edited form is asked about again."""
    text = "\x1f".join(form.get(k, "").strip() for k in FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def is_confirmed(form: dict[str, str]) -> bool:
    return form.get(CONFIRMED, "") == digest(form)


@dataclass(frozen=True)
class Preview:
    """What the decision will do: who is told (name, address), and which meetings are cancelled (title, CoP)."""

    told: list[tuple[str, str]]
    cancelled: list[tuple[str, str]]
    closes_on: date | None  # the closing date it saves (a closing date given on a day off moves to a working day)


class Rehearsed(BaseException):
    """The rehearsal's way out, raised at its commit: past every `except CopflowError` and `except Exception` of the
    services, caught by `rehearse`; the unit of work rolls back on the way out."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        super().__init__("rehearsed")


class Rehearsal(UnitOfWork):
    """A unit of work whose commit reads what the change queued (mail) and cancelled (meeting series), then ends
    the change with Rehearsed: leaving the block rolls everything back, so nothing is written or sent."""

    def __init__(self, inner: UnitOfWork, slug: str) -> None:  # no super().__init__: the inner one holds the session
        self._inner, self._slug = inner, slug
        self._before = 0
        self._scheduled: set[int] = set()

    @property
    def engine(self) -> Engine:
        return self._inner.engine

    @property
    def session(self) -> Session:
        return self._inner.session

    def __enter__(self) -> Rehearsal:
        self._inner.__enter__()
        s = self.session
        self._before = s.scalar(select(func.max(Notification.id))) or 0
        self._scheduled = set(s.scalars(select(MeetingSeries.id).where(MeetingSeries.status == "scheduled")))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        s = self.session
        s.flush()
        told = dict(s.execute(select(Notification.recipient, Notification.recipient_name).where(
            Notification.id > self._before, Notification.channel == "mail")).tuples().all())
        cancelled = s.execute(select(MeetingSeries.summary, Cop.name).join(Cop, Cop.id == MeetingSeries.cop_id)
                              .where(MeetingSeries.id.in_(self._scheduled), MeetingSeries.status == "cancelled")
                              .order_by(Cop.name, MeetingSeries.summary)).tuples().all()
        closes = s.scalar(select(Cop.closing_date).where(Cop.slug == self._slug))
        raise Rehearsed(Preview(sorted(((name or email, email) for email, name in told.items()),
                                       key=lambda p: p[0].lower()), list(cancelled), closes))

    def rollback(self) -> None:
        self._inner.rollback()


def rehearse(take: Callable[[Callable[[], UnitOfWork]], object], uow_factory: Callable[[], UnitOfWork],
             slug: str) -> Preview:
    """Run `take` (the decision, given a unit-of-work factory) as a rehearsal; its refusals pass through."""
    try:
        take(lambda: Rehearsal(uow_factory(), slug))
    except Rehearsed as done:
        return done.preview
    raise AssertionError("the decision finished without committing")  # every decision commits once


def confirmation(form: dict[str, str], recommendation: str, preview: Preview) -> dict[str, object]:
    """What the confirmation shows: the choice, whether it goes against the recommendation, the reason, the closing
    date it saves (and the one typed, if that was moved), who is told and what is cancelled, and the values sent on."""
    choice = form.get("decision", "")
    try:
        typed = date_from_words(form.get("closing_date", "").strip())
    except ValueError:
        typed = ""
    return {"choice": choice, "verb": _VERBS.get(choice, choice), "against": ADVISED_AS.get(choice) != recommendation,
            "reason": form.get("reason", "").strip(), "closes_on": preview.closes_on.isoformat()
            if preview.closes_on and choice in ("close", "merge") else None,
            "typed": typed if preview.closes_on and typed and typed != preview.closes_on.isoformat() else None,
            "told": preview.told, "cancelled": preview.cancelled,
            "fields": [(k, form.get(k, "")) for k in FIELDS], "digest": digest(form)}
