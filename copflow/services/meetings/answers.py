"""What attendees answered a meeting's invitation (their RSVPs, from copflow/services/meetings/replies.py): who is
coming, who declined, who is unsure, who has not answered, for one occurrence of a series or the series itself.

An answer for one occurrence (RECURRENCE-ID) wins over the answer for the whole series; someone who answered
nothing is "no answer". The check-in agenda, the sponsor brief, the CoP's page and the leads' alerts read this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import MeetingAnswer, MeetingSeries, Person


@dataclass(frozen=True)
class Counter:
    """A time someone proposed instead (a COUNTER): shown to the leads, never applied by itself."""

    name: str
    occurrence: str | None
    start: str
    end: str
    comment: str | None = None


@dataclass(frozen=True)
class Answers:
    """Names by answer, each list in the order the series invited them."""

    coming: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    tentative: list[str] = field(default_factory=list)
    no_answer: list[str] = field(default_factory=list)
    counters: list[Counter] = field(default_factory=list)
    # email → answer, for callers that match people (the attendance a check-in pre-fills)
    by_email: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        return bool(self.coming or self.declined or self.tentative)

    def in_words(self) -> str:
        """"coming: 5 — declined: Ben Okafor — unsure: Ann Lee — no answer: 1"."""
        parts = [f"coming: {len(self.coming)}"]
        if self.declined:
            parts.append(f"declined: {', '.join(self.declined)}")
        if self.tentative:
            parts.append(f"unsure: {', '.join(self.tentative)}")
        if self.no_answer:
            parts.append(f"no answer: {len(self.no_answer)}")
        return " — ".join(parts)


def answers_for(s: Session, series: MeetingSeries, occurrence: datetime | str | None = None) -> Answers:
    """The answers to `series` for `occurrence` (its wall-clock start, in the series' zone), or to the series."""
    which = occurrence.isoformat(timespec="minutes") if isinstance(occurrence, datetime) else occurrence
    rows = s.execute(select(MeetingAnswer, Person.email).join(Person, Person.id == MeetingAnswer.person_id)
                     .where(MeetingAnswer.series_id == series.id)).all()
    chosen: dict[str, MeetingAnswer] = {}
    for row, email in rows:
        key = email.lower()
        if row.occurrence is None:
            chosen.setdefault(key, row)
        elif row.occurrence == which:
            chosen[key] = row  # the occurrence's own answer wins over the series'
    out = Answers()
    for email, name, _role in series.attendees:
        found = chosen.get(str(email).lower())
        answer = found.answer if found is not None else "NEEDS-ACTION"
        out.by_email[str(email).lower()] = answer
        {"ACCEPTED": out.coming, "DECLINED": out.declined, "TENTATIVE": out.tentative}.get(
            answer, out.no_answer).append(str(name))
    for row, email in rows:
        if row.proposed_start and row.proposed_end and (row.occurrence in (None, which)):
            name = next((str(n) for e, n, _ in series.attendees if str(e).lower() == email.lower()), email)
            out.counters.append(Counter(name, row.occurrence, row.proposed_start, row.proposed_end, row.comment))
    return out
