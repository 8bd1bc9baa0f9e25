"""Entering closing: what the close decision sets off, in the same transaction as the transition: the
meeting series cancelled, a lessons-learned draft kept, and the closing notice to every member."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from copflow.db.models import Cop, Document
from copflow.services.closing.lessons import LESSONS, lessons_draft
from copflow.services.meetings import cancel_all
from copflow.services.outbox import cop_context, enqueue, people_context, recipients

_OVERRIDE_REMARK = re.compile(r"\s*\(the evaluation recommended \w+\)\s*$")


def on_closing_entered(s: Session, cop: Cop, *, now: datetime, reason: str) -> int:
    """Everything the close decision sets off, in the same transaction as the transition."""
    cancelled = cancel_all(s, cop, now=now, reason="the community is closing")
    draft = lessons_draft(s, cop, now=now, reason=reason)
    s.add(Document(cop_id=cop.id, kind=LESSONS, title=f"Lessons learned: {cop.name}", content=draft,
                   created_by="copflow", created_at=now))
    from notifications.documents import as_attachment, markdown_to_docx

    # Members read the decision's reason in the OD manager's words; a remark that the decision differs from the
    # evaluation's recommendation stays in the audit trail and the OD manager's own copy.
    public = _OVERRIDE_REMARK.sub("", reason).strip() or None
    context = {**cop_context(cop), **people_context(cop), "closing_date": cop.closing_date.isoformat()
               if cop.closing_date else "", "reason": public}
    leads = {to.email for to in recipients(cop, "leads")}
    # The leads edit the draft in Word (a .md file opened as plain text contradicted the mail's promise).
    draft_file = (f"{cop.slug}-lessons-learned-draft.docx", as_attachment(markdown_to_docx(draft)))
    for to in recipients(cop, "members"):
        # The leads complete the lessons learned, so their notice carries the draft.
        is_lead = to.email in leads
        enqueue(s, key=f"{cop.slug}/closing-notice/{cop.stage_visit}/{to.email}", cop_id=cop.id,
                kind="closing_notice", to=to, context={**context, "lessons_draft": draft_file[0] if is_lead else None},
                now=now, attachment=draft_file if is_lead else None)
    for to in recipients(cop, "od_manager"):
        enqueue(s, key=f"{cop.slug}/closing-notice/{cop.stage_visit}/{to.email}", cop_id=cop.id,
                kind="closing_notice", to=to, context={**context, "reason": reason, "lessons_draft": None}, now=now)
    return cancelled
