"""Import people (an HR or membership extract): add new people, update changed ones, add memberships."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from copflow.db.models import Membership, Person
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.imports.common import ImportResult, Lookup, checked, finish, valid
from copflow.services.imports.reader import Progress, Row, read_table
from copflow.services.snapshots import refresh_due
from lifecycle import Policy, parse_role

ALIASES = {"email_address": "email", "e_mail": "email", "work_email": "email", "full_name": "name",
           "dept": "department", "line_manager_email": "line_manager", "manager": "line_manager",
           "manager_email": "line_manager", "community": "cop", "cop_slug": "cop", "joined": "joined_on",
           "start_date": "joined_on"}


def import_people(uow: UnitOfWork, path: Path, *, now: datetime, policy: Policy, dry_run: bool = False,
                  progress: Progress | None = None) -> ImportResult:
    """Columns: email, name; optional department, line_manager, and cop + role to add a membership."""
    table = read_table(path, aliases=ALIASES, progress=progress)
    table.require("email", "name")
    today = local_date(now, policy)
    result = ImportResult("people", table.path, len(table.rows), dry_run)
    with uow:
        s = uow.session
        look = Lookup(s)
        existing = {p.email: p for p in s.scalars(select(Person))}
        seen: dict[tuple[str, str | None, str | None], int] = {}
        first_row: dict[str, Row] = {}
        touched_cops = set()
        for row in table.rows:
            addr = valid(row, "email", v.email)
            name = valid(row, "name", v.clean_name, "name")
            dept = row.text("department", limit=200)
            raw_manager = row.text("line_manager")
            manager = checked(row, "line_manager", v.email, raw_manager, "line manager") if raw_manager else None
            slug, raw_role = row.text("cop"), row.text("role")
            parsed_role = checked(row, "role", parse_role, raw_role) if raw_role else None
            role = parsed_role.value if parsed_role else None
            if raw_role and not slug:
                row.problem("cop", "a role needs the CoP it is held in")
            cop = look.cop(row, "cop", slug)
            joined = row.day("joined_on", required=False, latest=today) or today
            if addr is None or name is None:
                continue
            key = (addr, slug, role)
            if key in seen:
                row.problem("email", f"duplicate of row {seen[key]}")
                continue
            seen[key] = row.number
            earlier = first_row.setdefault(addr, row)
            if earlier is not row and (earlier.text("name"), earlier.text("department")) != (name, dept):
                row.problem("name", f"differs from row {earlier.number} for the same person")
                continue
            if row.problems:
                continue
            person = existing.get(addr)
            if person is None:
                person = Person(email=addr, name=name, department=dept, line_manager_email=manager, created_at=now)
                s.add(person)
                existing[addr] = person
                result.add("people added")
            elif earlier is row and (person.name, person.department, person.line_manager_email) != (
                    name, dept or person.department, manager or person.line_manager_email):
                person.name = name
                person.department = dept or person.department
                person.line_manager_email = manager or person.line_manager_email
                result.add("people updated")
            if cop is not None and role is not None:
                s.flush()
                if any(m.person_id == person.id and m.role == role and m.left_on is None for m in cop.memberships):
                    continue
                cop.memberships.append(Membership(person_id=person.id, role=role, joined_on=joined))
                touched_cops.add(cop)
                result.add("memberships added")

        def commit() -> None:
            from copflow.services.mail.outbox import call_newcomers_to_the_review
            from copflow.services.people.roster import sync_invitations

            s.flush()
            for c in touched_cops:
                s.refresh(c)
                changed = sync_invitations(s, c, now=now, policy=policy)
                if changed:
                    result.add("meetings with new invitees", len(changed))
                asked = call_newcomers_to_the_review(s, c, now=now, policy=policy)
                if asked:
                    result.add("newcomers asked to answer the open review's survey", asked)
                refresh_due(s, c, today, policy)
            uow.commit()

        finish(table, table.rows, commit, dry_run)
    return result
