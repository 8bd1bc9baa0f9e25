"""The messages of a CoP's end: the closing notice to every member (the leads' copy carries the lessons-learned
draft they complete, as a Word document; the OD manager's copy keeps the decision's full reason), and the word
to leads, sponsor and OD manager that the CoP is closed and who keeps its archive."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries
from copflow.services.closing.lessons import completed, draft_context
from copflow.services.document_failures import record_failure
from copflow.services.links.signed import mail_link
from copflow.services.mail.outbox import Recipient, cop_context, enqueue, people_context, recipients
from lifecycle import Audience, Policy, Role
from lifecycle.audiences import LEAD_ROLES

_OVERRIDE_REMARK = re.compile(r"\s*\(the evaluation recommended \w+\)\s*$")


LESSONS_DOCX = "lessons_docx"  # the failure kind of a draft that could not be built


def lessons_file_name(slug: str) -> str:
    return f"{slug}-lessons-learned-draft.docx"


def draft_attachment(s: Session, cop: Cop, *, now: datetime) -> tuple[str, str] | None:
    """The leads' Word draft as an attachment; None (and the failure kept, for the digest and the next sweep) when
    it cannot be built. A CoP without a draft has nothing to attach."""
    from notifications.documents import as_attachment
    from notifications.lessons_docx import lessons_docx

    context = draft_context(s, cop.id)
    if context is None:
        return None
    try:
        return lessons_file_name(cop.slug), as_attachment(lessons_docx(context))
    except (ValueError, TypeError, KeyError) as exc:  # lxml: a character XML cannot hold; an older draft's keys
        record_failure(s, cop, LESSONS_DOCX, f"the Word draft could not be built: {type(exc).__name__}: {exc}",
                       now=now)
        return None


def lessons_page(s: Session, cop: Cop, to: Recipient, *, now: datetime, policy: Policy) -> str | None:
    """A lead's own link to their CoP's page, where the completed lessons-learned report can be sent back (a reply
    with it attached does the same), working until the day after the closing date. None for anyone else the
    leads' copy reaches (a sponsor, when every lead's address bounces): the page opens only for the CoP's leads."""
    if to.role not in {r.value for r in LEAD_ROLES}:
        return None
    until = None
    if cop.closing_date is not None:
        until = datetime.combine(cop.closing_date + timedelta(days=2), time(), tzinfo=UTC)
    return mail_link(s, email=to.email, cop=cop, purpose="cop", now=now, policy=policy, lasts_until=until)


def enqueue_closing_notice(s: Session, cop: Cop, people: list[Recipient], *, reason: str, now: datetime,
                           policy: Policy) -> int:
    # Members read the decision's reason in the OD manager's words; a remark that the decision differs from the
    # evaluation's recommendation stays in the audit trail and the OD manager's own copy.
    public = _OVERRIDE_REMARK.sub("", reason).strip() or None
    context = {**cop_context(cop), **people_context(cop), "closing_date": cop.closing_date.isoformat()
               if cop.closing_date else "", "reason": public}
    leads = {to.email for to in recipients(cop, Audience.LEADS)}
    # The leads edit the draft in Word: real headings and tables, the sections to complete highlighted.
    draft_file = draft_attachment(s, cop, now=now) if leads & {to.email for to in people} else None
    follows = draft_file is None and draft_context(s, cop.id) is not None
    invited = had_invitations(s, cop)
    added = 0
    for to in people:
        key = f"{cop.slug}/closing-notice/{cop.stage_visit}/{to.email}"
        # Only a person who had its meetings in their calendar is told they are cancelled there.
        context["meetings_cancelled"] = to.email.lower() in invited
        if to.role == Role.OD_MANAGER_CONTACT.value and to.email not in leads:
            added += enqueue(s, key=key, cop_id=cop.id, kind="closing_notice", to=to, now=now,
                             context={**context, "reason": reason, "lessons_draft": None})
            continue
        # The leads complete the lessons learned, so their notice carries the draft.
        attach = draft_file if to.email in leads else None
        page = lessons_page(s, cop, to, now=now, policy=policy) if attach or (follows and to.email in leads) \
            else None
        added += enqueue(s, key=key, cop_id=cop.id, kind="closing_notice", to=to, now=now, attachment=attach,
                         context={**context, "lessons_draft": attach[0] if attach else None,
                                  "lessons_follows": follows and to.email in leads, "lessons_page": page})
    return added


def had_invitations(s: Session, cop: Cop) -> set[str]:
    """The addresses (lower case) invited to any of the CoP's cancelled series: whose calendars the closing
    cleared (the cancellations go to a series' attendees, copflow/services/meetings/series.py:cancel_all)."""
    cancelled = s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id,
                                                      MeetingSeries.status == "cancelled"))
    return {str(email).lower() for series in cancelled for email, _name, _role in series.attendees}


def enqueue_closure_completed(s: Session, cop: Cop, people: list[Recipient], *, od_manager: str | None,
                              today: date, now: datetime) -> int:
    od = people_context(cop, od_manager)["od_manager"]
    keeper = f"the CoP programme team ({od['name']}, {od['email']})" if od["email"] else "the CoP programme team"
    # Where the archive is kept, by name, and whom to ask for a copy: no server path, no checksum in prose.
    # It closed on the date its closing notice announced (the archive is named after it); the sweep may archive
    # it later (a failed archive, a missed sweep), and then the mail says that day too.
    closed_on = cop.closing_date or today
    context = {**cop_context(cop), "closed_on": closed_on.isoformat(),
               "archived_on": today.isoformat() if today > closed_on else None,
               "archive_name": Path(cop.archive_path).name if cop.archive_path else "",
               "archive_keeper": keeper, "lessons_completed": completed(s, cop.id)}
    return sum(enqueue(s, key=f"{cop.slug}/closed/{to.email}", cop_id=cop.id, kind="closure_completed", to=to,
                       context=context, now=now) for to in people)
