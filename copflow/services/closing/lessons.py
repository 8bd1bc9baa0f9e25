"""Lessons learned: the draft written when closing is decided, and the leads' completed report.

The draft is kept twice in the caller's transaction: as Markdown (what `copflow cop lessons SLUG` shows and the
archive keeps) and as its JSON context, from which the leads' Word document is built
(notifications/lessons_docx.py) — now, for the closing notice, or by a later sweep if it could not be built.
A completed report saved by a lead (`save_lessons`) is any later lessons document not written by copflow."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copflow.db.models import Action, ActionEvent, Activity, Cop, Document, GateEvidence, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from copflow.services.snapshots import current_charter, get_cop
from lifecycle import Gate
from lifecycle.action_metrics import history_line
from lifecycle.practice import OUTPUT_KINDS, ActivityKind, parse_targets

LESSONS, LESSONS_JSON = "lessons_learned", "lessons_learned_json"
DRAFTED_BY = "copflow"


def keep_draft(s: Session, cop: Cop, *, now: datetime, reason: str, programme: str = "",
               paper: str = "a4") -> Document:
    """Write the lessons-learned draft from the CoP's record and keep it for the leads (caller commits)."""
    context = lessons_context(s, cop, now=now, reason=reason, programme=programme, paper=paper)
    title = f"Lessons learned: {cop.name}"
    draft = Document(cop_id=cop.id, kind=LESSONS, title=title, content=lessons_markdown(context),
                     created_by=DRAFTED_BY, created_at=now, stage_visit=cop.stage_visit)
    s.add(draft)
    s.add(Document(cop_id=cop.id, kind=LESSONS_JSON, title=title, content=json.dumps(context),
                   created_by=DRAFTED_BY, created_at=now, stage_visit=cop.stage_visit))
    return draft


def lessons_markdown(context: dict[str, Any]) -> str:
    """The draft as Markdown, every value escaped (a title such as "*Draft* | v2" reads as itself)."""
    from notifications.reports import markdown_environment  # Jinja2 loads only when a draft is written

    return markdown_environment().get_template("reports/lessons_learned.md.j2").render(context)


def draft_context(s: Session, cop_id: int) -> dict[str, Any] | None:
    """The JSON context of the CoP's latest lessons-learned draft (None before closing was decided)."""
    content = s.scalar(select(Document.content).where(Document.cop_id == cop_id, Document.kind == LESSONS_JSON)
                       .order_by(Document.id.desc()).limit(1))
    return json.loads(content) if content else None


def lessons_context(s: Session, cop: Cop, *, now: datetime, reason: str, programme: str = "",
                    paper: str = "a4") -> dict[str, Any]:
    """What the draft says, as JSON-safe values (dates ISO; the documents put them in words)."""
    charter = current_charter(s, cop.id)
    transitions = list(s.scalars(select(TransitionRecord).where(TransitionRecord.cop_id == cop.id)
                                 .order_by(TransitionRecord.id)))
    decisions = [e for e in s.scalars(select(GateEvidence).where(GateEvidence.cop_id == cop.id)
                                      .order_by(GateEvidence.id))
                 if e.gate in (Gate.REVIEW_PASSED.value, Gate.EVOLVE_DECIDED.value, Gate.CLOSE_DECIDED.value)]
    context: dict[str, Any] = {
        "cop": {"slug": cop.slug, "name": cop.name, "domain": cop.domain}, "drafted_on": now.date().isoformat(),
        "drafted_at": now.isoformat(), "programme": programme or "CoP programme", "paper": paper,
        "language": "en-GB",
        "proposed_on": cop.created_at.date().isoformat(), "reason": reason,
        "closing_date": cop.closing_date.isoformat() if cop.closing_date else "",
        "charter": None if charter is None else {
            "version": charter.version, "published_on": charter.published_on.isoformat(),
            "purpose": charter.purpose, "aims": charter.aims, "annual_targets": charter.annual_targets},
        "transitions": [{"at": t.at.date().isoformat(), "from_stage": t.from_stage, "to_stage": t.to_stage,
                         "by": t.by, "reason": t.reason} for t in transitions],
        "reviews": [{"recorded_at": e.recorded_at.date().isoformat(), "gate": e.gate,
                     "decision": {"review_passed": "pass", "evolve_decided": "evolve"}.get(e.gate, "close"),
                     "decided_by": e.payload.get("decided_by"), "reason": e.payload.get("reason")} for e in decisions],
        **_activity_context(s, cop, charter.annual_targets if charter else []),
        "actions": plan_context(s, cop),
    }
    return context


def _activity_context(s: Session, cop: Cop, targets: list[str]) -> dict[str, Any]:
    """What the CoP held and made, in all its life: counts by kind, the outputs, and each target's tally."""
    activities = list(s.scalars(select(Activity).where(Activity.cop_id == cop.id).order_by(Activity.held_on)))
    by_kind = Counter(a.kind for a in activities)
    outputs = [{"held_on": a.held_on.isoformat(), "kind": a.kind.replace("_", " "), "title": a.title,
                "link": a.link or ""} for a in activities if ActivityKind(a.kind) in OUTPUT_KINDS]
    tallies = {t.text: (f"{by_kind.get(t.kind.value, 0)} recorded in all" if t.kind else "")
               for t in parse_targets(targets)}
    return {"activity_counts": [(k.replace("_", " "), n) for k, n in sorted(by_kind.items())], "outputs": outputs,
            "target_tallies": tallies}


def plan_context(s: Session, cop: Cop) -> list[dict[str, Any]]:
    """The action plan for the lessons learned: what was planned, who owned it, how it ended, its history."""
    zone = ZoneInfo(cop.timezone)
    history: dict[int, list[tuple[str, date]]] = {}
    for e in s.scalars(select(ActionEvent).join(Action, Action.id == ActionEvent.action_id)
                       .where(Action.cop_id == cop.id).order_by(ActionEvent.id)):
        history.setdefault(e.action_id, []).append((e.kind, e.at.astimezone(zone).date()))
    return [{"title": a.title, "owner": a.owner.name, "due_on": a.due_on.isoformat(), "status": a.status,
             "target": a.target or "", "history": history_line(history.get(a.id, []))}
            for a in s.scalars(select(Action).where(Action.cop_id == cop.id).order_by(Action.due_on, Action.id))]


def save_lessons(uow: UnitOfWork, *, slug: str, text: str, by: str, now: datetime) -> None:
    """The leads' completed lessons-learned report (the latest one goes into the archive)."""
    with uow:
        add_lessons(uow.session, get_cop(uow.session, slug, for_write=True), text=text, by=by, now=now)
        uow.commit()


def add_lessons(s: Session, cop: Cop, *, text: str, by: str, now: datetime) -> Document:
    """Keep a completed report in the caller's transaction (`cop lessons --file`, a lead's reply by mail)."""
    if not text.strip():
        raise InvalidInput("lessons", "the report is empty")
    if len(text) > 1_000_000:
        raise InvalidInput("lessons", "the report is longer than 1,000,000 characters")
    doc = Document(cop_id=cop.id, kind=LESSONS, title=f"Lessons learned: {cop.name}", content=text,
                   created_by=v.clean_text("by", by, 320), created_at=now)
    s.add(doc)
    return doc


def save_leads_lessons(uow: UnitOfWork, *, slug: str, text: str, by: str, now: datetime) -> None:
    """The completed report sent by a lead from their CoP page: taken only while the CoP is closing and its draft
    has been sent (so it reaches the closure archive); else refused, nothing kept."""
    with uow:
        cop = get_cop(uow.session, slug)
        if cop.stage != "closing" or draft_context(uow.session, cop.id) is None:
            raise InvalidInput("lessons", "a lessons-learned report is taken while the community is closing, once "
                                          "its draft has been sent", cop=slug)
    save_lessons(uow, slug=slug, text=text, by=by, now=now)


def lessons_state(s: Session, cop_id: int) -> dict[str, Any] | None:
    """For the leads' page: None before a draft was written; else whether the completed report came back, who
    sent it and when."""
    latest = latest_lessons(s, cop_id)
    if latest is None or draft_context(s, cop_id) is None:
        return None
    done = completed(s, cop_id)
    return {"completed": done, "by": latest.created_by if done else None,
            "on": latest.created_at.date().isoformat() if done else None}


def latest_lessons(s: Session, cop_id: int) -> Document | None:
    return s.scalars(select(Document).where(Document.cop_id == cop_id, Document.kind == LESSONS)
                     .order_by(Document.id.desc())).first()


def completed(s: Session, cop_id: int) -> bool:
    """Whether the leads sent back their lessons learned (a report not written by copflow); False while only the
    draft, with its sections to complete, is kept."""
    latest = latest_lessons(s, cop_id)
    if latest is None:
        return False
    # copflow writes each draft with its JSON twin just after it; a report saved later is newer than both (whoever
    # saved it: a service account may well be called "copflow").
    twin = s.scalar(select(func.max(Document.id)).where(Document.cop_id == cop_id, Document.kind == LESSONS_JSON))
    return latest.id > twin if twin is not None else latest.created_by != DRAFTED_BY


def only_drafted(uow: UnitOfWork, slugs: list[str]) -> set[str]:
    """Of these CoPs, those whose lessons learned were never completed (for the digest's closures)."""
    if not slugs:
        return set()
    with uow:
        s = uow.session
        return {cop.slug for cop in s.scalars(select(Cop).where(Cop.slug.in_(slugs)))
                if latest_lessons(s, cop.id) is not None and not completed(s, cop.id)}
