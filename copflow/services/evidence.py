"""Recording a gate's evidence without moving the CoP — `copflow gate record`, the command people run most — in one
transaction through SQLAlchemy Core (copflow/db/tables.py), so the command loads neither the ORM nor the models
(docs/benchmarks.md). It is the transition path's own fast helper (copflow/services/transitions.py): the same
checks (`checked_evidence`, which the path calls too), the same row and the same optimistic lock: the CoP's
`version` moves on whenever its due columns change, so a concurrent advance ends in one clear error. Nothing
else inserts gate evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from copflow.db.tables import CHARTER, COP, GATE_EVIDENCE, MEMBERSHIP, PERSON
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import cop_date, local_date
from copflow.services.errors import THE_COP, ConcurrentChange, CopClosed, InvalidInput, NotFound
from copflow.services.workdays import organisation_working_days
from lifecycle import (
    CharterView,
    CopSnapshot,
    Gate,
    MemberView,
    Policy,
    Stage,
    Unmet,
    check_recordable,
    due_gates,
    next_review_on,
    parse_gate,
    parse_role,
    validate_evidence,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def record_evidence(uow: UnitOfWork, *, slug: str, gate: str, payload: dict[str, Any], by: str,
                    now: datetime, policy: Policy) -> dict[str, Any]:
    """Validate and store evidence for an open gate of the CoP's current stage; returns the stored payload."""
    g = parse_gate(gate)
    who = v.clean_text("recorded by", by, max_len=320)
    today = local_date(now, policy)
    try:
        with uow.writing() as conn:
            cop = conn.execute(select(COP).where(COP.c.slug == slug)).one_or_none()
            if cop is None:
                raise NotFound("CoP", slug, suggestion=closest_slug(conn, slug))
            if cop.stage == Stage.CLOSED.value:
                raise CopClosed(slug, name=cop.name)
            snap = read_snapshot(conn, cop, policy)
            clean = checked_evidence(conn, snap, cop.id, cop.timezone, g, payload, now=now, cop_name=cop.name)
            conn.execute(insert(GATE_EVIDENCE).values(
                cop_id=cop.id, stage=cop.stage, stage_visit=cop.stage_visit, gate=g.value, payload=clean,
                recorded_by=who, recorded_at=now))
            due = due_columns(replace(snap, evidence={**snap.evidence, g: clean}), today, policy)
            if due != (cop.next_due_on, cop.next_due_gate, cop.next_review_on):
                moved = conn.execute(update(COP).where(COP.c.id == cop.id, COP.c.version == cop.version).values(
                    next_due_on=due[0], next_due_gate=due[1], next_review_on=due[2], version=cop.version + 1))
                if moved.rowcount != 1:  # someone else changed the CoP since we read it
                    raise ConcurrentChange(slug)
    except IntegrityError:
        raise ConcurrentChange(slug) from None
    return clean


def checked_evidence(db: Connection | Session, snap: CopSnapshot, cop_id: int, zone: str, g: Gate,
                     payload: dict[str, Any], *, now: datetime, cop_name: str | None = None) -> dict[str, Any]:
    """The evidence as it may be stored, or the refusal: the gate open in the CoP's stage (and after its
    prerequisite), every field well-formed, a charter's version new. Dates people enter are checked against the
    CoP's own date (Sydney is a day ahead of London)."""
    check_recordable(snap, g)
    clean = validate_evidence(g, payload, cop_date(now, zone))
    if g is Gate.CHARTER_PUBLISHED and clean.get("version"):
        taken = db.scalar(select(CHARTER.c.id).where(CHARTER.c.cop_id == cop_id, CHARTER.c.version == clean["version"]))
        if taken is not None:
            raise charter_version_taken(snap.slug, clean["version"], cop_name)
    return clean


def checked_whole(db: Connection | Session, snap: CopSnapshot, cop_id: int, zone: str, g: Gate,
                  payload: dict[str, Any], *, now: datetime, today: date, policy: Policy,
                  cop_name: str | None = None) -> dict[str, Any]:
    """A form's evidence: `checked_evidence`, and every field the gate needs filled in, or the refusal naming every
    problem in one pass (each malformed field, each empty required field, each rule the gate's own fields break),
    so a form is recorded whole or not at all. What lies beyond the form (another gate, the roster) is left to the
    gate check after it is recorded."""
    from lifecycle import EVIDENCE_FIELDS, InvalidEvidence, check_gate

    fields = {f.name for f in EVIDENCE_FIELDS[g]}
    try:
        clean = checked_evidence(db, snap, cop_id, zone, g, payload, now=now, cop_name=cop_name)
        malformed: list[Unmet] = []
    except InvalidEvidence as exc:
        clean, malformed = {k: val for k, val in payload.items() if k in fields}, list(exc.problems)
    named = {u.field for u in malformed}
    unmet, _ = check_gate(g, replace(snap, evidence={**snap.evidence, g: clean}), today, policy)
    # Beside the form's fields, once per field: a malformed field is not also said to be missing.
    beside = [u for u in unmet if u.field in fields and u.field not in named]
    if malformed or beside:
        raise InvalidEvidence(g.value, [*malformed, *beside])
    return clean


class CopRow(Protocol):
    """What a snapshot needs of a CoP: a Core row of copflow.db.tables.COP."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def stage_visit(self) -> int: ...
    @property
    def stage_entered_on(self) -> date: ...
    @property
    def review_anchor_on(self) -> date | None: ...
    @property
    def closing_date(self) -> date | None: ...
    @property
    def public_holidays(self) -> str | None: ...


def read_snapshot(conn: Connection, cop: CopRow, policy: Policy) -> CopSnapshot:
    """The CoP as the lifecycle core sees it, in three queries: roster, this visit's evidence, the charter; with its
    working days (the CoP's public holidays, else the policy's)."""
    members = tuple(
        MemberView(r.email, parse_role(r.role), r.department, r.line_manager_email)
        for r in conn.execute(
            select(PERSON.c.email, MEMBERSHIP.c.role, PERSON.c.department, PERSON.c.line_manager_email)
            .join(PERSON, PERSON.c.id == MEMBERSHIP.c.person_id)
            .where(MEMBERSHIP.c.cop_id == cop.id, MEMBERSHIP.c.left_on.is_(None))
            .order_by(MEMBERSHIP.c.id)))
    evidence = {Gate(r.gate): r.payload for r in conn.execute(  # later rows win: the latest record per gate
        select(GATE_EVIDENCE.c.gate, GATE_EVIDENCE.c.payload)
        .where(GATE_EVIDENCE.c.cop_id == cop.id, GATE_EVIDENCE.c.stage_visit == cop.stage_visit)
        .order_by(GATE_EVIDENCE.c.id))}
    charter = conn.execute(
        select(CHARTER.c.version, CHARTER.c.published_on, CHARTER.c.review_dates, CHARTER.c.review_cadence_months)
        .where(CHARTER.c.cop_id == cop.id).order_by(CHARTER.c.published_on.desc(), CHARTER.c.id.desc())
        .limit(1)).one_or_none()
    view = None if charter is None else charter_view(charter.version, charter.published_on, charter.review_dates,
                                                      charter.review_cadence_months)
    return CopSnapshot(slug=cop.slug, stage=Stage(cop.stage), stage_entered_on=cop.stage_entered_on,
                       members=members, evidence=evidence, charter=view,
                       review_anchor_on=cop.review_anchor_on, closing_date=cop.closing_date,
                       is_working=organisation_working_days(policy, cop.public_holidays).is_working)


def charter_view(version: str, published_on: date, review_dates: list[Any], cadence: int | None) -> CharterView:
    return CharterView(version, published_on, tuple(date.fromisoformat(d) for d in review_dates), cadence)


def due_columns(snap: CopSnapshot, today: date, policy: Policy) -> tuple[date | None, str | None, date | None]:
    """The indexed columns the sweep reads: the earliest open gate's date and name, and the next review."""
    due = due_gates(snap, today, policy)
    return (due[0].due_on if due else None, due[0].gate.value if due else None,
            next_review_on(snap, policy) if snap.stage is Stage.ACTIVE else None)


def charter_version_taken(slug: str, version: str, name: str | None = None) -> InvalidInput:
    return InvalidInput("version", f"charter version {version!r} of {THE_COP} is already published; "
                                   "give the new charter a new version", cop=slug, cop_name=name, value=version)


def closest_slug(conn: Connection, slug: str) -> str | None:
    """The CoP slug a mistyped one most likely meant, for "did you mean": read only when a slug is not found, from
    the slugs of a similar length (at most a few thousand), compared by difflib."""
    import difflib

    near = conn.scalars(select(COP.c.slug).where(func.length(COP.c.slug).between(len(slug) - 3, len(slug) + 3))
                        .limit(5000)).all()
    found = difflib.get_close_matches(slug, near, n=1, cutoff=0.75)
    return found[0] if found else None
