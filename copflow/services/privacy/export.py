"""`copflow person export`: every record about a person in one zip, for a subject-access request. One JSON file
per table (the rows that are theirs or mention them), the mail sent to them within retention (and what is left
of older mail), and a readable summary.
"""

from __future__ import annotations

import json
import os
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copflow.db.models import (
    Action,
    Activity,
    Attendance,
    Base,
    Cop,
    MeetingAnswer,
    MeetingSeries,
    Membership,
    Notification,
    Person,
)
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from copflow.services.privacy.scrub import Needles, mentions, tables, to_json
from copflow.services.pseudonyms import recipient_hash
from copflow.services.snapshots import get_person

# Tables read through the person's own keys below; every other table is searched for mentions.
OWN_TABLES = ("person", "membership", "attendance", "notification", "actions")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    records: dict[str, int]  # rows per table file
    mails: int  # mail sent to them with its content (within retention)


def check_target(out: Path) -> Path:
    """The zip's path: a new .zip file in a folder that exists and can be written (nothing is overwritten)."""
    if out.suffix.lower() != ".zip":
        raise InvalidInput("--out", f"{out} must name a .zip file")
    if out.exists() or out.is_symlink():
        raise InvalidInput("--out", f"{out} already exists: choose a new file name (nothing is overwritten)")
    folder = out.parent
    if not folder.exists():
        raise InvalidInput("--out", f"folder {folder} does not exist")
    if not folder.is_dir():
        raise InvalidInput("--out", f"{folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput("--out", f"cannot write in {folder} (permission denied)")
    return out


def export_person(uow: UnitOfWork, *, email: str, out: Path, now: datetime) -> ExportResult:
    """Write every record about the person to `out`, a new zip file."""
    addr = v.email(email)
    with uow:
        s = uow.session
        person = get_person(s, addr)
        target = check_target(out)
        data = _collect(s, person)
    files = {f"{name}.json": _dump(rows) for name, rows in data.items()}
    for mail in data["notification"]:
        if mail["body_text"]:
            files[f"mails/{mail['id']:06d}.txt"] = _mail_text(mail).encode("utf-8")
    files["summary.md"] = _summary(person.name, addr, data, now).encode("utf-8")
    _write_zip(target, files)
    return ExportResult(target, {name: len(rows) for name, rows in data.items()},
                        sum(1 for m in data["notification"] if m["body_text"]))


def _collect(s: Session, person: Person) -> dict[str, list[dict[str, Any]]]:
    def row(obj: Any, **extra: Any) -> dict[str, Any]:
        return to_json({c.name: getattr(obj, c.key) for c in obj.__table__.columns} | extra)  # type: ignore[no-any-return]

    memberships = s.execute(select(Membership, Cop.slug, Cop.name, Cop.stage, Cop.archive_path).join(Cop)
                            .where(Membership.person_id == person.id).order_by(Cop.slug, Membership.joined_on))
    attendance = s.execute(select(Attendance, Activity, Cop.slug).join(Activity, Activity.id == Attendance.activity_id)
                           .join(Cop, Cop.id == Activity.cop_id).where(Attendance.person_id == person.id)
                           .order_by(Activity.held_on, Activity.id))
    mails = s.scalars(select(Notification).where(
        (func.lower(Notification.recipient) == person.email.lower())
        | (Notification.recipient_hash == recipient_hash(person.email))).order_by(Notification.id))
    needles = Needles(person.email, person.name, person.email, person.name)
    # Actions they own (pointed at by id), and those that name them (who added one, notes).
    named = {r["id"] for r in mentions(s, Base.metadata.tables["actions"], needles)}
    actions = s.execute(select(Action, Cop.slug).join(Cop, Cop.id == Action.cop_id)
                        .where((Action.owner_id == person.id) | Action.id.in_(named)).order_by(Action.id))
    data: dict[str, list[dict[str, Any]]] = {
        "person": [row(person)],
        "membership": [row(m, cop=slug, cop_name=name, cop_stage=stage, cop_archive=archive)
                       for m, slug, name, stage, archive in memberships],
        "attendance": [row(a, cop=slug, activity_kind=act.kind, activity_title=act.title, held_on=act.held_on)
                       for a, act, slug in attendance],
        "notification": [row(n) for n in mails],
        "actions": [row(a, cop=slug, owner_email=a.owner.email) for a, slug in actions],
    }
    # Their answers to invitations (RSVPs), by person id: no text of theirs for `mentions` to find.
    answers = s.execute(select(MeetingAnswer, MeetingSeries.uid).join(MeetingSeries)
                        .where(MeetingAnswer.person_id == person.id).order_by(MeetingAnswer.id))
    if found := [row(a, meeting=uid) for a, uid in answers]:
        data["meeting_answer"] = found
    for table in tables():
        if table.name not in OWN_TABLES and table.name != "meeting_answer":
            found = [to_json(r) for r in mentions(s, table, needles)]
            if found:
                data[table.name] = found
    others = [to_json(r) for r in mentions(s, Base.metadata.tables["person"], needles) if r["id"] != person.id]
    if others:  # people whose line manager they are: the link is about them too
        data["person_line_manager_of"] = [{"id": o["id"], "line_manager_email": o["line_manager_email"]}
                                          for o in others]
    return data


def _dump(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps(rows, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _mail_text(mail: dict[str, Any]) -> str:
    head = [f"To: {mail['recipient_name'] or ''} <{mail['recipient']}>", f"Subject: {mail['subject']}",
            f"Queued: {mail['created_at']}", f"Sent: {mail['sent_at'] or 'not sent'} ({mail['status']})"]
    if mail["attachment_name"]:
        head.append(f"Attachment: {mail['attachment_name']} (in notification.json)")
    return "\n".join(head) + "\n\n" + str(mail["body_text"])


def _summary(name: str, addr: str, data: dict[str, list[dict[str, Any]]], now: datetime) -> str:
    p = data["person"][0]
    lines = [f"# What copflow holds about {name} <{addr}>", "", f"Exported {_when(now.isoformat())} UTC.", "",
             f"- Department: {p['department'] or 'not recorded'}",
             f"- Line manager: {p['line_manager_email'] or 'not recorded'}",
             f"- Recorded since: {_when(p['created_at'])}", "", "## Communities of Practice", ""]
    lines += [f"- {m['cop_name']} ({m['cop']}): {m['role'].replace('_', ' ')} from {m['joined_on']}"
              + (f" to {m['left_on']}" if m["left_on"] else "") for m in data["membership"]] or ["- none"]
    lines += ["", "## Attendance", ""]
    lines += [f"- {a['held_on']}: {a['activity_title']} ({a['cop']})" for a in data["attendance"]] or ["- none"]
    lines += ["", "## Actions", ""]
    lines += [f"- {a['title']} ({a['cop']}): due {a['due_on']}, {a['status']}" for a in data["actions"]] \
        or ["- none"]
    kept = [m for m in data["notification"] if m["body_text"]]
    purged = [m for m in data["notification"] if not m["body_text"]]
    lines += ["", f"## Mail to you ({len(kept)} with their content, in mails/)", ""]
    lines += [f"- {_when(m['sent_at'] or m['created_at'])}: {m['subject']} ({m['status']})" for m in kept] \
        or ["- none"]
    if purged:
        lines += ["", f"{len(purged)} older message(s) are past the retention period: only their kind, status and "
                      "times are kept (notification.json)."]
    archives = sorted({m["cop_archive"] for m in data["membership"] if m["cop_archive"]})
    if archives:
        lines += ["", "## Closure archives", "", "Communities you were in closed into these archives, kept by the "
                  "organisation (members appear there under a pseudonym unless the policy says otherwise):", ""]
        lines += [f"- {a}" for a in archives]
    other = sorted(set(data) - set(OWN_TABLES))
    if other:
        lines += ["", "## Other records that name you", ""]
        lines += [f"- {t}: {len(data[t])} row(s) in {t}.json" for t in other]
    lines += ["", "Each table's rows are in <table>.json. docs/privacy.md says what is kept, for how long, and who "
                  "can see it."]
    return "\n".join(lines) + "\n"


def _when(iso: str) -> str:
    """An ISO time as people read it: "2 March 2026 09:00"."""
    t = datetime.fromisoformat(iso)
    return f"{t.day} {t:%B %Y %H:%M}"


def _write_zip(target: Path, files: dict[str, bytes]) -> None:
    """Written under a temporary name, then linked to the target: an existing file is never replaced, and a
    failure leaves no half-written zip."""
    partial = target.with_name(f".{target.name}.partial-{uuid.uuid4().hex}")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, content in sorted(files.items()):
                zf.writestr(name, content)
        try:
            os.link(partial, target)
        except FileExistsError:
            raise InvalidInput("--out", f"{target} already exists: choose a new file name (nothing is overwritten)") \
                from None
    except OSError as exc:  # a read-only or full file system, a folder that vanished meanwhile
        raise InvalidInput("--out", f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
