"""Documents owed and not yet sent, made again and sent by the daily sweep: the evaluation report's PDF that the
evaluation mail said would follow, the lessons-learned draft that the leads' closing notice said would follow.

Each is made from what was kept when it failed (the report's JSON context, the draft's), so it shows what the first
mail described — and, for a report decided since, the decision. Sent as `document_follows`, once per person.
A document that fails again stays owed, its reason and attempts brought up to date, and the digest lists it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, Document, DocumentFailure
from copflow.db.uow import UnitOfWork
from copflow.services.closing.lessons import draft_context
from copflow.services.closing.notice import LESSONS_DOCX, lessons_file_name, lessons_page
from copflow.services.document_failures import DOCUMENTS, open_failures, record_failure
from copflow.services.evaluation.review_report import REPORT_JSON, REPORT_PDF, report_file_name
from copflow.services.mail.outbox import Recipient, cop_context, enqueue, recipients
from lifecycle import Audience, Policy, Stage
from notifications.pdf import RenderFailed


@dataclass
class Resent:
    sent: list[str] = field(default_factory=list)  # "slug: document" made and queued
    failed: list[str] = field(default_factory=list)  # "slug: document: reason", still owed
    queued: int = 0


def send_missing(uow: UnitOfWork, *, now: datetime, od_manager: str | None = None,
                 reports_dir: Path | None = None, policy: Policy | None = None) -> Resent:
    """Make each owed document again and queue it for the people the first mail promised it to (with `policy`, a
    lessons draft's mail carries each lead's link to their CoP's page, where the completed report goes)."""
    out = Resent()
    with uow:
        s = uow.session
        for failure, cop in open_failures(s):
            words = DOCUMENTS.get(failure.kind, failure.kind)
            if failure.kind == LESSONS_DOCX and cop.stage == Stage.CLOSED.value:
                failure.resolved_at = now  # archived meanwhile: nothing left for the leads to complete
                continue
            try:
                name, data, extra = _make(s, failure, cop)
            except RenderFailed as exc:
                record_failure(s, cop, failure.kind, exc.reason, now=now, visit=failure.stage_visit)
                out.failed.append(f"{cop.slug}: {words}: {exc.reason}")
                continue
            out.queued += _send(s, cop, failure, name, data, extra, now=now, od_manager=od_manager, policy=policy)
            failure.resolved_at = now
            out.sent.append(f"{cop.slug}: {words}")
            if reports_dir is not None and failure.kind == REPORT_PDF:
                _keep_file(reports_dir / cop.slug / f"review-{extra['end']}.pdf", data)
        uow.commit()
    return out


def _make(s: Session, failure: DocumentFailure, cop: Cop) -> tuple[str, bytes, dict[str, Any]]:
    if failure.kind == REPORT_PDF:
        from notifications.pdf import report_pdf

        content = s.scalar(select(Document.content).where(
            Document.cop_id == cop.id, Document.kind == REPORT_JSON, Document.stage_visit == failure.stage_visit))
        if content is None:
            raise RenderFailed("the report's record is missing: run copflow review report " + cop.slug)
        context = json.loads(content)
        pdf = report_pdf(context)
        end = date.fromisoformat(context["ev"]["end"])
        return report_file_name(cop.slug, end), pdf, {"decided": context.get("decided") is not None,
                                                       "end": end.isoformat()}
    if failure.kind == LESSONS_DOCX:
        from notifications.lessons_docx import lessons_docx

        draft = draft_context(s, cop.id)
        if draft is None:
            raise RenderFailed("the draft's record is missing")
        try:
            return lessons_file_name(cop.slug), lessons_docx(draft), {}
        except (ValueError, TypeError, KeyError) as exc:
            raise RenderFailed(f"the Word draft could not be built: {type(exc).__name__}: {exc}") from None
    raise RenderFailed(f"copflow does not know how to make a {failure.kind!r}")


def _send(s: Session, cop: Cop, failure: DocumentFailure, name: str, data: bytes, extra: dict[str, Any], *,
          now: datetime, od_manager: str | None, policy: Policy | None) -> int:
    from notifications.documents import as_attachment

    audiences = (Audience.LEADS,) if failure.kind == LESSONS_DOCX else (Audience.LEADS, Audience.SPONSOR,
                                                                        Audience.OD_MANAGER)
    people: list[Recipient] = recipients(cop, *audiences, od_manager=od_manager)
    context = {**cop_context(cop), "kind": failure.kind, "document": DOCUMENTS[failure.kind].split(" (")[0],
               "file_name": name, "promised_on": failure.failed_at.date().isoformat(),
               "closing_date": cop.closing_date.isoformat() if cop.closing_date else None,
               "decided": extra.get("decided", False)}
    attachment = (name, as_attachment(data))
    added = 0
    for to in people:
        page = lessons_page(s, cop, to, now=now, policy=policy) \
            if failure.kind == LESSONS_DOCX and policy is not None else None
        added += enqueue(s, key=f"{cop.slug}/document/{failure.kind}/{failure.stage_visit}/{to.email}",
                         cop_id=cop.id, kind="document_follows", to=to, now=now, attachment=attachment,
                         context={**context, "lessons_page": page})
    return added


def _keep_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
