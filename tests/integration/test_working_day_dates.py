"""Dates people would write on a working day: a closing date and the review survey's deadline that fall on a
weekend or a public holiday (GB-ENG by default) move to the next working day, as meetings do; the survey the
evaluation counts ends on the deadline the members were mailed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select

from copflow.db.models import Cop, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.evaluation.review_report import due_evaluations
from copflow.services.reviews.decide import decide_review
from copflow.services.reviews.evolve import merge
from copflow.services.sweep.due_work import sweep_batch
from tests.integration.helpers import D, P, at, to_active
from tests.integration.test_closure import REVIEW_DAY, under_review

SURVEY = replace(P, survey_url="https://forms.example.org/r/AbC?cop={slug}")


def _closing_date(url: str, slug: str = "data-insight") -> date | None:
    with UnitOfWork(url) as u:
        return u.session.scalar(select(Cop.closing_date).where(Cop.slug == slug))


def test_a_closing_date_on_a_saturday_moves_to_monday(db_url):
    under_review(db_url)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}", reason="done, as the review found",
                  now=at(REVIEW_DAY + 1), policy=P, closing_date=date(2026, 4, 11))  # Saturday
    assert _closing_date(db_url) == date(2026, 4, 13)
    with UnitOfWork(db_url) as u:  # the members' notice names the day it moved to
        notice = u.session.scalar(select(Notification.body_text).where(Notification.kind == "closing_notice")
                                  .limit(1))
    assert notice is not None and "Monday 13 April 2026" in notice and "11 April" not in notice


def test_a_closing_date_before_a_bank_holiday_moves_past_it(db_url):
    under_review(db_url)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}", reason="done, as the review found",
                  now=at(REVIEW_DAY + 1), policy=P, closing_date=date(2026, 5, 2))  # Saturday; Monday 4 May: May Day
    assert _closing_date(db_url) == date(2026, 5, 5)


def test_a_merge_whose_notice_ends_on_a_weekend_closes_the_next_working_day(db_url):
    under_review(db_url)
    to_active(db_url, "analytics", with_staff=False)
    merge(UnitOfWork(db_url), slug="data-insight", into="analytics", decided_by=f"odm@{D}", reason="same practice, as the review found",
          now=at(REVIEW_DAY + 5), policy=P)  # Saturday 7 March 2026: four weeks on is Saturday 4 April
    assert _closing_date(db_url) == date(2026, 4, 7)  # Easter Monday, 6 April, is a bank holiday


def test_the_survey_deadline_mailed_is_the_window_the_evaluation_counts(db_url):
    """Opened Monday 2 March 2026: the 21-day window ends on Sunday 22 March, so the call says Monday 23 March
    and the review is evaluated from Tuesday 24 March, not before."""
    to_active(db_url)
    with UnitOfWork(db_url) as u:
        cop_id = u.session.scalar(select(Cop.id))
    sweep_batch(UnitOfWork(db_url), [cop_id], now=at(REVIEW_DAY), policy=SURVEY)
    with UnitOfWork(db_url) as u:
        calls = list(u.session.scalars(select(Notification).where(Notification.kind == "review_opened")))
    assert calls and all("The survey closes on Monday 23 March 2026" in n.body_text for n in calls)
    assert all(n.subject.endswith("your views by Monday 23 March 2026, please") for n in calls)
    assert due_evaluations(UnitOfWork(db_url), now=at(REVIEW_DAY + 21), policy=SURVEY) == []  # Monday 23: still open
    assert due_evaluations(UnitOfWork(db_url), now=at(REVIEW_DAY + 22), policy=SURVEY) == ["data-insight"]
