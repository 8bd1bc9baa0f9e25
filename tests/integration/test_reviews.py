"""Review decisions: evidence and transition in one transaction, every refusal writing nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from copflow.db.models import Charter, Cop, GateEvidence, MeetingSeries, Membership, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.errors import InvalidInput
from copflow.services.reviews.decide import decide_review
from lifecycle import TransitionRefused
from tests.integration.helpers import D, P, advance, at, record, to_active


def under_review(url: str) -> None:
    to_active(url)
    from copflow.services.sweep.due_work import sweep_batch

    sweep_batch(UnitOfWork(url), [1], now=at(420), policy=P)  # 2026-03-02: the charter's review date
    with UnitOfWork(url) as u:
        assert u.session.scalar(select(Cop.stage)) == "reviewing"


def decide(url: str, day: int = 425, **kw):  # type: ignore[no-untyped-def]
    return decide_review(UnitOfWork(url), slug="data-insight", decided_by=f"odm@{D}", now=at(day), policy=P, **kw)


def test_pass_schedules_the_next_review(db_url):
    under_review(db_url)
    r = decide(db_url, decision="pass", reason="targets met, as the review found")
    assert (r.from_stage, r.to_stage) == ("reviewing", "active")
    with UnitOfWork(db_url) as u:
        cop = u.session.scalar(select(Cop))
        assert cop.review_anchor_on == at(425).date()
        assert cop.next_review_on == date(2027, 3, 8)  # the 12-month cadence (Sunday 7 March), on a working day


def test_close_needs_the_notice_period_and_then_enters_closing(db_url):
    under_review(db_url)
    with pytest.raises(TransitionRefused, match="notice period"):
        decide(db_url, decision="close", reason="done, as the review found", closing_date=at(425).date() + timedelta(days=10))
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(GateEvidence)
                                .where(GateEvidence.gate == "close_decided")) == 0
    tuesday = at(425).date() + timedelta(weeks=5, days=3)  # Tuesday 14 April 2026
    r = decide(db_url, decision="close", reason="done, as the review found", closing_date=tuesday)
    assert r.to_stage == "closing"
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(Cop.closing_date)) == tuesday


def test_evolve_goes_back_to_planning_with_history_kept(db_url):
    under_review(db_url)
    r = decide(db_url, decision="evolve", reason="new aims, as the review found", kind="renew")
    assert r.to_stage == "planning" and r.next_due_gate == "sponsor_meeting_done"
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(TransitionRecord)) == 5
        assert u.session.scalar(select(func.count()).select_from(MeetingSeries)) == 3  # series kept running


def test_renew_keeps_members_and_history_and_asks_for_a_new_sponsor_meeting_and_charter_version(db_url):
    under_review(db_url)
    with UnitOfWork(db_url) as u:
        members_before = sorted(u.session.execute(select(Membership.person_id, Membership.role)).all())
    decide(db_url, decision="evolve", reason="new aims for year two", kind="renew")
    with UnitOfWork(db_url) as u:
        assert sorted(u.session.execute(select(Membership.person_id, Membership.role)).all()) == members_before
        last = u.session.scalars(select(TransitionRecord).order_by(TransitionRecord.id.desc())).first()
        assert (last.from_stage, last.to_stage, last.by) == ("reviewing", "planning", f"odm@{D}")
        assert "new aims for year two" in (last.reason or "")
    # The first visit's sponsor meeting and charter do not count for the second planning visit.
    with pytest.raises(TransitionRefused) as refused:
        advance(db_url, "data-insight", 426)
    assert {m.code for m in refused.value.unmet} == {"sponsor_meeting_done.missing", "charter_published.missing"}
    record(db_url, "data-insight", "sponsor_meeting_done", 430, held_on="2026-03-12", sponsor_attended="yes",
           notes="new aims agreed")
    charter = {"purpose": "share practice", "aims": ["teach others"], "annual_targets": ["2 seminars"],
               "review_dates": ["2027-03-01"], "link": "https://x.org/c2", "published_on": "2026-03-20"}
    with pytest.raises(InvalidInput, match="already published"):
        record(db_url, "data-insight", "charter_published", 440, version="1.0", **charter)
    record(db_url, "data-insight", "charter_published", 440, version="2.0", **charter)
    assert advance(db_url, "data-insight", 440).to_stage == "launching"
    with UnitOfWork(db_url) as u:
        assert u.session.scalars(select(Charter.version).order_by(Charter.id)).all() == ["1.0", "2.0"]


@pytest.mark.parametrize(("kw", "error", "match"), [
    ({"decision": "maybe", "reason": "x, as the review found"}, InvalidInput, "pass, evolve or close"),
    ({"decision": "pass", "reason": ""}, TransitionRefused, "no reason given"),
    ({"decision": "evolve", "reason": "x, as the review found"}, TransitionRefused, "renew, split or merge"),
    ({"decision": "close", "reason": "x, as the review found"}, TransitionRefused, "no closing date"),
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
        decide(db_url, decision="pass", reason="x, as the review found")


def test_the_leads_and_sponsor_are_told_what_the_review_decided_and_why(db_url):
    from copflow.db.models import Notification

    under_review(db_url)
    decide(db_url, decision="pass", reason="targets met, as the review found")
    with UnitOfWork(db_url) as u:
        told = u.session.scalars(select(Notification).where(Notification.kind == "stage_changed",
                                                            Notification.created_at == at(425))).all()
        assert told and {n.recipient for n in told} >= {f"ann@{D}", f"dir@{D}"}
        for n in told:
            assert "The review is decided: the community passes its review and carries on." in n.body_text
            assert "The reason given: targets met, as the review found (the evaluation recommended" in n.body_text
            assert "The reason given: targets met" in (n.body_html or "")


@pytest.mark.parametrize("decision", [{"decision": "close", "closing_date": at(425).date() + timedelta(weeks=5)},
                                      {"decision": "pass"}])  # this review does not recommend pass
def test_a_close_or_a_decision_against_the_recommendation_needs_a_reason_of_substance(db_url, decision):
    """Issue 29 item 4: "x" closed a community against a "pass" recommendation; the service now refuses it (the
    CLI and the web alike), writing nothing, and takes the same decision with a reason that says why."""
    under_review(db_url)
    with UnitOfWork(db_url) as u:
        before = u.session.scalar(select(func.count()).select_from(TransitionRecord))
    for short in ("x", "aims met", "a b c d", "it is over now"):  # under 4 words or under 20 characters
        with pytest.raises(InvalidInput) as refused:
            decide(db_url, reason=short, **decision)
        assert refused.value.field == "reason" and "at least 4 words" in str(refused.value)
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(TransitionRecord)) == before
    r = decide(db_url, reason="Its aims are met and the members moved on", **decision)
    assert r.from_stage == "reviewing"
