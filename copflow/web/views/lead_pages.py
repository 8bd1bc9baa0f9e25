"""What a lead sees and does through a signed link: the evidence form of one gate, and the CoP's own page.

Nothing here decides a rule: evidence goes through gates.record_evidence and gates.advance (as `copflow gate
record` + `copflow advance`), the roster through add_member / end_membership, and every requirement shown beside
a field comes from the lifecycle's own checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from copflow.db.models import Cop, GateEvidence, Link, MeetingSeries, Person
from copflow.db.uow import UnitOfWork
from copflow.services import gates as gate_service
from copflow.services.clock import local_date
from copflow.services.errors import CopflowError
from copflow.services.links import DECISION_GATES, Grant, LinkNotFound, find, issue_link, token_hash
from copflow.services.snapshots import current_charter, get_cop, snapshot
from lifecycle import (
    EVIDENCE_FIELDS,
    GATE_TITLES,
    Gate,
    InvalidEvidence,
    LifecycleError,
    Policy,
    Unmet,
    check_gate,
    open_gates,
    parse_gate,
)
from lifecycle.audiences import LEAD_ROLES
from notifications.vocabulary import gate_words, plain

ACTING_ROLES = {r.value for r in LEAD_ROLES} | {"od_manager_contact"}
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
    recorded_by: str | None
    recorded_at: str | None  # ISO, UTC
    zone: str = "UTC"  # the CoP's time zone: times on its pages are shown in it
    problems: dict[str, list[str]] = field(default_factory=dict)  # field name (or GENERAL) → messages


@dataclass(frozen=True)
class Submitted:
    page: EvidencePage
    advanced_to: str | None
    still_needed: list[str]
    result: gate_service.AdvanceResult | None


def holder(uow: UnitOfWork, token: str, *, now: datetime, purposes: tuple[str, ...],
           od_manager: str | None = None) -> Grant:
    """A valid grant whose holder still acts for the CoP (a lead, a coordinator or its OD manager contact; or
    the configured OD manager); otherwise LinkNotFound, like any unknown token."""
    with uow:
        s = uow.session
        for purpose in purposes:
            try:
                grant = find(s, token, now=now, purpose=purpose)
            except LinkNotFound:
                continue
            if grant.cop_slug is None:
                raise LinkNotFound()
            cop = get_cop(s, grant.cop_slug)
            acting = {m.person.email for m in cop.memberships if m.left_on is None and m.role in ACTING_ROLES}
            if grant.email in acting or (od_manager and grant.email == od_manager.lower()):
                return grant
            raise LinkNotFound()
        raise LinkNotFound()


def evidence_page(uow: UnitOfWork, grant: Grant, gate_name: str | None, *, now: datetime,
                  policy: Policy) -> EvidencePage:
    """The form of the grant's gate (or, for a CoP-page link, of `gate_name`, one of the stage's open gates)."""
    with uow:
        s = uow.session
        assert grant.cop_slug is not None
        cop = get_cop(s, grant.cop_slug)
        gate = _gate_for(cop, grant, gate_name)
        snap = snapshot(s, cop)
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
                            else None, row.recorded_by if row else None,
                            row.recorded_at.isoformat(timespec="minutes") if row else None, cop.timezone)
        if row is not None and not passed:
            page.problems = by_field(gate, unmet)
        return page


def submit_evidence(uow_factory: Any, grant: Grant, gate_name: str | None, payload: dict[str, Any], *,
                    now: datetime, policy: Policy) -> Submitted:
    """Record the form as the link's holder ("via web"), then advance the CoP if its gates are met. Raises
    GatePassed if the gate's evidence can no longer change; InvalidEvidence (and nothing written) for bad input."""
    page = evidence_page(uow_factory(), grant, gate_name, now=now, policy=policy)
    if page.passed:
        raise GatePassed(page)
    if not payload:  # an empty form records nothing: say what each field needs instead
        raise InvalidEvidence(page.gate, _needed_when_empty(uow_factory(), page, now=now, policy=policy))
    who = f"{grant.email} (via web)"
    gate_service.record_evidence(uow_factory(), slug=page.slug, gate=page.gate, payload=payload, by=who, now=now,
                                 policy=policy)
    try:
        result = gate_service.advance(uow_factory(), slug=page.slug, by=who, now=now, policy=policy)
    except LifecycleError as exc:
        needed = [plain(u.message) for u in getattr(exc, "unmet", [])] or [plain(str(exc))]
        return Submitted(evidence_page(uow_factory(), grant, gate_name, now=now, policy=policy), None, needed, None)
    return Submitted(evidence_page(uow_factory(), grant, gate_name, now=now, policy=policy), result.to_stage, [],
                     result)


def _needed_when_empty(uow: UnitOfWork, page: EvidencePage, *, now: datetime, policy: Policy) -> list[Unmet]:
    """What the gate would lack if its evidence were this empty form (each beside its field)."""
    gate = parse_gate(page.gate)
    with uow:
        snap = snapshot(uow.session, get_cop(uow.session, page.slug))
    unmet, _ = check_gate(gate, replace(snap, evidence={**snap.evidence, gate: {}}), local_date(now, policy), policy)
    fields = {f.name for f in EVIDENCE_FIELDS[gate]}
    beside = [u for u in unmet if u.code.rsplit(".", 1)[-1] in fields]
    return beside or [Unmet(f"{gate.value}.empty", "nothing was filled in: fill in the fields below")]


class GatePassed(CopflowError):
    """Evidence sent from a link for a gate already passed: refused, the page shows what was recorded."""

    def __init__(self, page: EvidencePage) -> None:
        self.page = page
        super().__init__(f"{page.gate_title} is done: its evidence can no longer be changed from this link",
                         cop=page.slug, gate=page.gate)


def by_field(gate: Gate, problems: list[Unmet]) -> dict[str, list[str]]:
    """Each problem beside the field it names (its code `gate.field`, or a message starting with the field);
    the rest under GENERAL."""
    names = {f.name for f in EVIDENCE_FIELDS[gate]}
    out: dict[str, list[str]] = {}
    for p in problems:
        tail = p.code.rsplit(".", 1)[-1]
        first = p.message.split(" ", 1)[0]
        key = tail if tail in names else first if first in names else GENERAL
        text = p.message[len(first):].strip() if key == first and key != GENERAL else p.message
        if key != GENERAL:  # beside its field, "launch held: no launch date" reads "No launch date"
            text = text.removeprefix(f"{GATE_TITLES[gate]}: ")
        text = plain(text)
        out.setdefault(key, []).append(text[:1].upper() + text[1:])  # beside its field: no need to name it
    return out


def in_words(u: Unmet) -> str:
    """One unmet requirement in a lead's words."""
    if u.code.endswith(".missing"):
        return "nothing recorded yet"
    gate = u.code.split(".", 1)[0]  # shown after the gate's own title: "The launch event: no attendance count"
    return plain(u.message.removeprefix(f"{GATE_TITLES.get(parse_gate(gate), gate)}: ")
                 if gate in {g.value for g in GATE_TITLES} else u.message)


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
    from copflow.web.views.hub import next_occurrences

    with uow:
        s = uow.session
        assert grant.cop_slug is not None
        cop = get_cop(s, grant.cop_slug)
        snap = snapshot(s, cop)
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
            "next_due_on": cop.next_due_on.isoformat() if cop.next_due_on else None,
            "next_review_on": cop.next_review_on.isoformat() if cop.next_review_on else None,
            "gates": gates,
            "members": sorted(({"email": m.person.email, "name": m.person.name, "role": m.role}
                               for m in cop.memberships if m.left_on is None),
                              key=lambda m: (m["role"], m["name"])),
            "meetings": [{"title": m.summary, "next": next_occurrences(m, now, 3), "place": m.location or "",
                          "repeats": bool(m.rrule)} for m in series],
            "charter": None if charter is None else {
                "version": charter.version, "purpose": charter.purpose, "aims": charter.aims,
                "annual_targets": charter.annual_targets, "link": charter.link,
                "published_on": charter.published_on.isoformat()},
        }


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
        url = issue_link(s, email=link.email, cop=cop, purpose=link.purpose, gate=gate, now=now, policy=policy,
                         stage_visit=link.stage_visit)
        link.renewed_at = now
        context = {**(cop_context(cop) if cop else {"cop": None}), "action_url": url, "purpose": link.purpose,
                   "gate": link.gate, "expires_on": (now + timedelta(days=policy.link_days)).date().isoformat()}
        to = Recipient(link.email, person.name if person else link.email, "lead")
        enqueue(s, key=f"link-renewed/{link.id}/{now.isoformat()}", cop_id=cop.id if cop else None,
                kind="link_renewed", to=to, context=context, now=now)
        uow.commit()
        return True
