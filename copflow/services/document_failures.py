"""Documents copflow owed someone and could not make, kept with their reason (the `document_failure` table):
written in the transaction of the mail that said the document follows, listed in the OD manager's digest, and
resolved when a later sweep makes and sends it (copflow/services/sweep/missing_documents.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, DocumentFailure
from copflow.db.uow import UnitOfWork

# What each kind of failure is called in the digest and the follow-up mail.
DOCUMENTS = {"evaluation_pdf": "the evaluation report (PDF)", "lessons_docx": "the lessons-learned draft (Word)"}


@dataclass(frozen=True)
class MissingDocument:
    slug: str
    name: str  # the CoP's
    document: str  # in words: "the evaluation report (PDF)"
    reason: str
    since: str  # ISO date of the first failure
    attempts: int


def record_failure(s: Session, cop: Cop, kind: str, reason: str, *, now: datetime,
                   visit: int | None = None) -> None:
    """Keep (or bring up to date) the failure of one document of one stage visit, in the caller's transaction."""
    visit = cop.stage_visit if visit is None else visit
    row = s.scalar(select(DocumentFailure).where(DocumentFailure.cop_id == cop.id, DocumentFailure.kind == kind,
                                                 DocumentFailure.stage_visit == visit))
    one_line = " ".join(reason.split())[:1000]
    if row is None:
        s.add(DocumentFailure(cop_id=cop.id, kind=kind, stage_visit=visit, reason=one_line, failed_at=now,
                              last_tried_at=now, attempts=1))
    else:
        row.reason, row.last_tried_at, row.attempts, row.resolved_at = one_line, now, row.attempts + 1, None


def open_failures(s: Session) -> list[tuple[DocumentFailure, Cop]]:
    rows = s.execute(select(DocumentFailure, Cop).join(Cop, Cop.id == DocumentFailure.cop_id)
                     .where(DocumentFailure.resolved_at.is_(None))
                     .order_by(DocumentFailure.failed_at, DocumentFailure.id))
    return [(failure, cop) for failure, cop in rows]


def missing_documents(uow: UnitOfWork) -> list[MissingDocument]:
    """Every document still owed, oldest first (for the digest)."""
    with uow:
        return [MissingDocument(cop.slug, cop.name, DOCUMENTS.get(f.kind, f.kind), f.reason,
                                f.failed_at.date().isoformat(), f.attempts) for f, cop in open_failures(uow.session)]
