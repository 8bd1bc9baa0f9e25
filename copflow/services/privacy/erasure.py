"""`copflow person erase`: a person's identifying data replaced everywhere by a stable pseudonym, in one
transaction, with an audit row that says an erasure happened, by whom and when, and nothing of what was erased.

The person's rows stay (memberships, attendance, evidence), under the pseudonym, so a CoP's gates and its review
metrics keep their counts. Mail to the person is withdrawn and its content removed; nothing is ever queued to a
pseudonymous address (copflow.services.mail.outbox.enqueue). Files written earlier (closure archives, report files)
cannot be changed from here: they are listed for the organisation to handle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from copflow.db.models import Cop, ErasureRecord, Membership, Notification, Person
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from copflow.services.privacy.retention import purged_values
from copflow.services.privacy.scrub import Needles, replace_everywhere
from copflow.services.pseudonyms import (
    is_erased,
    pseudonym,
    pseudonym_email,
    pseudonym_name,
    recipient_hash,
)
from copflow.services.snapshots import get_person
from lifecycle import Policy, Stage
from lifecycle.audiences import LEAD_ROLES

ORGANISING_ROLES = tuple(sorted(r.value for r in LEAD_ROLES))  # lifecycle/audiences.py


@dataclass(frozen=True)
class ErasureReport:
    pseudonym: str
    rows_changed: dict[str, int]  # per table
    mail_withdrawn: int  # queued or parked mail to the person, never to be sent
    files_to_handle: list[str]  # archives and reports written earlier that may hold the person's data
    meetings: list[str]  # what changed in calendars: series handed to another organiser, the person taken off
    done: bool  # False for a dry run (nothing written)


def erase_person(uow: UnitOfWork, *, email: str, by: str, now: datetime, policy: Policy,
                 reports_dir: Path | None = None, dry_run: bool = False) -> ErasureReport:
    """Replace the person's address and name in every table by their pseudonym, in one transaction. Refused,
    with nothing written, while they are the only coordinator or lead of an open CoP."""
    addr = v.email(email)
    with uow:
        s = uow.session
        _exclude_writers(s)
        person = get_person(s, addr)
        _refuse_if_only_organiser(s, person)
        pid, name = person.id, person.name
        needles = Needles(addr, name, pseudonym_email(pid), pseudonym_name(pid))
        files = _files_to_handle(s, person, needles, reports_dir)
        meetings = _hand_over_meetings(s, person, now=now, policy=policy)
        withdrawn = _withdraw_mail(s, addr, pid, now)
        s.expunge_all()  # the rows change under the ORM from here on
        changed = replace_everywhere(s, needles)
        s.add(ErasureRecord(pseudonym=pseudonym(pid), erased_by=pseudonym_email(pid) if by.lower() == addr else by,
                            erased_at=now, rows_changed=changed, files_to_handle=files))
        if dry_run:
            uow.rollback()
        else:
            uow.commit()
    return ErasureReport(pseudonym(pid), changed, withdrawn, files, meetings, done=not dry_run)


def _exclude_writers(s: Session) -> None:
    """No transaction may queue mail from an address it read before the erasure and insert after it. SQLite
    already runs one writer at a time (BEGIN IMMEDIATE). On PostgreSQL the person table is locked for the
    erasure's few seconds: a transaction that has read people (a sweep about to queue reminders) finishes first,
    and one that starts meanwhile reads people only after the commit, under the pseudonym."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET LOCAL lock_timeout = '60s'"))
        s.execute(text("LOCK TABLE person IN ACCESS EXCLUSIVE MODE"))


def _refuse_if_only_organiser(s: Session, person: Person) -> None:
    # An erased coordinator or lead stays on the roster under a pseudonym but can no longer be written to: only
    # people who can still be reached count as another organiser.
    organised = list(s.scalars(select(Cop).join(Membership).where(
        Membership.person_id == person.id, Membership.left_on.is_(None), Membership.role.in_(ORGANISING_ROLES),
        Cop.stage != Stage.CLOSED.value).distinct().order_by(Cop.slug)))
    alone = [c.slug for c in organised
             if not any(m.left_on is None and m.role in ORGANISING_ROLES and m.person_id != person.id
                        and not is_erased(m.person.email) for m in c.memberships)]
    if alone:
        where = alone[0] if len(alone) == 1 else "SLUG"
        raise InvalidInput("email", f"{person.email} is the only coordinator or lead of {', '.join(alone)}: "
                                    "appoint another coordinator or lead there first "
                                    f"(copflow member add {where} EMAIL --role lead); nothing was erased",
                           cop=alone[0], value=person.email)


def _hand_over_meetings(s: Session, person: Person, *, now: datetime, policy: Policy) -> list[str]:
    """The person's row takes its pseudonymous address first, which makes them unreachable; then each open CoP's
    live meetings follow the roster as they do for a leaver: a series they organised is cancelled and sent again
    by another coordinator or lead, and they are taken off the others (the copies addressed to them are withdrawn
    with the rest of their mail)."""
    from copflow.services.people.roster import sync_invitations

    cops = list(s.scalars(select(Cop).join(Membership).where(
        Membership.person_id == person.id, Membership.left_on.is_(None), Cop.stage != Stage.CLOSED.value)
        .distinct().order_by(Cop.slug)))
    person.email = pseudonym_email(person.id)
    s.flush()
    changes = [f"{cop.slug}: {line}" for cop in cops for line in sync_invitations(s, cop, now=now, policy=policy)]
    s.flush()
    return changes


def _withdraw_mail(s: Session, addr: str, pid: int, now: datetime) -> int:
    """Mail to the person: unsent mail is withdrawn, and every message's content goes (as a purge would take it);
    purged mail's recipient hash becomes the pseudonym's."""
    rows = s.execute(select(Notification.id, Notification.status)
                     .where(func.lower(Notification.recipient) == addr.lower())).all()
    withdrawn = 0
    for nid, status in rows:
        values = purged_values(pseudonym_email(pid), now) | {"recipient": pseudonym_email(pid)}
        if status != "sent":
            values["status"] = "withdrawn"
            withdrawn += 1
        s.execute(update(Notification).where(Notification.id == nid).values(**values))
    s.execute(update(Notification).where(Notification.recipient_hash == recipient_hash(addr))
              .values(recipient_hash=recipient_hash(pseudonym_email(pid))))
    # A join request's mail to the leads answers the person who asked: their address goes from its Reply-To.
    s.execute(update(Notification).where(func.lower(Notification.reply_to).contains(addr.lower(), autoescape=True))
              .values(reply_to=None))
    return withdrawn


def _files_to_handle(s: Session, person: Person, needles: Needles, reports_dir: Path | None) -> list[str]:
    """Closure archives of CoPs the person was ever in (their roster names them, by a hash of their address when
    pseudonymised) or that mention them, and report files that mention them."""
    member_of = set(s.scalars(select(Membership.cop_id).where(Membership.person_id == person.id)))
    files: list[str] = []
    for cop_id, path in s.execute(select(Cop.id, Cop.archive_path).where(Cop.archive_path.is_not(None))
                                  .order_by(Cop.slug)):
        if path and (cop_id in member_of or _archive_mentions(Path(path), needles)):
            files.append(path)
    if reports_dir is not None and reports_dir.is_dir():
        for report in sorted(reports_dir.rglob("*")):
            if report.is_file() and report.suffix in (".md", ".html", ".txt", ".csv", ".json") and \
                    needles.found_in(report.read_text(encoding="utf-8", errors="replace")):
                files.append(str(report))
    return files


def _archive_mentions(path: Path, needles: Needles) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return any(needles.found_in(zf.read(n).decode("utf-8", errors="replace")) for n in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def erasures(uow: UnitOfWork) -> list[dict[str, object]]:
    """The audit trail of erasures, oldest first."""
    with uow:
        return [{"pseudonym": e.pseudonym, "erased_by": e.erased_by, "erased_at": e.erased_at,
                 "rows_changed": e.rows_changed, "files_to_handle": e.files_to_handle}
                for e in uow.session.scalars(select(ErasureRecord).order_by(ErasureRecord.id))]
