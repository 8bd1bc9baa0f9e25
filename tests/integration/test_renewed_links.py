"""An expired link renewed by its holder opens what the old one did: the same review (decided since, the page
says what was decided) — never a fresh link to a page that no longer exists. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.links import signed as links
from copflow.web.views.decision_page import decision_view, od_holder
from copflow.web.views.lead_pages import send_fresh_link
from tests.integration.helpers import D, P, as_sent, at
from tests.integration.test_reviews import decide, under_review


def test_a_renewed_link_to_a_review_decided_since_shows_what_was_decided(db_url):
    under_review(db_url)
    old = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"odm@{D}", purpose="decision", now=at(420),
                      policy=P, web_url="https://cop.example.org")
    decide(db_url, decision="pass", reason="targets met, as the review found")
    later = at(420 + P.link_days + 1)  # the old link has expired
    assert send_fresh_link(UnitOfWork(db_url), old.rsplit("/", 1)[-1], now=later, policy=P)
    with UnitOfWork(db_url) as u:
        [mail] = u.session.scalars(select(Notification).where(Notification.kind == "link_renewed")).all()
    [token] = re.findall(r"/d/([A-Za-z0-9_\-]{20,})", as_sent(db_url, mail))
    grant = od_holder(UnitOfWork(db_url), token, now=later, od_manager=None)
    view = decision_view(UnitOfWork(db_url), grant, now=later, policy=P)
    assert view.decided is not None and view.decided.decision == "pass"
