"""What a lead sees and does through a signed link: the evidence form of one gate, and the CoP's own page.

Nothing here decides a rule: evidence goes through the one transition path (copflow/services/transitions.py:
recorded, and the CoP moved on when its gates are met, in one transaction), the roster through add_member /
end_membership, and every requirement shown beside a field comes from the lifecycle's own checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, CopChannel, GateEvidence, Link, MeetingSeries, Person
from copflow.db.uow import UnitOfWork
from copflow.services.clock import local_date
from copflow.services.errors import CopflowError
from copflow.services.links.signed import DECISION_GATES, Grant, LinkNotFound, mail_link, token_hash
from copflow.services.meetings.answers import answers_for
from copflow.services.meetings.attendance import to_confirm
from copflow.services.meetings.kinds import join_link, place_words
from copflow.services.snapshots import current_charter, get_cop, snapshot
from copflow.services.transitions import AdvanceResult, Change, changing
from copflow.web.views.naming import named
from lifecycle import (
    EVIDENCE_FIELDS,
    CopSnapshot,
    Gate,
    InvalidEvidence,
    LifecycleError,
    Policy,
    Unmet,
    check_gate,
    open_gates,
    parse_gate,
)
from notifications.vocabulary import gate_words, plain

GENERAL = "_general"  # problems that belong to no one field


@dataclass(frozen=True)
class FieldView:
    name: str
    kind: str
    help: str
    choices: tuple[str, ...]
    value: Any


@dataclass
class EvidencePage:
    grant: Grant
    slug: str
    cop_name: str
    stage: str
    gate: str
    gate_title: str
    fields: list[FieldView]
    passed: bool  # the gate is passed (or its stage left): the link cannot overwrite its evidence
    due_on: str | None  # ISO (the page shows it in words)
    recorded_by: str | None  # who, named as every page names a person (copflow/web/views/naming.py)
    recorded_at: str | None  # ISO, UTC
    zone: str = "UTC"  # the CoP's time zone: times on its pages are shown in it
    holder: str = ""  # the link's holder, named the same way
    problems: dict[str, list[str]] = field(default_factory=dict)  # field name (or GENERAL) → messages


@dataclass(frozen=True)
class Submitted:
    page: EvidencePage
    advanced_to: str | None
    still_needed: list[str]
    result: AdvanceResult | None


def evidence_page(uow: UnitOfWork, grant: Grant, gate_name: str | None, *, now: datetime,
                  policy: Policy) -> EvidencePage:
    """The form of the grant's gate (or, for a CoP-page link, of `gate_name`, one of the stage's open gates)."""
    with uow:
        assert grant.cop_slug is not None
        return _page(uow.session, get_cop(uow.session, grant.cop_slug), grant, gate_name, now=now, policy=policy)


def _page(s: Session, cop: Cop, grant: Grant, gate_name: str | None, *, now: datetime, policy: Policy) -> EvidencePage:
    gate = _gate_for(cop, grant, gate_name)
    snap = snapshot(s, cop, policy)
    today = local_date(now, policy)
    unmet, _ = check_gate(gate, snap, today, policy)
    left_stage = grant.stage_visit is not None and grant.stage_visit != cop.stage_visit
    passed = left_stage or gate not in open_gates(snap.stage) or not unmet
    row = s.scalar(select(GateEvidence).where(GateEvidence.cop_id == cop.id, GateEvidence.gate == gate.value,
                                              GateEvidence.stage_visit == (grant.stage_visit or cop.stage_visit))
                   .order_by(GateEvidence.id.desc()).limit(1))
    recorded = row.payload if row else {}
    page = EvidencePage(grant, cop.slug, cop.name, cop.stage, gate.value, gate_words(gate.value),
                        [FieldView(f.name, f.kind, f.help, f.choices, recorded.get(f.name))
                         for f in EVIDENCE_FIELDS[gate]],
                        passed, cop.next_due_on.isoformat() if cop.next_due_gate == gate.value and cop.next_due_on
                        else None, named(s, row.recorded_by) if row else None,
                        row.recorded_at.isoformat(timespec="minutes") if row else None, cop.timezone,
                        holder=named(s, grant.email))
    if row is not None and not passed:
        page.problems = by_field(gate, unmet)
    return page


def submit_evidence(uow: UnitOfWork, grant: Grant, gate_name: str | None, payload: dict[str, Any], *,
                    now: datetime, policy: Policy, od_manager: str | None) -> Submitted:
    """Record the form as the link's holder ("via web") and move the CoP on if its gates are then met, in one
    transaction (the page after it read in the same one): a refusal writes nothing. GatePassed if the gate's
    evidence can no longer change from this link; InvalidEvidence for bad input, or an empty form (each field's
    need beside it)."""
    assert grant.cop_slug is not None
    with changing(uow, grant.cop_slug, now=now, policy=policy, od_manager=od_manager) as m:
        page = _page(m.s, m.cop, grant, gate_name, now=now, policy=policy)
        gate = parse_gate(page.gate)
        if page.passed:
            raise GatePassed(page)
        if not payload:  # an empty form records nothing: say what each field needs instead
            snap = snapshot(m.s, m.cop, policy)
            raise InvalidEvidence(page.gate, _needed_when_empty(snap, gate, local_date(now, policy), policy))
        result = m.move(Change(grant.cop_slug, f"{grant.email} (via web)", gate=gate, evidence=payload,
                               keep_if_unmet=True, whole=True))
        after = _page_after(m.s, m.cop, grant, gate_name, page, payload, now=now, policy=policy)
    if not result.moved:
        return Submitted(after, None, [plain(u.message) for u in result.unmet], None)
    return Submitted(after, result.to_stage, [], result)


def _page_after(s: Session, cop: Cop, grant: Grant, gate_name: str | None, before: EvidencePage,
                payload: dict[str, Any], *, now: datetime, policy: Policy) -> EvidencePage:
    """The form after the write. A CoP-page link (/c/<token>/gate/<gate>) opens only the gates of the CoP's current
    stage, so once the CoP has moved on, the gate just passed is no longer one of its pages: show it as recorded
    (passed, nothing more to write) instead of "this link does not exist", which rolled the write back."""
    try:
        return _page(s, cop, grant, gate_name, now=now, policy=policy)
    except LinkNotFound:
        return replace(before, passed=True, recorded_by=before.holder, problems={},
                       recorded_at=now.astimezone(UTC).isoformat(timespec="minutes"),
                       fields=[replace(f, value=payload.get(f.name)) for f in before.fields])


def _needed_when_empty(snap: CopSnapshot, gate: Gate, today: date, policy: Policy) -> list[Unmet]:
    """What the gate would lack if its evidence were this empty form (each beside its field)."""
    unmet, _ = check_gate(gate, replace(snap, evidence={**snap.evidence, gate: {}}), today, policy)
    fields = {f.name for f in EVIDENCE_FIELDS[gate]}
    beside = [u for u in unmet if u.field in fields]
    return beside or [Unmet(f"{gate.value}.empty", "nothing was filled in: fill in the fields below")]


class GatePassed(CopflowError):
    """Evidence sent from a link for a gate already passed: refused, the page shows what was recorded."""

    def __init__(self, page: EvidencePage) -> None:
        self.page = page
        super().__init__(f"{page.gate_title} is done: its evidence can no longer be changed from this link",
                         cop=page.slug, gate=page.gate)


def by_field(gate: Gate, problems: list[Unmet]) -> dict[str, list[str]]:
    """Each problem beside the field it names (its `field`), in words that need no field or gate name there; the
    rest under GENERAL, whole."""
    names = {f.name for f in EVIDENCE_FIELDS[gate]}
    out: dict[str, list[str]] = {}
    for p in problems:
        key = p.field if p.field in names else GENERAL
        text = plain(p.words if key != GENERAL else p.message)
        out.setdefault(key, []).append(text[:1].upper() + text[1:])
    return out


def in_words(u: Unmet) -> str:
    """One unmet requirement in a lead's words, after the gate's own title ("The launch event: no attendance
    count")."""
    return "nothing recorded yet" if u.code.endswith(".missing") else plain(u.words)


def invalid_by_field(exc: InvalidEvidence) -> dict[str, list[str]]:
    if exc.gate is None:
        return {GENERAL: [p.message for p in exc.problems]}
    return by_field(parse_gate(exc.gate), exc.problems)


def _gate_for(cop: Cop, grant: Grant, gate_name: str | None) -> Gate:
    if grant.purpose == "evidence":
        if gate_name is not None and gate_name != grant.gate:
            raise LinkNotFound()
        return parse_gate(grant.gate or "")
    try:
        gate = parse_gate(gate_name or "")
    except LifecycleError:
        raise LinkNotFound() from None
    from lifecycle import parse_stage

    if gate not in open_gates(parse_stage(cop.stage)) or gate in DECISION_GATES:  # the OD manager's, by /d/
        raise LinkNotFound()
    return gate


def cop_page(uow: UnitOfWork, grant: Grant, *, now: datetime, policy: Policy) -> dict[str, Any]:
    """The lead's page: stage, what is next and by when, roster, meetings with their next dates, the charter."""
    from copflow.services.closing.lessons import lessons_state
    from copflow.web.views.hub import next_occurrences

    with uow:
        s = uow.session
        assert grant.cop_slug is not None
        cop = get_cop(s, grant.cop_slug)
        snap = snapshot(s, cop, policy)
        today = local_date(now, policy)
        charter = current_charter(s, cop.id)
        series = s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id,
                                                       MeetingSeries.status == "scheduled")
                           .order_by(MeetingSeries.id)).all()
        gates = [{"gate": g.value, "title": gate_words(g.value), "od_manager_decides": g in DECISION_GATES,
                  "unmet": [in_words(u) for u in check_gate(g, snap, today, policy)[0]]}
                 for g in open_gates(snap.stage)]
        return {
            "slug": cop.slug, "name": cop.name, "stage": cop.stage, "domain": cop.domain, "zone": cop.timezone,
            "next_gate": gate_words(cop.next_due_gate) if cop.next_due_gate else None,
            # The closure archive is copflow's own step: the leads read when the CoP closes, not a task of theirs.
            "archived_by_copflow": cop.next_due_gate == Gate.ARCHIVE_VERIFIED.value,
            "next_due_on": cop.next_due_on.isoformat() if cop.next_due_on else None,
            "next_review_on": cop.next_review_on.isoformat() if cop.next_review_on else None,
            "gates": gates,
            "members": sorted(({"email": m.person.email, "name": m.person.name, "role": m.role,
                                 "bounces": m.person.undeliverable_reason}
                               for m in cop.memberships if m.left_on is None),
                              key=lambda m: (m["role"], m["name"])),
            "meetings": [_meeting(s, m, next_occurrences(m, now, 3)) for m in series],
            "charter": None if charter is None else {
                "version": charter.version, "purpose": charter.purpose, "aims": charter.aims,
                "annual_targets": charter.annual_targets, "link": charter.link,
                "published_on": charter.published_on.isoformat()},
            "channel": _channel(s, cop),
            "lessons": lessons_state(s, cop.id),
            # meetings held whose attendance waits for the lead, pre-ticked from the accepts (never recorded here)
            "attendance": [{"kind": m.kind, "title": m.title, "held_on": m.held_on.isoformat(), "at": m.at,
                            "invited": [i.__dict__ for i in m.invited]} for m in to_confirm(s, cop, now=now)],
        }


def _meeting(s: Session, series: MeetingSeries, upcoming: list[datetime]) -> dict[str, Any]:
    """A meeting on the lead's page, with what its attendees answered for the next occurrence (their RSVPs) and
    the times anyone proposed instead (never applied: the lead moves the meeting if it suits)."""
    found = answers_for(s, series, upcoming[0] if upcoming else None)
    return {"title": series.summary, "next": upcoming, "zone": series.tzid, "place": place_words(series.location),
            "join": join_link(series.location), "repeats": bool(series.rrule),
            "answers": found.in_words() if found.answered else None,
            "counters": [{"name": c.name, "start": datetime.fromisoformat(c.start),
                          "end": datetime.fromisoformat(c.end), "comment": c.comment} for c in found.counters]}


def _channel(s: Session, cop: Cop) -> dict[str, Any] | None:
    """The CoP's chat channel as its leads see it: the service and a fingerprint, never the address."""
    row = s.get(CopChannel, cop.id)
    return None if row is None else {"shown": row.shown, "handover": row.handover, "set_by": row.set_by,
                                     "set_on": row.set_at.date().isoformat()}


def send_fresh_link(uow: UnitOfWork, token: str, *, now: datetime, policy: Policy) -> bool:
    """For an expired link: mail a new one like it to the address it was made for (and nowhere else), at most
    once a day. False when one was sent in the last day already."""
    from copflow.services.mail.outbox import Recipient, cop_context, enqueue

    with uow:
        s = uow.session
        link = s.scalar(select(Link).where(Link.token_hash == token_hash(token)))
        if link is None or link.revoked_at is not None or link.expires_at > now:
            raise LinkNotFound()
        if link.renewed_at is not None and now - link.renewed_at < timedelta(days=1):
            return False
        cop = s.get(Cop, link.cop_id) if link.cop_id is not None else None
        person = s.scalar(select(Person).where(Person.email == link.email))
        gate = parse_gate(link.gate) if link.gate else None
        # The fresh link opens what the old one did: the same gate or review (decided since, it shows what was).
        url = mail_link(s, email=link.email, cop=cop, purpose=link.purpose, gate=gate, now=now, policy=policy,
                        stage_visit=link.stage_visit)
        link.renewed_at = now
        context = {**(cop_context(cop) if cop else {"cop": None}), "action_url": url, "purpose": link.purpose,
                   "gate": link.gate, "expires_on": (now + timedelta(days=policy.link_days)).date().isoformat()}
        to = Recipient(link.email, person.name if person else link.email, "lead")
        enqueue(s, key=f"link-renewed/{link.id}/{now.isoformat()}", cop_id=cop.id if cop else None,
                kind="link_renewed", to=to, context=context, now=now)
        uow.commit()
        return True
