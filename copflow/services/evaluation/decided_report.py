"""The OD manager's decision written onto the review's report: what was decided, by whom, when and why, in the
HTML, the Markdown (the Prefect artifact) and the context the PDF is typeset from (the decision page's report
link, a PDF still owed, the files in the reports folder).

One call, from the transition path's `PublishEvaluation` effect (copflow/services/effects.py) that every review
decision sets off (pass, renew, split, merge, close), in its transaction and before the CoP leaves the review,
while its stage visit is still the review's. The decision page
reads the report back (`stored_report`) for its signed link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, Document, Person
from copflow.db.uow import UnitOfWork
from copflow.services.evaluation.review_report import REPORT_HTML, REPORT_JSON, REPORT_MD, Published, report_file_name
from copflow.services.snapshots import get_cop


def decide_on_report(s: Session, cop: Cop, *, decision: str, decided_by: str, reason: str, at: datetime,
                     published: Published | None = None) -> bool:
    """Re-render the review's stored report with the decision (plain values: `decision` as people read it, e.g.
    "close" or "evolve (split)"; `decided_by` an address; `reason` in the OD manager's words). With `published`
    (the report `publish_evaluation` brought up to date in this transaction), its files follow. False when the
    review has no report kept in this form (one made before copflow kept the report's context)."""
    from notifications.reports import render_context, with_decision

    docs = {d.kind: d for d in s.scalars(select(Document).where(
        Document.cop_id == cop.id, Document.stage_visit == cop.stage_visit,
        Document.kind.in_((REPORT_MD, REPORT_HTML, REPORT_JSON))))}
    if REPORT_JSON not in docs:
        return False
    name = s.scalar(select(Person.name).where(Person.email == decided_by.strip().lower()))
    context = with_decision(json.loads(docs[REPORT_JSON].content), decision=decision,
                            by=f"{name} ({decided_by})" if name else decided_by, at=at, reason=reason)
    markdown, html = render_context(context)
    docs[REPORT_JSON].content = json.dumps(context)
    for kind, content in ((REPORT_MD, markdown), (REPORT_HTML, html)):
        if kind in docs:
            docs[kind].content = content
    if published is not None:
        published.redo(context, markdown, html)
    return True


@dataclass(frozen=True)
class StoredReport:
    """A review's report as kept: its HTML, the context its PDF is typeset from, and the PDF's file name."""

    html: str
    context: dict[str, Any] | None
    file_name: str


def stored_report(uow: UnitOfWork, *, slug: str, visit: int | None) -> StoredReport | None:
    """The report of one review (a decision link's stage visit), as it stands: with the decision once taken."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        docs = {d.kind: d.content for d in s.scalars(select(Document).where(
            Document.cop_id == cop.id, Document.stage_visit == visit, Document.kind.in_((REPORT_HTML, REPORT_JSON))))}
    if REPORT_HTML not in docs:
        return None
    context = json.loads(docs[REPORT_JSON]) if REPORT_JSON in docs else None
    end = date.fromisoformat(context["ev"]["end"]) if context else None
    name = report_file_name(slug, end) if end else f"{slug}-review.pdf"
    return StoredReport(docs[REPORT_HTML], context, name)
