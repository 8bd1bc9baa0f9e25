"""Walk a CoP through its gates with the real services (used by integration, flow and CLI tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from copflow.db.uow import UnitOfWork
from copflow.services import cops, gates
from copflow.services.people import members
from lifecycle import Policy
from tests.acting import OD

P = Policy()
D = "uni.example.org"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

STAFF = [("ann", "Ann Lee", "Library", "boss1"), ("bob", "Bob Kay", "Estates", "boss2"),
         ("cat", "Cat Ng", "Finance", "boss3"), ("dir", "Dee Ray", "Research", None),
         ("odm", "Oda Mann", "Organisational Development", None)]


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def staff(url: str) -> None:
    u = UnitOfWork(url)
    for local, name, dept, boss in STAFF:
        members.add_person(u, email=f"{local}@{D}", name=name, department=dept,
                          line_manager=f"{boss}@{D}" if boss else None, now=T0)


def proposed(url: str, slug: str = "data-insight", *, with_staff: bool = True) -> None:
    u = UnitOfWork(url)
    if with_staff:
        staff(url)
    cops.propose_cop(u, slug=slug, name="Data and Insight", now=at(0), policy=P)
    for who, role in (("ann", "coordinator"), ("bob", "lead"), ("cat", "core"), ("dir", "sponsor"),
                      ("odm", "od_manager_contact")):
        members.add_member(u, slug=slug, email=f"{who}@{D}", role=role, now=at(0), policy=P, acting=OD)


def record(url: str, slug: str, gate: str, day: int, **fields: object) -> None:
    gates.record_evidence(UnitOfWork(url), slug=slug, gate=gate, payload=dict(fields), by=f"odm@{D}", now=at(day),
                          policy=P)


def advance(url: str, slug: str, day: int, **kw: object) -> gates.AdvanceResult:
    return gates.advance(UnitOfWork(url), slug=slug, by=f"odm@{D}", now=at(day), policy=P, **kw)  # type: ignore[arg-type]


def to_planning(url: str, slug: str = "data-insight", *, with_staff: bool = True) -> None:
    proposed(url, slug, with_staff=with_staff)
    record(url, slug, "core_group_formed", 10, domain="Data and insight", formed_on="2025-01-15")
    advance(url, slug, 10)


def to_launching(url: str, slug: str = "data-insight", *, with_staff: bool = True) -> None:
    to_planning(url, slug, with_staff=with_staff)
    record(url, slug, "sponsor_meeting_done", 30, held_on="2025-02-04", sponsor_attended="yes", notes="scope agreed")
    record(url, slug, "charter_published", 60, version="1.0", purpose="share practice", aims=["learn together"],
           annual_targets=["1 seminar", "2 blog posts"], review_dates=["2026-03-02"], link="https://x.org/c",
           published_on="2025-03-06")
    advance(url, slug, 60)


def to_active(url: str, slug: str = "data-insight", *, with_staff: bool = True) -> None:
    to_launching(url, slug, with_staff=with_staff)
    record(url, slug, "launch_held", 90, held_on="2025-04-04", attendance="42", feedback="keen on dashboards")
    advance(url, slug, 90)


def queue_messages(url: str, keys_and_addresses: list[tuple[str, str]], *, now: datetime,
                   cop_name: str = "X") -> None:
    """Put plain stage-change messages in the outbox, one per (idempotency key, address)."""
    from copflow.services.mail.outbox import Recipient, enqueue

    context = {"cop": {"slug": "x", "name": cop_name, "stage": "planning", "timezone": "UTC"},
               "from_stage": "forming", "to_stage": "planning", "next_gate": None, "next_due_on": None}
    with UnitOfWork(url) as u:
        for i, (key, addr) in enumerate(keys_and_addresses):
            enqueue(u.session, key=key, cop_id=None, kind="stage_changed", to=Recipient(addr, f"Person {i}", "lead"),
                    context=context, now=now)
        u.commit()


def as_sent(url: str, n: object) -> str:
    """A queued message's text as the deliverer sends it: its links' tokens made again from the link key (the
    outbox keeps only placeholders)."""
    from copflow.services.links.tokens import fill, link_key
    from copflow.services.mail.claims import outgoing

    with UnitOfWork(url) as u:
        out = fill(u.session, {0: outgoing(n)}, link_key)[0]  # type: ignore[arg-type]
        u.commit()
    return out.body_text
