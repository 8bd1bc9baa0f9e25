"""One path from a committed transition to people's inboxes; the mode is detected once, in Settings."""

from __future__ import annotations

import mailbox

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.runs import after_transition
from copflow.settings import load_settings
from tests.integration.helpers import D, advance, at, record, to_planning


def test_the_mode_is_detected_in_settings(tmp_path):
    assert load_settings({"COPFLOW_HOME": str(tmp_path)}).server_mode is False
    server = load_settings({"COPFLOW_HOME": str(tmp_path), "PREFECT_API_URL": "http://127.0.0.1:4200/api"})
    assert server.server_mode and server.prefect_api_url == "http://127.0.0.1:4200/api"


def test_embedded_delivers_what_the_transition_queued_in_this_process(db_url, tmp_path):
    to_planning(db_url)
    record(db_url, "data-insight", "sponsor_meeting_done", 30, held_on="2025-02-04", sponsor_attended="yes",
           notes="scope agreed")
    record(db_url, "data-insight", "charter_published", 60, version="1.0", purpose="share practice",
           aims=["learn"], annual_targets=["1 seminar"], review_dates=["2026-03-02"], link="https://x.org/c",
           published_on="2025-03-06")
    result = advance(db_url, "data-insight", 60)
    settings = load_settings({"COPFLOW_HOME": str(tmp_path), "COPFLOW_DATABASE_URL": db_url})
    with UnitOfWork(db_url) as u:  # what the commands above queued (the CLI knows them by its units of work)
        queued = list(u.session.scalars(select(Notification.id)))
    report = after_transition(settings, result.slug, result.events, now=at(60), queued=queued)
    assert report is not None and report.parked == 0
    with UnitOfWork(db_url) as u:
        sent = list(u.session.execute(select(Notification.kind, Notification.recipient, Notification.idempotency_key)
                                      .where(Notification.status == "sent")))
    # Both transitions' notices to leads and sponsor, each once, and the review meeting's invitations.
    assert report.sent == len(sent) == len(mailbox.Maildir(str(settings.maildir), create=False))
    launched = sorted(r for kind, r, key in sent if kind == "stage_changed" and "/launching/" in key)
    assert launched == [f"ann@{D}", f"bob@{D}", f"dir@{D}"]
    assert any(kind == "invitation" for kind, _, _ in sent)
    again = after_transition(settings, result.slug, result.events, now=at(60), queued=queued)
    assert again is not None and again.sent == 0  # nothing twice
