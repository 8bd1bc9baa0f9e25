"""Use cases for CoPs: propose, show, list."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from copflow.db.models import Cop, CopChannel, GateEvidence, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.errors import AlreadyExists
from copflow.services.snapshots import current_charter, get_cop, refresh_due, snapshot
from lifecycle import Policy, Stage, ways_out


@dataclass(frozen=True)
class CopSummary:
    slug: str
    name: str
    stage: str
    timezone: str
    next_due_gate: str | None
    next_due_on: str | None
    next_review_on: str | None


@dataclass(frozen=True)
class MemberEntry:
    email: str
    name: str
    role: str
    department: str | None
    joined_on: str
    left_on: str | None = None
    # The remote server's reply, when mail to the address bounced for good (read back from the programme's mailbox).
    bounces: str | None = None


@dataclass(frozen=True)
class WayOut:
    """One transition out of the current stage: what still blocks it (`unmet`) and what only warns."""

    trigger: str
    to: str
    unmet: list[str]
    warnings: list[str]


@dataclass(frozen=True)
class CharterEntry:
    version: str
    purpose: str
    aims: list[str]
    annual_targets: list[str]
    review_dates: list[str]
    link: str
    published_on: str


@dataclass(frozen=True)
class EvidenceEntry:
    gate: str
    stage: str
    recorded_by: str
    recorded_at: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class TransitionEntry:
    from_stage: str
    to: str
    trigger: str
    at: str
    by: str
    reason: str | None


@dataclass(frozen=True)
class CopDetail(CopSummary):
    """Everything `copflow cop show` prints about one CoP."""

    domain: str | None
    members: list[MemberEntry]
    former_members: list[MemberEntry]
    ways_out: list[WayOut]
    charter: CharterEntry | None
    evidence: list[EvidenceEntry]
    transitions: list[TransitionEntry]
    channel: str | None = None  # its chat channel as people see it (the service and a fingerprint; never the address)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `copflow cop show --json` (a transition's source stage under the key "from")."""
        out = asdict(self)
        for m in out["members"]:
            del m["left_on"]
            if m["bounces"] is None:
                del m["bounces"]
        for m in out["former_members"]:
            del m["department"], m["bounces"]
        out["transitions"] = [{"from": t.pop("from_stage"), **t} for t in out["transitions"]]
        return out


def propose_cop(uow: UnitOfWork, *, slug: str, name: str, now: datetime, policy: Policy,
                timezone: str | None = None, domain: str | None = None, place: str | None = None) -> CopSummary:
    s = v.slug(slug)
    cop = Cop(slug=s, name=v.clean_name("name", name), timezone=v.timezone(timezone or policy.timezone),
              meeting_place=v.place("place", place) or None if place else None,
              domain=domain.strip() if domain else None, stage=Stage.FORMING.value,
              stage_entered_on=local_date(now, policy), stage_visit=1, created_at=now)
    with uow:
        if uow.session.scalar(select(Cop.id).where(Cop.slug == s)) is not None:
            raise AlreadyExists("CoP", s)
        uow.session.add(cop)
        try:
            uow.session.flush()
        except IntegrityError:  # a concurrent create of the same slug won the race
            raise AlreadyExists("CoP", s) from None
        refresh_due(uow.session, cop, local_date(now, policy), policy)
        uow.commit()
        return _summary(cop)


def list_cops(uow: UnitOfWork, stage: Stage | None = None) -> list[CopSummary]:
    with uow:
        q = select(Cop).order_by(Cop.slug)
        if stage is not None:
            q = q.where(Cop.stage == stage.value)
        return [_summary(c) for c in uow.session.scalars(q)]


def show_cop(uow: UnitOfWork, slug: str, now: datetime, policy: Policy) -> CopDetail:
    """Everything an OD manager asks about one CoP: roster, evidence, what blocks it, its history."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        snap = snapshot(s, cop, policy)
        today = local_date(now, policy)
        ways = [WayOut(t.trigger, t.target.value, [u.message for u in unmet], [w.message for w in warn])
                for t, unmet, warn in ways_out(snap, today, policy)]
        charter = current_charter(s, cop.id)
        history = s.scalars(select(TransitionRecord).where(TransitionRecord.cop_id == cop.id)
                            .order_by(TransitionRecord.id))
        evidence = s.scalars(select(GateEvidence).where(GateEvidence.cop_id == cop.id)
                             .order_by(GateEvidence.id))
        return CopDetail(
            **_summary(cop).__dict__,
            domain=cop.domain,
            members=[MemberEntry(m.person.email, m.person.name, m.role, m.person.department,
                                 m.joined_on.isoformat(), bounces=m.person.undeliverable_reason
                                 if m.person.undeliverable_at else None)
                     for m in cop.memberships if m.left_on is None],
            former_members=[MemberEntry(m.person.email, m.person.name, m.role, m.person.department,
                                        m.joined_on.isoformat(), m.left_on.isoformat())
                            for m in cop.memberships if m.left_on is not None],
            ways_out=ways,
            charter=None if charter is None else CharterEntry(
                charter.version, charter.purpose, charter.aims, charter.annual_targets, charter.review_dates,
                charter.link, charter.published_on.isoformat()),
            evidence=[EvidenceEntry(e.gate, e.stage, e.recorded_by, e.recorded_at.isoformat(), e.payload)
                      for e in evidence],
            transitions=[TransitionEntry(t.from_stage, t.to_stage, t.trigger, t.at.isoformat(), t.by, t.reason)
                         for t in history],
            channel=channel.shown if (channel := s.get(CopChannel, cop.id)) is not None else None,
        )


def _summary(cop: Cop) -> CopSummary:
    return CopSummary(cop.slug, cop.name, cop.stage, cop.timezone, cop.next_due_gate,
                      cop.next_due_on.isoformat() if cop.next_due_on else None,
                      cop.next_review_on.isoformat() if cop.next_review_on else None)
