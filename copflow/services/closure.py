"""The closure archive: when the closing date arrives, gather the CoP's whole record into one verified
archive, and only then mark it closed. Running it again on a closed CoP writes nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.archive import ArchiveError, read_member, verify_archive, write_archive
from copflow.db.models import (
    SCHEMA_VERSION,
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
from copflow.db.uow import UnitOfWork
from copflow.services.clock import local_date
from copflow.services.errors import InvalidInput
from copflow.services.gates import add_evidence, apply_decision, concurrent_guard
from copflow.services.meetings import meeting_of
from copflow.services.outbox import cop_context, enqueue, people_context, recipients
from copflow.services.records import get_cop, snapshot
from lifecycle import Gate, Policy, Stage, decide
from notifications.ics import calendar_text

ACTOR = "copflow archive"


@dataclass(frozen=True)
class ClosureResult:
    slug: str
    path: str
    manifest_sha256: str
    files: int
    already_closed: bool


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
    for d in rows(Document, Document.id):
        suffix = ".html" if d.kind.endswith("_html") else ".md"
        files[f"documents/{d.id:04d}-{d.kind.removesuffix('_html')}{suffix}"] = d.content.encode("utf-8")
    files.update(review_evidence(s, cop, who, dump))
    return files


def close_cop(uow: UnitOfWork, *, slug: str, now: datetime, policy: Policy, archive_dir: Path,
              od_manager: str | None = None,
              before_rename: Callable[[Path], None] | None = None,
              after_write: Callable[[Path], None] | None = None) -> ClosureResult:
    """Archive and close a CoP whose closing date has arrived. Idempotent: a closed CoP is left as it is."""
    today = local_date(now, policy)
    with uow:
        cop = get_cop(uow.session, slug)
        if cop.stage == Stage.CLOSED.value:
            v = verify_archive(Path(cop.archive_path or ""))
            return ClosureResult(slug, cop.archive_path or "", v.manifest_sha256, v.files, already_closed=True)
        if cop.stage != Stage.CLOSING.value:
            raise InvalidInput("stage", f"{slug} is in stage {cop.stage}: only a closing CoP is archived")
        if cop.closing_date is None or cop.closing_date > today:
            raise InvalidInput("closing date", f"{slug} closes on {cop.closing_date}; it is archived from that day")
        files = gather(uow.session, cop, policy)
        metadata = {"cop": {"slug": cop.slug, "name": cop.name, "closing_date": str(cop.closing_date)},
                    "schema_version": SCHEMA_VERSION, "created_at": now.isoformat()}
        name = f"{cop.slug}-{cop.closing_date.isoformat()}.zip"
    target = archive_dir / name
    if target.exists():  # an earlier run wrote it and stopped before recording it: reuse it if it verifies
        check = verify_archive(target)
        if not check.ok or json.loads(read_member(target, "manifest.json"))["cop"]["slug"] != slug:
            raise ArchiveError(f"{target} exists and does not verify: {'; '.join(check.problems)}; "
                               "it is left for inspection")
        path, digest = target, check.manifest_sha256
    else:
        path, digest = write_archive(archive_dir, name, files, metadata, before_rename=before_rename)
    if after_write is not None:
        after_write(path)
    check = verify_archive(path)
    if not check.ok or check.manifest_sha256 != digest:
        raise ArchiveError(f"archive {path} does not verify ({'; '.join(check.problems) or 'manifest changed'}); "
                           f"{slug} stays in closing")
    with concurrent_guard(slug), uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        add_evidence(s, cop, Gate.ARCHIVE_VERIFIED, {"archive_path": str(path), "manifest_sha256": digest,
                                                     "verified_on": today.isoformat()}, who=ACTOR, now=now, today=today)
        snap = snapshot(s, cop)
        apply_decision(s, cop, snap, decide(snap, today, policy, target=Stage.CLOSED), who=ACTOR, now=now,
                       today=today, policy=policy, reason=f"archive verified: {path.name}")
        cop.closed_at, cop.archive_path = now, str(path)
        od = people_context(cop, od_manager)["od_manager"]
        keeper = f"the CoP programme team ({od['name']}, {od['email']})" if od["email"] else "the CoP programme team"
        context = {**cop_context(cop), "closed_on": today.isoformat(), "archive_name": path.name,
                   "archive_keeper": keeper}
        for to in recipients(cop, "leads") + recipients(cop, "sponsor") + recipients(cop, "od_manager", od_manager):
            enqueue(s, key=f"{slug}/closed/{to.email}", cop_id=cop.id, kind="closure_completed", to=to,
                    context=context, now=now)
        uow.commit()
    return ClosureResult(slug, str(path), digest, check.files, already_closed=False)


def due_closures(uow: UnitOfWork, *, now: datetime, policy: Policy) -> list[str]:
    today = local_date(now, policy)
    with uow:
        return list(uow.session.scalars(select(Cop.slug).where(Cop.stage == Stage.CLOSING.value,
                                                               Cop.closing_date <= today).order_by(Cop.slug)))


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
