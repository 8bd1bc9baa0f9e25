"""The messages of a CoP's end: the closing notice to every member (the leads' copy carries the lessons-learned
draft they complete), and the word to leads and sponsor that the CoP is closed and where its archive is."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from copflow.db.models import Cop
from copflow.services.closing.lessons import latest_lessons
from copflow.services.outbox import Recipient, cop_context, enqueue, recipients
from lifecycle import Audience


def enqueue_closing_notice(s: Session, cop: Cop, people: list[Recipient], *, reason: str, now: datetime) -> int:
    context = {**cop_context(cop), "closing_date": cop.closing_date.isoformat() if cop.closing_date else "",
               "reason": reason}
    leads = {to.email for to in recipients(cop, Audience.LEADS)}
    draft = latest_lessons(s, cop.id)
    draft_file = (f"{cop.slug}-lessons-learned-draft.md", draft.content) if draft else None
    added = 0
    for to in people:
        # The leads complete the lessons learned, so their notice carries the draft.
        attach = draft_file if to.email in leads else None
        added += enqueue(s, key=f"{cop.slug}/closing-notice/{cop.stage_visit}/{to.email}", cop_id=cop.id,
                         kind="closing_notice", to=to, now=now, attachment=attach,
                         context={**context, "lessons_draft": attach[0] if attach else None})
    return added


def enqueue_closure_completed(s: Session, cop: Cop, people: list[Recipient], *, manifest_sha256: str, today: date,
                              now: datetime) -> int:
    context = {**cop_context(cop), "closed_on": today.isoformat(), "archive_path": cop.archive_path,
               "manifest_sha256": manifest_sha256}
    return sum(enqueue(s, key=f"{cop.slug}/closed/{to.email}", cop_id=cop.id, kind="closure_completed", to=to,
                       context=context, now=now) for to in people)
