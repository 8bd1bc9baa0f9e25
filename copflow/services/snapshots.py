"""Loading CoPs and building the lifecycle snapshot from the database (used by every service)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from copflow.db.models import Charter, Cop, GateEvidence, Person
from copflow.services.errors import CopClosed, NotFound
from copflow.services.evidence import charter_view, closest_slug, due_columns
from copflow.services.workdays import working_days_of
from lifecycle import (
    CopSnapshot,
    Gate,
    MemberView,
    Policy,
    Stage,
    parse_role,
)


def get_person(session: Session, email: str) -> Person:
    """The person whose address is `email` (already checked and lower-cased), or NotFound."""
    person = session.scalar(select(Person).where(Person.email == email))
    if person is None:
        raise NotFound("person", email)
    return person


def get_cop(session: Session, slug: str, for_write: bool = False) -> Cop:
    cop = session.scalars(
        select(Cop).where(Cop.slug == slug).options(selectinload(Cop.memberships))
    ).one_or_none()
    if cop is None:
        raise NotFound("CoP", slug, suggestion=closest_slug(session.connection(), slug))
    if for_write and cop.stage == Stage.CLOSED.value:
        raise CopClosed(slug, name=cop.name)
    return cop


def current_charter(session: Session, cop_id: int) -> Charter | None:
    return session.scalars(
        select(Charter).where(Charter.cop_id == cop_id).order_by(Charter.published_on.desc(), Charter.id.desc())
    ).first()


def snapshot(session: Session, cop: Cop, policy: Policy | None) -> CopSnapshot:
    """The CoP as the core sees it, with its working days from `policy` (None only where no date is read: every
    day then counts as a working day)."""
    rows = session.scalars(
        select(GateEvidence)
        .where(GateEvidence.cop_id == cop.id, GateEvidence.stage_visit == cop.stage_visit)
        .order_by(GateEvidence.id)
    )
    evidence = {Gate(r.gate): r.payload for r in rows}  # later rows win: the latest record per gate
    return _snapshot(cop, evidence, current_charter(session, cop.id), policy)


def _snapshot(cop: Cop, evidence: dict[Gate, Any], charter: Charter | None, policy: Policy | None) -> CopSnapshot:
    """As copflow.services.evidence.read_snapshot builds it through Core (tests check the two agree)."""
    members = tuple(
        MemberView(m.person.email, parse_role(m.role), m.person.department, m.person.line_manager_email)
        for m in cop.memberships
        if m.left_on is None
    )
    view = None
    if charter is not None:
        view = charter_view(charter.version, charter.published_on, charter.review_dates,
                            charter.review_cadence_months)
    snap = CopSnapshot(slug=cop.slug, stage=Stage(cop.stage), stage_entered_on=cop.stage_entered_on,
                       members=members, evidence=evidence, charter=view,
                       review_anchor_on=cop.review_anchor_on, closing_date=cop.closing_date)
    return snap if policy is None else replace(snap, is_working=working_days_of(cop, policy).is_working)


def refresh_due(session: Session, cop: Cop, today: date, policy: Policy) -> None:
    """Keep the indexed due columns current: the sweep reads only these."""
    cop.next_due_on, cop.next_due_gate, cop.next_review_on = due_columns(snapshot(session, cop, policy), today, policy)


def load_batch(session: Session, cop_ids: Iterable[int], policy: Policy) -> list[tuple[Cop, CopSnapshot]]:
    """CoPs and their snapshots in three queries for the whole batch, not three per CoP."""
    ids = list(cop_ids)
    cops = list(session.scalars(select(Cop).where(Cop.id.in_(ids)).order_by(Cop.id)
                                .options(selectinload(Cop.memberships))))
    visits = {c.id: c.stage_visit for c in cops}
    evidence: dict[int, dict[Gate, Any]] = {c.id: {} for c in cops}
    for r in session.scalars(select(GateEvidence).where(GateEvidence.cop_id.in_(ids))
                             .order_by(GateEvidence.id)):
        if r.stage_visit == visits[r.cop_id]:
            evidence[r.cop_id][Gate(r.gate)] = r.payload
    charters: dict[int, Charter] = {}
    for ch in session.scalars(select(Charter).where(Charter.cop_id.in_(ids))
                              .order_by(Charter.published_on, Charter.id)):
        charters[ch.cop_id] = ch  # ordered ascending: the last one seen is the current charter
    return [(c, _snapshot(c, evidence[c.id], charters.get(c.id), policy)) for c in cops]
