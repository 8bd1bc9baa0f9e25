"""Entering closing: what the close decision sets off, in the same transaction as the transition: the
meeting series cancelled, a lessons-learned draft kept, and the closing notice to every member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from copflow.db.models import Cop, Document
from copflow.services.closing.lessons import LESSONS, lessons_draft
from copflow.services.meetings import cancel_all
from copflow.services.outbox import cop_context, enqueue, recipients


def on_closing_entered(s: Session, cop: Cop, *, now: datetime, reason: str) -> int:
    """Everything the close decision sets off, in the same transaction as the transition."""
    cancelled = cancel_all(s, cop, now=now, reason="the community is closing")
    draft = lessons_draft(s, cop, now=now, reason=reason)
    s.add(Document(cop_id=cop.id, kind=LESSONS, title=f"Lessons learned: {cop.name}", content=draft,
                   created_by="copflow", created_at=now))
    context = {**cop_context(cop), "closing_date": cop.closing_date.isoformat() if cop.closing_date else "",
               "reason": reason}
    leads = {to.email for to in recipients(cop, "leads")}
    draft_file = (f"{cop.slug}-lessons-learned-draft.md", draft)
    for to in recipients(cop, "members"):
        # The leads complete the lessons learned, so their notice carries the draft.
        is_lead = to.email in leads
        enqueue(s, key=f"{cop.slug}/closing-notice/{cop.stage_visit}/{to.email}", cop_id=cop.id,
                kind="closing_notice", to=to, context={**context, "lessons_draft": draft_file[0] if is_lead else None},
                now=now, attachment=draft_file if is_lead else None)
    return cancelled
