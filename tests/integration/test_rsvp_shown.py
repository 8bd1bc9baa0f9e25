"""Answers (RSVPs) where people read them: the check-in agenda, the sponsor brief and the leads' CoP page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from jinja2 import ChainableUndefined
from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.briefs.queue import queue_briefs
from copflow.services.links.signed import Grant
from copflow.web.views.lead_pages import cop_page
from notifications.templating import environment
from tests.integration.helpers import D, P, at, to_active
from tests.integration.rsvp_helpers import apply, reply


def on(day: date) -> datetime:
    return datetime.combine(day, time(7), UTC)


@pytest.fixture
def active(db_url: str) -> str:
    to_active(db_url)
    return db_url


def bodies(url: str, kind: str, who: str) -> list[str]:
    with UnitOfWork(url) as u:
        return [n.body_text + n.body_html for n in u.session.scalars(
            select(Notification).where(Notification.kind == kind, Notification.recipient == f"{who}@{D}"))]


def test_the_agenda_says_who_is_coming_and_who_declined(active: str) -> None:
    apply(active, reply(active, "checkin", "ann", "ACCEPTED"), "ann", at(91))
    apply(active, reply(active, "checkin", "bob", "ACCEPTED"), "bob", at(91))
    apply(active, reply(active, "checkin", "cat", "DECLINED", occurrence_utc="2025-05-13T11:30:00Z"), "cat", at(91))
    queue_briefs(UnitOfWork(active), now=on(date(2025, 5, 11)), policy=P)
    [agenda] = bodies(active, "checkin_agenda", "ann")
    assert "Who:    coming: 2 — declined: Cat Ng\n" in agenda
    assert "<strong>Who</strong></td><td>coming: 2 — declined: Cat Ng</td>" in agenda
    queue_briefs(UnitOfWork(active), now=on(date(2025, 6, 8)), policy=P)  # Cat declined 13 May only
    assert "Who:    coming: 2 — no answer: 1\n" in bodies(active, "checkin_agenda", "ann")[1]


def test_an_agenda_before_any_answer_says_nothing_of_them(active: str) -> None:
    queue_briefs(UnitOfWork(active), now=on(date(2025, 5, 11)), policy=P)
    [agenda] = bodies(active, "checkin_agenda", "ann")
    assert "Who:" not in agenda and "coming:" not in agenda


def test_the_sponsor_brief_says_the_sponsor_declined(active: str) -> None:
    apply(active, reply(active, "sponsor_catchup", "dir", "DECLINED"), "dir", at(91))
    apply(active, reply(active, "sponsor_catchup", "ann", "TENTATIVE"), "ann", at(91))
    queue_briefs(UnitOfWork(active), now=on(date(2025, 5, 20)), policy=P)
    [brief] = bodies(active, "sponsor_brief", "bob")
    assert "Who:    coming: 0 — declined: Dee Ray — unsure: Ann Lee — no answer: 1\n" in brief


def test_the_leads_page_shows_answers_and_counter_proposals(active: str) -> None:
    apply(active, reply(active, "checkin", "cat", "DECLINED"), "cat", at(91))
    apply(active, reply(active, "checkin", "bob", None, method="COUNTER", propose_start_utc="2025-05-14T13:00:00Z",
                        propose_end_utc="2025-05-14T14:00:00Z"), "bob", at(91))
    grant = Grant(0, f"ann@{D}", "cop", "data-insight", None, 1, at(200))
    page = cop_page(UnitOfWork(active), grant, now=at(92), policy=P)
    checkin = next(m for m in page["meetings"] if m["title"].startswith("Core group check-in"))
    assert checkin["answers"] == "coming: 0 — declined: Cat Ng — no answer: 2"
    [counter] = checkin["counters"]
    assert (counter["name"], counter["start"]) == ("Bob Kay", datetime(2025, 5, 14, 14, 0))
    # The page's own template, its other sections' values left empty (tests/e2e drive the whole page in Chromium)
    lenient = environment().overlay(undefined=ChainableUndefined)
    html = lenient.get_template("web/cop.html.j2").render(c=page, links={"cop_page": "/c/x"}, errors={},
                                                         typed={}, roles=[])
    assert "Answers for the next: coming: 0 — declined: Cat Ng — no answer: 2" in html
    assert "Bob Kay proposes Wednesday 14 May 2025 at 14:00 to 15:00 instead" in html
