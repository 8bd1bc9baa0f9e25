"""What the leads are told about the answers to their meetings, once each (the outbox's key): a counter-proposal
(with the time proposed: nothing moves until a lead moves the meeting), the sponsor declining a catch-up, and a
check-in that fewer than half its core group can come to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from copflow.db.models import Cop, MeetingSeries
from copflow.services.mail.outbox import cop_context, enqueue, holders
from copflow.services.meetings.answers import answers_for
from copflow.services.meetings.kinds import KINDS
from lifecycle import Role
from lifecycle.audiences import LEAD_ROLES
from notifications.vocabulary import long_date

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


KIND = "meeting_answers"  # one message kind; context["notice"]["kind"] says which of the three it is


@dataclass(frozen=True)
class Heard:
    """One reply, as recorded (replies.py): who, for which occurrence (None: the series), what they said."""

    attendee: str
    name: str
    method: str
    answer: str
    occurrence: str | None
    proposed_start: str | None
    proposed_end: str | None
    comment: str | None


def tell_leads(s: Session, cop: Cop, series: MeetingSeries, applied: Heard, *, now: datetime) -> int:
    """Queue what the leads should hear of this reply (nothing, usually); the number of mails queued."""
    if series.status != "scheduled":
        return 0  # a late answer to a cancelled series is kept, and concerns nobody now
    which = applied.occurrence or "all"
    person_name, comment = applied.name, applied.comment
    notices: list[tuple[str, dict[str, object]]] = []
    if applied.method == "COUNTER" and applied.proposed_start:
        notices.append((f"{series.uid}/counter/{applied.attendee}/{which}/{applied.proposed_start}", {
            "kind": "counter", "who": person_name, "comment": comment,
            "proposed": _when(applied.proposed_start, applied.proposed_end)}))
    if applied.answer == "DECLINED" and series.kind == "sponsor_catchup" and _holds(cop, applied.attendee,
                                                                                   Role.SPONSOR):
        notices.append((f"{series.uid}/sponsor-declined/{which}", {"kind": "sponsor_declined", "who": person_name}))
    if applied.answer == "DECLINED" and series.kind == "checkin":
        answers = answers_for(s, series, applied.occurrence)
        invited = len(series.attendees)
        if invited and (invited - len(answers.declined)) * 2 < invited:
            notices.append((f"{series.uid}/few-coming/{which}", {
                "kind": "few_coming", "who": person_name, "summary": answers.in_words(),
                "declined": answers.declined, "invited": invited}))
    if not notices:
        return 0
    meeting = {"title": KINDS[series.kind].title, "uid": series.uid,
               "when": _when(applied.occurrence) if applied.occurrence else None}
    queued = 0
    for key, notice in notices:
        for to in holders(cop, LEAD_ROLES):
            queued += enqueue(s, key=f"{key}/{to.email}", cop_id=cop.id, kind=KIND, to=to, now=now,
                              context={**cop_context(cop), "meeting": meeting, "notice": notice})
    return queued


def _holds(cop: Cop, email: str, role: Role) -> bool:
    return any(m.person.email.lower() == email and m.role == role.value and m.left_on is None
               for m in cop.memberships)


def _when(start: str, end: str | None = None) -> str:
    at = datetime.fromisoformat(start)
    until = f"–{datetime.fromisoformat(end):%H:%M}" if end else ""
    return f"{long_date(at)}, {at:%H:%M}{until}"
