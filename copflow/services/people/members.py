"""Use cases for people and memberships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from copflow.db.models import Membership, Person
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.errors import THE_COP, AlreadyExists, NotFound
from copflow.services.mail.outbox import call_newcomers_to_the_review
from copflow.services.people.audit import record_refusal
from copflow.services.snapshots import get_cop, refresh_due
from lifecycle import Policy, grants, parse_role
from lifecycle.grants import Acting, RoleNotYours, RosterChange


@dataclass(frozen=True)
class PersonSummary:
    email: str
    name: str
    department: str | None
    line_manager: str | None


def add_person(uow: UnitOfWork, *, email: str, name: str, now: datetime, department: str | None = None,
               line_manager: str | None = None, update: bool = False) -> PersonSummary:
    """Add a person (or, with update=True, change an existing one's name, department or manager)."""
    addr = v.email(email)
    clean_name = v.clean_name("name", name)
    dept = v.clean_text("department", department, required=False) if department else None
    manager = v.email(line_manager, "line manager") if line_manager else None
    with uow:
        person = uow.session.scalar(select(Person).where(Person.email == addr))
        if person is not None and not update:
            raise AlreadyExists("person", addr)
        if person is None:
            person = Person(email=addr, name=clean_name, department=dept, line_manager_email=manager,
                            created_at=now)
            uow.session.add(person)
        else:
            person.name, person.department, person.line_manager_email = clean_name, dept, manager
        try:
            uow.session.flush()
        except IntegrityError:
            raise AlreadyExists("person", addr) from None
        uow.commit()
        return PersonSummary(person.email, person.name, person.department, person.line_manager_email)


def add_member(uow: UnitOfWork, *, slug: str, email: str, role: str, now: datetime, policy: Policy,
               acting: Acting, name: str | None = None) -> list[str]:
    """Give a person a role in a CoP, and invite them to the live meetings that role attends (what changed in
    the calendars, one line each). With `name`, a newcomer is added as a person in the same transaction, so a
    refused membership leaves no person behind (the web's roster form). Only roles `acting` may grant
    (`lifecycle.grants`); a refusal is audited."""
    from copflow.services.people.roster import sync_invitations

    r = parse_role(role)
    addr = v.email(email)
    clean_name = v.clean_name("name", name) if name and name.strip() else None
    with uow:
        try:
            grants.check(acting.actor, RosterChange.GRANT, {r}, cop=slug)
        except RoleNotYours as exc:
            record_refusal(uow, exc, by=acting.by, subject=addr, now=now)
            raise
        cop = get_cop(uow.session, slug, for_write=True)
        person = uow.session.scalar(select(Person).where(Person.email == addr))
        if person is None and clean_name is not None:
            person = Person(email=addr, name=clean_name, created_at=now)
            uow.session.add(person)
            uow.session.flush()
        if person is None:
            raise NotFound("person", addr)
        if any(m.person_id == person.id and m.role == r.value and m.left_on is None for m in cop.memberships):
            raise AlreadyExists(f"{r.value} of {THE_COP}", addr, cop=cop.slug, cop_name=cop.name)
        cop.memberships.append(Membership(person_id=person.id, role=r.value, joined_on=local_date(now, policy)))
        uow.session.flush()
        uow.session.refresh(cop)
        changes = sync_invitations(uow.session, cop, now=now, policy=policy)
        call_newcomers_to_the_review(uow.session, cop, now=now, policy=policy)
        refresh_due(uow.session, cop, local_date(now, policy), policy)
        try:
            uow.commit()
        except IntegrityError:
            raise AlreadyExists(f"{r.value} of {THE_COP}", addr, cop=slug, cop_name=cop.name) from None
        return changes
