"""Review decisions: evidence and transition in one transaction, every refusal writing nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from copflow.db.models import Cop, GateEvidence, MeetingSeries, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.errors import InvalidInput
from copflow.services.reviews import decide_review
from lifecycle import TransitionRefused
from tests.integration.helpers import D, P, at, to_active


def under_review(url: str) -> None:
    to_active(url)
    from copflow.services.sweep import sweep_batch

    sweep_batch(UnitOfWork(url), [1], now=at(420), policy=P)  # 2026-03-02: the charter's review date
    with UnitOfWork(url) as u:
        assert u.session.scalar(select(Cop.stage)) == "reviewing"


def decide(url: str, day: int = 425, **kw):  # type: ignore[no-untyped-def]
    return decide_review(UnitOfWork(url), slug="data-insight", decided_by=f"odm@{D}", now=at(day), policy=P, **kw)


def test_pass_schedules_the_next_review(db_url):
    under_review(db_url)
    r = decide(db_url, decision="pass", reason="targets met")
    assert (r.from_stage, r.to_stage) == ("reviewing", "active")
    with UnitOfWork(db_url) as u:
        cop = u.session.scalar(select(Cop))
        assert cop.review_anchor_on == at(425).date()
        assert cop.next_review_on == date(2027, 3, 7)  # no later charter date: the 12-month cadence


def test_close_needs_the_notice_period_and_then_enters_closing(db_url):
    under_review(db_url)
    with pytest.raises(TransitionRefused, match="notice period"):
        decide(db_url, decision="close", reason="done", closing_date=at(425).date() + timedelta(days=10))
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(GateEvidence)
                                .where(GateEvidence.gate == "close_decided")) == 0
    r = decide(db_url, decision="close", reason="done", closing_date=at(425).date() + timedelta(weeks=5))
    assert r.to_stage == "closing"
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(Cop.closing_date)) == at(425).date() + timedelta(weeks=5)


def test_evolve_goes_back_to_planning_with_history_kept(db_url):
    under_review(db_url)
    r = decide(db_url, decision="evolve", reason="new aims", kind="renew")
    assert r.to_stage == "planning" and r.next_due_gate == "sponsor_meeting_done"
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(TransitionRecord)) == 5
        assert u.session.scalar(select(func.count()).select_from(MeetingSeries)) == 3  # series kept running


@pytest.mark.parametrize(("kw", "error", "match"), [
    ({"decision": "maybe", "reason": "x"}, InvalidInput, "pass, evolve or close"),
    ({"decision": "pass", "reason": ""}, TransitionRefused, "no reason given"),
    ({"decision": "evolve", "reason": "x"}, TransitionRefused, "renew, split or merge"),
    ({"decision": "close", "reason": "x"}, TransitionRefused, "no closing date"),
])
def test_incomplete_decisions_are_refused(db_url, kw, error, match):
    under_review(db_url)
    with pytest.raises(error, match=match):
        decide(db_url, **kw)
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(Cop.stage)) == "reviewing"


def test_only_a_cop_under_review_can_be_decided(db_url):
    to_active(db_url)
    with pytest.raises(InvalidInput, match="not under review"):
        decide(db_url, decision="pass", reason="x")
