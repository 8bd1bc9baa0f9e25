"""Everyone addressed is reached: a member who joins while a review's survey is open gets the survey call, with
the days left — whether added by `member add`, the leads' roster form or a people import — and nobody is asked
twice, nor after the survey has closed. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from copflow.db.models import Cop, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.imports.people import import_people
from copflow.services.people import members
from copflow.services.sweep.due_work import sweep_batch
from copflow.services.workdays import organisation_working_days
from lifecycle.working_days import survey_closes_on
from notifications.vocabulary import plural
from tests.acting import OD
from tests.integration.helpers import D, P, at, to_active
from tests.integration.test_closure import REVIEW_DAY

POLICY = replace(P, survey_url="https://forms.example.org/r/AbC?cop={slug}")


def calls(url: str) -> dict[str, Notification]:
    with UnitOfWork(url) as u:
        return {n.recipient: n for n in u.session.scalars(select(Notification).where(
            Notification.kind == "review_opened"))}


def opened_review(url: str) -> None:
    to_active(url)
    with UnitOfWork(url) as u:
        cop_id = u.session.scalar(select(Cop.id))
    sweep_batch(UnitOfWork(url), [cop_id], now=at(REVIEW_DAY), policy=POLICY)


def test_a_member_who_joins_during_the_survey_is_asked_with_the_days_left(db_url, tmp_path):
    opened_review(db_url)
    first = calls(db_url)
    assert sorted(first) == [f"ann@{D}", f"bob@{D}", f"cat@{D}", f"dir@{D}"]
    # Three days later a wider member joins by hand, two more come with the people extract.
    day = at(REVIEW_DAY + 3)
    members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"eve@{D}", role="wider", now=day,
                      policy=POLICY, acting=OD, name="Eve Stone")
    extract = tmp_path / "people.csv"
    extract.write_text(f"email,name,department,cop,role\nfay@{D},Fay Lim,Finance,data-insight,wider\n"
                       f"gus@{D},Gus Oh,Estates,data-insight,core\n", encoding="utf-8")
    result = import_people(UnitOfWork(db_url), extract, now=day, policy=POLICY)
    assert "2 newcomers asked to answer the open review's survey" in result.summary()
    late = {k: v for k, v in calls(db_url).items() if k not in first}
    assert sorted(late) == [f"eve@{D}", f"fay@{D}", f"gus@{D}"]
    with UnitOfWork(db_url) as u:
        opened = u.session.scalar(select(Cop.stage_entered_on))
    closes = survey_closes_on(opened, POLICY, organisation_working_days(POLICY).is_working)
    left = (closes - day.date()).days + 1  # today included
    for n in late.values():
        assert "https://forms.example.org/r/AbC?cop=data-insight" in n.body_text
        assert f"You joined while the review was open: {plural(left, 'day')} are left to answer." in n.body_text
    # The members asked when it opened are not asked again, and their call says nothing of joining late.
    assert {k: v.id for k, v in calls(db_url).items() if k in first} == {k: v.id for k, v in first.items()}
    assert all("You joined" not in n.body_text for n in first.values())


def test_nobody_is_asked_once_the_survey_has_closed(db_url):
    opened_review(db_url)
    with UnitOfWork(db_url) as u:
        opened = u.session.scalar(select(Cop.stage_entered_on))
    after = opened + timedelta(days=POLICY.survey_window_days + 10)
    days = (after - at(0).date()).days
    members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"eve@{D}", role="wider", now=at(days),
                      policy=POLICY, acting=OD, name="Eve Stone")
    assert f"eve@{D}" not in calls(db_url)
