"""The promises that span the sweep, as properties over random sweep calendars, through the real services and
database (issue 29's acceptance): nobody who must act is skipped — after every sweep, each audience whose rung of
an overdue gate is reached has been told, once per rung and at most once a sweep, and a lead whose mail bounces
hands their notices to the next lead who can act; everyone addressed is reached — a member who joins while a
review's survey is open is asked once, one who joins after it closes is not.

Each example walks its own CoP (a fresh slug) in the test's database, on SQLite and PostgreSQL;
COPFLOW_PROPERTY_EXAMPLES raises the number of examples (10 by default, so the suite stays fast)."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from copflow.db.models import Cop, Notification, Person
from copflow.db.uow import UnitOfWork
from copflow.services.people import members
from copflow.services.sweep.due_work import sweep_batch
from copflow.services.workdays import organisation_working_days
from lifecycle.working_days import survey_closes_on
from tests.acting import OD
from tests.integration.helpers import D, P, at, to_active, to_launching
from tests.integration.test_closure import REVIEW_DAY

EXAMPLES = int(os.environ.get("COPFLOW_PROPERTY_EXAMPLES", "10"))
SLUGS = itertools.count(1)
LEADS = (f"ann@{D}", f"bob@{D}")
SPONSOR = f"dir@{D}"
RUNGS = {step.audience.value: step.days_overdue for step in P.escalation}  # leads 1, sponsor 7 (the default)


def fresh_cop(url: str, walk) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A new CoP walked by `walk` (staff made once per database); nobody's address bounces yet."""
    with UnitOfWork(url) as u:
        known = u.session.scalar(select(Person.id).where(Person.email == LEADS[0]))
        u.session.execute(update(Person).values(undeliverable_at=None, undeliverable_reason=None))
        u.commit()
    slug = f"cop-{next(SLUGS)}"
    walk(url, slug, with_staff=known is None)
    with UnitOfWork(url) as u:
        cop_id = u.session.scalar(select(Cop.id).where(Cop.slug == slug))
    assert cop_id is not None
    return slug, cop_id


def overdue_notices(url: str, slug: str) -> list[tuple[str, str]]:
    """(recipient, rung) of every overdue notice of the CoP's launch gate, as queued."""
    with UnitOfWork(url) as u:
        # In the order they were queued: the test reads each sweep's new ones off the end (PostgreSQL returns rows
        # in no set order without ORDER BY, and an updated row moves).
        keys = u.session.scalars(select(Notification.idempotency_key).where(
            Notification.kind == "gate_reminder", Notification.idempotency_key.like(f"{slug}/launch_held/%"))
            .order_by(Notification.id))
        return [(key.rsplit("/", 1)[1], key.split("/")[3]) for key in keys if "/overdue-" in key]


def launch_due(url: str, slug: str) -> date:
    with UnitOfWork(url) as u:
        due = u.session.scalar(select(Cop.next_due_on).where(Cop.slug == slug))
    assert due is not None
    return due


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sweeps=st.lists(st.integers(100, 260), min_size=1, max_size=6, unique=True),
       bounce_before=st.one_of(st.none(), st.integers(0, 5)))
def test_every_audience_whose_rung_is_reached_is_told_once(db_url: str, sweeps: list[int],
                                                         bounce_before: int | None) -> None:
    slug, cop_id = fresh_cop(db_url, to_launching)
    due = launch_due(db_url, slug)
    bounced: set[str] = set()
    told_before: list[tuple[str, str]] = []
    for i, day in enumerate(sorted(sweeps)):
        if bounce_before == i:  # the coordinator's address starts to bounce (the mailbox read a hard bounce)
            with UnitOfWork(db_url) as u:
                u.session.execute(update(Person).where(Person.email == LEADS[0]).values(
                    undeliverable_at=at(day), undeliverable_reason="5.1.1 user unknown"))
                u.commit()
            bounced.add(LEADS[0])
        sweep_batch(UnitOfWork(db_url), [cop_id], now=at(day), policy=P)
        told = overdue_notices(db_url, slug)
        this_sweep = Counter(who for who, _ in told[len(told_before):])
        assert all(n == 1 for n in this_sweep.values()), this_sweep  # never a flood: one notice a sweep each
        assert len(set(told)) == len(told)  # once per rung
        late = (at(day).date() - due).days
        reached = {who for who, _ in told}
        if late >= RUNGS["leads"]:
            can_act = [lead for lead in LEADS if lead not in bounced]
            assert set(can_act) <= reached, (late, told)
        if late >= RUNGS["sponsor"]:
            assert SPONSOR in reached, (late, told)
        new = {who for who, _ in told[len(told_before):]}
        assert not new & bounced, "a bouncing address was told again"
        told_before = told


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(joins=st.lists(st.integers(0, 60), min_size=1, max_size=4))
def test_no_member_of_a_cop_under_review_is_without_the_survey_call(db_url: str, joins: list[int]) -> None:
    slug, cop_id = fresh_cop(db_url, to_active)
    policy = replace(P, survey_url="https://forms.example.org/r/AbC?cop={slug}")
    sweep_batch(UnitOfWork(db_url), [cop_id], now=at(REVIEW_DAY), policy=policy)
    with UnitOfWork(db_url) as u:
        opened = u.session.scalar(select(Cop.stage_entered_on).where(Cop.id == cop_id))
    assert opened is not None
    closes = survey_closes_on(opened, policy, organisation_working_days(policy).is_working)
    joined: dict[str, date] = {}
    for n, offset in enumerate(sorted(joins)):  # days go forward
        email = f"{slug}-joiner{n}@{D}"
        when = at(REVIEW_DAY + offset)
        members.add_member(UnitOfWork(db_url), slug=slug, email=email, role="wider", now=when, policy=policy,
                           acting=OD, name=f"Joiner {n}")
        joined[email] = when.date()
    with UnitOfWork(db_url) as u:
        asked = Counter(u.session.scalars(select(Notification.recipient).where(
            Notification.kind == "review_opened", Notification.cop_id == cop_id)))
    assert all(n == 1 for n in asked.values()), asked  # nobody asked twice
    for email, on in joined.items():
        assert (email in asked) == (on <= closes), (email, on, closes)
    for member in (*LEADS, f"cat@{D}", SPONSOR):
        assert member in asked

