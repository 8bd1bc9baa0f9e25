"""Import activity and output logs, and attendance logs (one row per person per event)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from copflow.db.models import Activity, Attendance, Cop
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.imports.common import ImportResult, Lookup, checked, finish, valid
from copflow.services.imports.reader import Progress, Row, Table, read_table
from lifecycle import Policy
from lifecycle.practice import EVENT_KINDS, ActivityKind, parse_kind

ALIASES = {"community": "cop", "cop_slug": "cop", "type": "kind", "activity": "kind", "output": "kind",
           "name": "title", "event": "title", "event_name": "title", "event_title": "title", "held_on": "date",
           "event_date": "date", "url": "link", "email_address": "email", "attendee": "email",
           "attendee_email": "email", "description": "notes"}

ActivityKey = tuple[int, str, date, str]


def _common(row: Row, look: Lookup, today: date, default_kind: str | None) -> tuple[Cop, ActivityKey] | None:
    cop = look.cop(row, "cop", row.text("cop", required=True))
    raw_kind = row.text("kind", required=default_kind is None) or default_kind
    kind = checked(row, "kind", parse_kind, raw_kind) if raw_kind else None
    title = valid(row, "title", v.clean_text, "title")
    earliest = cop.created_at.date() if cop else None
    held = row.day("date", latest=today, earliest=earliest)
    if cop is None or kind is None or title is None or held is None:
        return None
    return cop, (cop.id, kind.value, held, title)


def _existing(look: Lookup, cop_ids: set[int]) -> dict[ActivityKey, int]:
    rows = look.s.execute(select(Activity.cop_id, Activity.kind, Activity.held_on, Activity.title, Activity.id)
                          .where(Activity.cop_id.in_(cop_ids)))
    return {(c, k, h, t): i for c, k, h, t, i in rows}


Parsed = list[tuple[Row, tuple[Cop, ActivityKey] | None]]


def _parse(look: Lookup, table: Table, today: date, default_kind: str | None) -> tuple[Parsed, dict[ActivityKey, int]]:
    """Every row's CoP and activity key (None when the row has problems), and the activities already recorded."""
    parsed = [(row, _common(row, look, today, default_kind)) for row in table.rows]
    return parsed, _existing(look, {p[1][0] for _, p in parsed if p})


def import_activities(uow: UnitOfWork, path: Path, *, by: str, now: datetime, policy: Policy,
                      dry_run: bool = False, progress: Progress | None = None,
                      skip_existing: bool = False) -> ImportResult:
    """Columns: cop, kind, title, date; optional link, notes. An activity already recorded (same CoP, kind,
    date and title) is an error, or with `skip_existing` is passed over: a log kept all year can be imported
    again and again."""
    who = v.email(by, "recorded by")
    table = read_table(path, aliases=ALIASES, progress=progress)
    table.require("cop", "kind", "title", "date")
    today = local_date(now, policy)
    result = ImportResult("activities", table.path, len(table.rows), dry_run)
    with uow:
        s = uow.session
        look = Lookup(s)
        parsed, existing = _parse(look, table, today, None)
        seen: dict[ActivityKey, int] = {}
        for row, p in parsed:
            if p is None:
                continue
            key = p[1]
            if key in seen:
                row.problem("title", f"duplicate of row {seen[key]}")
            elif key in existing and skip_existing:
                seen[key] = row.number
                result.skipped += 1
                continue
            elif key in existing:
                row.problem("title", f"already recorded ({key[1]} on {key[2]}; --skip-existing passes over these)")
            seen.setdefault(key, row.number)
            raw_link, notes = row.text("link", limit=2000), row.text("notes", limit=2000)
            link = checked(row, "link", v.link, "link", raw_link) if raw_link else None
            if not row.problems:
                s.add(Activity(cop_id=key[0], kind=key[1], held_on=key[2], title=key[3], link=link, notes=notes,
                               recorded_by=who, created_at=now))
                result.add("activities added")
        finish(table, table.rows, uow.commit, dry_run)
    return result


def import_attendance(uow: UnitOfWork, path: Path, *, by: str, now: datetime, policy: Policy,
                      dry_run: bool = False, progress: Progress | None = None,
                      skip_existing: bool = False) -> ImportResult:
    """Columns: cop, title, date, email; optional kind (default: event). Events are created as needed;
    the people must be known (import them first). An attendance already recorded is an error, or with
    `skip_existing` is passed over (an attendance sheet appended to all year, imported each month)."""
    who = v.email(by, "recorded by")
    table = read_table(path, aliases=ALIASES, progress=progress)
    table.require("cop", "title", "date", "email")
    today = local_date(now, policy)
    result = ImportResult("attendance", table.path, len(table.rows), dry_run)
    with uow:
        s = uow.session
        look = Lookup(s)
        parsed, existing = _parse(look, table, today, ActivityKind.EVENT.value)
        people = look.people()
        present = {(a, p) for a, p in s.execute(
            select(Attendance.activity_id, Attendance.person_id)
            .where(Attendance.activity_id.in_(set(existing.values()))))} if existing else set()
        seen: dict[tuple[ActivityKey, int], int] = {}
        new_activities: dict[ActivityKey, Activity] = {}
        pending: list[tuple[ActivityKey, int]] = []
        for row, p in parsed:
            addr = valid(row, "email", v.email)
            pid = people.get(addr) if addr else None
            if addr and pid is None:
                row.problem("email", f"unknown person {addr}; import people first")
            if p is None or pid is None:
                continue
            key = p[1]
            if key[1] not in {k.value for k in EVENT_KINDS}:
                row.problem("kind", f"a {key[1]} is an output: it has no attendance")
                continue
            if (key, pid) in seen:
                row.problem("email", f"duplicate of row {seen[(key, pid)]}")
                continue
            seen[(key, pid)] = row.number
            if key in existing and (existing[key], pid) in present:
                if skip_existing:
                    result.skipped += 1
                else:
                    row.problem("email", f"already recorded as attending {key[3]!r} on {key[2]} "
                                         "(--skip-existing passes over these)")
                continue
            if key not in existing and key not in new_activities:
                new_activities[key] = Activity(cop_id=key[0], kind=key[1], held_on=key[2], title=key[3],
                                               recorded_by=who, created_at=now)
            pending.append((key, pid))

        def commit() -> None:
            s.add_all(new_activities.values())
            s.flush()
            ids = {**existing, **{k: a.id for k, a in new_activities.items()}}
            s.add_all(Attendance(activity_id=ids[k], person_id=pid) for k, pid in pending)
            uow.commit()

        result.add("events added", len(new_activities))
        result.add("attendances added", len(pending))
        finish(table, table.rows, commit, dry_run)
    return result
