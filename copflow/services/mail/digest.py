"""The OD manager's daily digest: one mail per sweep instead of one per escalation.

It says what needs the OD manager (escalations grouped by CoP with the leads and sponsor named, reviews waiting
for a decision with the recommendation and the decision deadline, reviews opened without a survey link, mail the
server refused with its reply) and what the sweep did on its own (closures). The sweep's artifact is written
from the same `Digest`, so the two agree.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from copflow.db.models import Cop, Document, Membership, Person
from copflow.db.uow import UnitOfWork
from copflow.services.clock import local_date
from copflow.services.links.signed import decision_url, mail_link
from copflow.services.mail.outbox import Recipient, already_queued, enqueue, named, survey_url
from copflow.services.workdays import decision_deadline_of
from lifecycle import Policy, Stage

_RECOMMENDATION = re.compile(r"^## Recommendation: (\w+)", re.MULTILINE)


@dataclass
class Digest:
    on: str  # the sweep's local date, ISO
    escalations: list[dict[str, Any]] = field(default_factory=list)  # one per CoP, with its overdue gates
    reviews: list[dict[str, Any]] = field(default_factory=list)  # waiting for a decision
    no_survey: list[dict[str, Any]] = field(default_factory=list)  # reviews whose members got no survey call
    closed: list[dict[str, Any]] = field(default_factory=list)
    archive_failed: list[dict[str, Any]] = field(default_factory=list)  # CoP name and the failure's reason
    parked: list[str] = field(default_factory=list)  # "address: the server's reply"
    # Posts a chat service refused ("the channel (title): its reply"): the channel's address needs setting again.
    posts_parked: list[str] = field(default_factory=list)
    # Documents owed and not yet sent (a report's PDF, a lessons draft that could not be made), with the reason.
    documents_missing: list[dict[str, Any]] = field(default_factory=list)
    # Mail the relay's limits hold back (it goes on its own): how much, and by when it will all have gone, in words.
    # Addresses that bounce for good (a hard bounce read back from the programme's mailbox), with the CoPs and roles
    # they hold: `copflow person leave` takes them off; until then their reminders go to the next who can act.
    bouncing: list[dict[str, Any]] = field(default_factory=list)
    mail_waiting: int = 0
    mail_clears: str | None = None
    run_url: str | None = None
    artifacts_url: str | None = None
    queued: bool = False  # the mail is in the outbox (False: nobody to send it to, nothing to say, or sent today)

    @property
    def empty(self) -> bool:
        return not (self.escalations or self.reviews or self.no_survey or self.closed or self.archive_failed
                    or self.parked or self.posts_parked or self.documents_missing or self.bouncing)


def group_escalations(entries: list[dict[str, Any]], failures: dict[str, str]) -> list[dict[str, Any]]:
    """One group per CoP, most overdue first; an archive's failure carries its reason."""
    groups: dict[str, dict[str, Any]] = {}
    for e in entries:
        g = groups.setdefault(e["slug"], {"slug": e["slug"], "name": e["name"], "leads": e["leads"],
                                          "sponsors": e["sponsors"], "items": []})
        g["items"].append({"gate": e["gate"], "due_on": e["due_on"], "days": e["days"],
                           "audience": e["audience"], "leads_told_on": e.get("leads_told_on"),
                           "sponsor_told_on": e.get("sponsor_told_on"), "reason": failures.get(e["slug"])
                           if e["gate"] == "archive_verified" else None})
    for g in groups.values():
        g["items"].sort(key=lambda i: -i["days"])
    return sorted(groups.values(), key=lambda g: (-g["items"][0]["days"], g["name"]))


def waiting_reviews(uow: UnitOfWork, *, now: datetime, policy: Policy) -> tuple[list[dict[str, Any]],
                                                                              list[dict[str, Any]]]:
    """Reviews with a report waiting for the OD manager's decision (deadline first), and open reviews whose
    members got no survey call because no survey address is set."""
    today = local_date(now, policy)
    waiting, no_survey = [], []
    with uow:
        s = uow.session
        # The CoPs under review, through the stage index, with their rosters and this review's reports in one
        # query each: the cost follows the reviews open, not the portfolio.
        cops = s.scalars(select(Cop).where(Cop.stage == Stage.REVIEWING.value)
                         .options(selectinload(Cop.memberships)).order_by(Cop.name)).all()
        reports: dict[tuple[int, int | None], str] = {}
        for cop_id, visit, content in s.execute(select(Document.cop_id, Document.stage_visit, Document.content)
                                                .where(Document.cop_id.in_([c.id for c in cops]),
                                                       Document.kind == "evaluation").order_by(Document.id)):
            reports.setdefault((cop_id, visit), content)
        for cop in cops:
            report = reports.get((cop.id, cop.stage_visit))
            people = {"slug": cop.slug, "name": cop.name, "leads": [r.name for r in named(cop, "leads")],
                      "sponsors": [r.name for r in named(cop, "sponsor")]}
            if survey_url(policy, cop.slug) is None:
                no_survey.append({**people, "opened_on": cop.stage_entered_on.isoformat()})
            if report is None:
                continue
            found = _RECOMMENDATION.search(report)
            deadline = decision_deadline_of(cop, policy)
            waiting.append({**people, "recommendation": found.group(1) if found else "",
                            "decide_by": deadline.isoformat(), "days_left": (deadline - today).days})
    waiting.sort(key=lambda r: (r["decide_by"], r["name"]))
    return waiting, no_survey


def bouncing_addresses(uow: UnitOfWork) -> list[dict[str, Any]]:
    """People whose address bounced for good and who still hold a role: who, since when, the remote server's reply,
    and each CoP and role they hold."""
    with uow:
        s = uow.session
        out = []
        for person in s.scalars(select(Person).where(Person.undeliverable_at.is_not(None)).order_by(Person.email)):
            held = s.execute(select(Cop.name, Membership.role).join(Membership, Membership.cop_id == Cop.id).where(
                Membership.person_id == person.id, Membership.left_on.is_(None), Cop.closed_at.is_(None))
                .order_by(Cop.name, Membership.role)).all()
            if held:
                assert person.undeliverable_at is not None
                out.append({"email": person.email, "name": person.name, "reason": person.undeliverable_reason or "",
                            "since": person.undeliverable_at.date().isoformat(),
                            "holds": [{"cop": name, "role": role} for name, role in held]})
        return out


def cop_names(uow: UnitOfWork, slugs: list[str]) -> dict[str, str]:
    if not slugs:
        return {}
    with uow:
        return {slug: name for slug, name in uow.session.execute(select(Cop.slug, Cop.name)
                                                                 .where(Cop.slug.in_(slugs)))}


def send_digest(uow: UnitOfWork, digest: Digest, *, to: str | None, now: datetime,
                policy: Policy | None = None) -> bool:
    """Queue the digest for the OD manager; one per sweep day (a re-run of the same day sends nothing new).

    The mail (never the sweep's artifact, which others may read) carries signed links for its reader: each
    review waiting for a decision opens its decision form, each overdue CoP its page."""
    if to is None or digest.empty:
        return False
    key = f"digest/{digest.on}/{to}"
    with uow:
        s = uow.session
        if already_queued(s, key):
            return False  # no second set of links for a mail that will not be sent again
        name = s.scalar(select(Person.name).where(Person.email == to)) or "OD manager"
        recipient = Recipient(to, name, "od_manager_contact")
        context = asdict(digest)
        _links_for(s, context, to, now=now, policy=policy or Policy())
        added = enqueue(s, key=key, cop_id=None, kind="od_digest", to=recipient, context={"digest": context},
                        now=now)
        uow.commit()
    return added


def _links_for(s: Session, digest: dict[str, Any], to: str, *, now: datetime, policy: Policy) -> None:
    cops = {c.slug: c for c in s.scalars(select(Cop).where(Cop.slug.in_(
        [r["slug"] for r in digest["reviews"]] + [g["slug"] for g in digest["escalations"][:50]])))}
    for r in digest["reviews"]:
        r["decide_url"] = decision_url(s, cops[r["slug"]], to, now=now, policy=policy) if r["slug"] in cops else None
    for g in digest["escalations"]:
        g["cop_url"] = (mail_link(s, email=to, cop=cops[g["slug"]], purpose="cop", now=now, policy=policy)
                        if g["slug"] in cops else None)
