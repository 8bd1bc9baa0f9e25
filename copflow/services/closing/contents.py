"""What goes into a closure archive: every file, from the database's record of the CoP (charters, evidence,
transitions, roster, messages, meetings and their calendars, documents, activities and survey answers)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import (
    Action,
    ActionEvent,
    Activity,
    Attendance,
    Charter,
    Cop,
    Document,
    GateEvidence,
    MeetingSeries,
    Notification,
    Person,
    SurveyAnswer,
    TransitionRecord,
)
from copflow.services.meetings.invitations import meeting_of
from lifecycle import Policy
from lifecycle.action_metrics import history_line
from notifications.ics import calendar_text


def pseudonym(slug: str, email: str) -> str:
    return "member-" + hashlib.sha256(f"{slug}:{email}".encode()).hexdigest()[:12]


def gather(s: Session, cop: Cop, policy: Policy) -> dict[str, bytes]:
    """Every file of the archive, from the database's record of the CoP."""
    def dump(data: Any) -> bytes:
        return json.dumps(data, indent=2, ensure_ascii=False, default=str, sort_keys=True).encode("utf-8")

    def who(email: str) -> str:
        return pseudonym(cop.slug, email) if policy.pseudonymise_roster else email

    def rows(model: Any, order: Any) -> list[Any]:
        return list(s.scalars(select(model).where(model.cop_id == cop.id).order_by(order)))

    files: dict[str, bytes] = {
        "cop.json": dump({"slug": cop.slug, "name": cop.name, "domain": cop.domain, "timezone": cop.timezone,
                          "created_at": cop.created_at, "closing_date": cop.closing_date,
                          "parent_id": cop.parent_id, "merged_into_id": cop.merged_into_id}),
        "charters.json": dump([{"version": c.version, "purpose": c.purpose, "aims": c.aims,
                                "annual_targets": c.annual_targets, "review_dates": c.review_dates,
                                "review_cadence_months": c.review_cadence_months, "link": c.link,
                                "published_on": c.published_on} for c in rows(Charter, Charter.id)]),
        "evidence.json": dump([{"gate": e.gate, "stage": e.stage, "visit": e.stage_visit, "payload": e.payload,
                                "recorded_by": e.recorded_by, "recorded_at": e.recorded_at}
                               for e in rows(GateEvidence, GateEvidence.id)]),
        "transitions.json": dump([{"from": t.from_stage, "to": t.to_stage, "trigger": t.trigger, "at": t.at,
                                   "by": t.by, "reason": t.reason}
                                  for t in rows(TransitionRecord, TransitionRecord.id)]),
        "roster.json": dump({"pseudonymised": policy.pseudonymise_roster, "members": [
            {"member": who(m.person.email), "role": m.role, "department": m.person.department,
             "name": None if policy.pseudonymise_roster else m.person.name, "joined_on": m.joined_on,
             "left_on": m.left_on} for m in cop.memberships]}),
        "messages.json": dump([{"kind": n.kind, "to": who(n.recipient), "subject": n.subject, "status": n.status,
                                "sent_at": n.sent_at} for n in rows(Notification, Notification.id)]),
    }
    series = rows(MeetingSeries, MeetingSeries.id)
    files["meetings.json"] = dump([{"uid": m.uid, "kind": m.kind, "starts": m.starts_local, "tz": m.tzid,
                                    "rrule": m.rrule, "sequence": m.sequence, "status": m.status,
                                    "cancelled_occurrences": m.cancelled_occurrences} for m in series])
    for m in series:  # the calendar series as the attendees last received it (cancelled, for a closing CoP)
        method = "CANCEL" if m.status == "cancelled" else "REQUEST"
        files[f"calendar/{m.uid.split('@')[0]}.ics"] = calendar_text(meeting_of(m, cop), method=method,
                                                                     dtstamp=m.created_at).encode("utf-8")
    for d in rows(Document, Document.id):  # a report or draft as Markdown and HTML, and the JSON both were made from
        kind, _, form = d.kind.rpartition("_") if d.kind.endswith(("_html", "_json")) else (d.kind, "", "md")
        files[f"documents/{d.id:04d}-{kind}.{form}"] = d.content.encode("utf-8")
    files.update(review_evidence(s, cop, who, dump))
    files["actions.json"] = dump(plan_record(s, cop, who))
    return files


def plan_record(s: Session, cop: Cop, who: Callable[[str], str]) -> list[dict[str, Any]]:
    """The action plan: every action with its status, its history line by line and in one line summed up.
    Addresses (owners, who changed what, an owner in an edit) are pseudonymised like the roster."""
    zone = ZoneInfo(cop.timezone)

    def person(text: Any) -> Any:
        return who(text) if isinstance(text, str) and "@" in text else text

    events: dict[int, list[ActionEvent]] = {}
    for e in s.scalars(select(ActionEvent).join(Action, Action.id == ActionEvent.action_id)
                       .where(Action.cop_id == cop.id).order_by(ActionEvent.id)):
        events.setdefault(e.action_id, []).append(e)
    out = []
    for a in s.scalars(select(Action).where(Action.cop_id == cop.id).order_by(Action.due_on, Action.id)):
        history = events.get(a.id, [])
        out.append({"title": a.title, "owner": who(a.owner.email), "due_on": a.due_on, "status": a.status,
                    "target": a.target, "notes": a.notes, "created_at": a.created_at, "closed_at": a.closed_at,
                    "summary": history_line([(e.kind, e.at.astimezone(zone).date()) for e in history]),
                    "history": [{"at": e.at, "kind": e.kind, "by": person(e.by), "from": e.from_status,
                                 "to": e.to_status, "note": e.note, "via": e.via,
                                 "changes": {k: [person(v) for v in pair] for k, pair in (e.changes or {}).items()}}
                                for e in history]})
    return out


def review_evidence(s: Session, cop: Cop, who: Callable[[str], str], dump: Callable[[Any], bytes]) -> dict[str, bytes]:
    """What the CoP did and what its members said: activities with attendees, outputs, survey answers."""
    attendees: dict[int, list[str]] = {}
    for activity_id, email in s.execute(select(Attendance.activity_id, Person.email)
                                        .join(Person, Person.id == Attendance.person_id)
                                        .join(Activity, Activity.id == Attendance.activity_id)
                                        .where(Activity.cop_id == cop.id).order_by(Person.email)):
        attendees.setdefault(activity_id, []).append(who(email))
    activities = s.scalars(select(Activity).where(Activity.cop_id == cop.id).order_by(Activity.held_on, Activity.id))
    answers = s.scalars(select(SurveyAnswer).where(SurveyAnswer.cop_id == cop.id)
                        .order_by(SurveyAnswer.survey, SurveyAnswer.respondent, SurveyAnswer.statement_key))
    return {
        "activities.json": dump([{"kind": a.kind, "title": a.title, "held_on": a.held_on, "link": a.link,
                                  "notes": a.notes, "recorded_by": who(a.recorded_by),
                                  "attendees": attendees.get(a.id, [])} for a in activities]),
        "survey.json": dump([{"survey": a.survey, "respondent": a.respondent, "statement": a.statement,
                              "benchmark": a.benchmark, "answer": a.answer, "submitted_on": a.submitted_on}
                             for a in answers]),
    }
