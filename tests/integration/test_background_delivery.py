"""Delivery off the request (issue 22, item 2): the web app's deliverer thread sends what a write queued, woken on
commit, and stops cleanly; a CLI command delivers the rows its own writes queued and never the rest of the outbox.
Real databases (SQLite and PostgreSQL), a real aiosmtpd server."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.runs import BackgroundDeliverer, deliver_now
from copflow.services.mail.outbox import Recipient, enqueue
from copflow.settings import Settings, load_settings
from tests.integration.helpers import queue_messages

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def smtp_settings(tmp_path, db_url: str, port: int) -> Settings:  # type: ignore[no-untyped-def]
    return load_settings({"COPFLOW_HOME": str(tmp_path), "COPFLOW_DATABASE_URL": db_url,
                          "COPFLOW_SMTP_HOST": "127.0.0.1", "COPFLOW_SMTP_PORT": str(port),
                          "COPFLOW_SENDER": "CoP programme <cop@uni.example.org>"})


def statuses(url: str) -> dict[str, str]:
    with UnitOfWork(url) as u:
        return dict(u.session.execute(select(Notification.idempotency_key, Notification.status)).all())  # type: ignore[arg-type]


def wait_until(check, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_web_apps_deliverer_sends_what_a_commit_queued_when_woken_and_stops_cleanly(db_url, smtp, tmp_path):
    settings = smtp_settings(tmp_path, db_url, smtp.port)
    deliverer = BackgroundDeliverer(settings, lambda: NOW, poll_seconds=3600)  # no poll here: only wakes
    deliverer.start()
    try:
        wait_until(lambda: deliverer.rounds >= 1)  # its first round at start: nothing was due
        assert smtp.received == []
        queue_messages(db_url, [(f"bg/{i}", f"p{i}@x.org") for i in range(5)], now=NOW)
        deliverer.wake()  # as a page does after its commit
        wait_until(lambda: len(smtp.received) == 5)
        wait_until(lambda: set(statuses(db_url).values()) == {"sent"})
    finally:
        started = time.monotonic()
        deliverer.stop()
        stopped_in = time.monotonic() - started
    assert stopped_in < 5 and deliverer._thread is None
    assert Counter(str(m.message["X-Copflow-Key"]) for m in smtp.received) == {f"bg/{i}": 1 for i in range(5)}


def test_the_deliverer_also_looks_on_its_own_for_mail_queued_elsewhere(db_url, smtp, tmp_path):
    settings = smtp_settings(tmp_path, db_url, smtp.port)
    deliverer = BackgroundDeliverer(settings, lambda: NOW, poll_seconds=0.2)
    deliverer.start()
    try:
        wait_until(lambda: deliverer.rounds >= 1)
        queue_messages(db_url, [("cli/1", "p@x.org")], now=NOW)  # queued by the CLI, say: nobody wakes it
        wait_until(lambda: statuses(db_url) == {"cli/1": "sent"})
    finally:
        deliverer.stop()
    assert len(smtp.received) == 1


def test_a_unit_of_work_knows_the_outbox_rows_its_commits_added_and_none_it_rolled_back(db_url):
    uow = UnitOfWork(db_url)
    to = Recipient("ann@x.org", "Ann", "lead")
    context = {"cop": {"slug": "x", "name": "X", "stage": "planning", "timezone": "UTC"},
               "from_stage": "forming", "to_stage": "planning", "next_gate": None, "next_due_on": None}
    with uow:
        enqueue(uow.session, key="kept", cop_id=None, kind="stage_changed", to=to, context=context, now=NOW)
        uow.commit()
    with uow:
        enqueue(uow.session, key="rolled-back", cop_id=None, kind="stage_changed", to=to, context=context, now=NOW)
    with uow:
        enqueue(uow.session, key="kept", cop_id=None, kind="stage_changed", to=to, context=context, now=NOW)  # twice
        uow.commit()
    with UnitOfWork(db_url) as u:
        kept = u.session.scalar(select(Notification.id).where(Notification.idempotency_key == "kept"))
    assert uow.queued == [kept]


def test_a_command_delivers_the_rows_it_queued_and_never_the_rest_of_the_outbox(db_url, smtp, tmp_path):
    queue_messages(db_url, [(f"other-cop/{i}", f"o{i}@x.org") for i in range(3)], now=NOW)  # someone else's, due
    mine = UnitOfWork(db_url)
    to = Recipient("ann@x.org", "Ann", "lead")
    context = {"cop": {"slug": "x", "name": "X", "stage": "planning", "timezone": "UTC"},
               "from_stage": "forming", "to_stage": "planning", "next_gate": None, "next_due_on": None}
    with mine:
        enqueue(mine.session, key="mine", cop_id=None, kind="stage_changed", to=to, context=context, now=NOW)
        mine.commit()
    settings = smtp_settings(tmp_path, db_url, smtp.port)
    assert deliver_now(settings, now=NOW, queued=mine.queued) == []
    assert [str(m.message["X-Copflow-Key"]) for m in smtp.received] == ["mine"]
    assert statuses(db_url) == {"mine": "sent", **{f"other-cop/{i}": "pending" for i in range(3)}}
    assert deliver_now(settings, now=NOW, queued=[]) == [] and len(smtp.received) == 1  # nothing queued: nothing sent


def test_a_form_posted_to_the_web_app_answers_without_sending_and_its_deliverer_sends_after(db_url, smtp, tmp_path):
    """The request commits and answers; nothing is sent inside it (the app here runs without its lifespan, so no
    deliverer). Served with its lifespan, as `copflow web` serves it, the deliverer sends what the POST queued."""
    import re

    from starlette.testclient import TestClient

    from copflow.services.links.signed import issue, token_of
    from copflow.web.app import create_app
    from tests.integration.helpers import D, P, at, to_launching

    to_launching(db_url)
    with UnitOfWork(db_url) as u:
        u.session.execute(Notification.__table__.update().values(status="sent"))  # the walk's own mail: gone
        u.commit()
    link = issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="evidence", gate="launch_held",
                 now=at(89), policy=P, web_url="http://testserver")
    path = f"/e/{token_of(link)}"
    app = create_app(smtp_settings(tmp_path, db_url, smtp.port), clock=lambda: at(90), rate_limit=0)
    client = TestClient(app)  # no `with`: no lifespan, no deliverer
    [token] = set(re.findall(r'name="csrf" value="([^"]+)"', client.get(path).text))
    answer = client.post(path, data={"csrf": token, "held_on": "2025-04-04", "attendance": "42",
                                     "feedback": "keen on dashboards"})
    assert answer.status_code == 200 and "has moved on" in answer.text
    queued = [k for k, s in statuses(db_url).items() if s == "pending"]
    assert queued and smtp.received == []  # the POST's notices are queued, none was sent in the request
    with TestClient(app):  # served as `copflow web` serves it: the deliverer runs
        wait_until(lambda: all(statuses(db_url)[k] == "sent" for k in queued))
    assert sorted(str(m.message["X-Copflow-Key"]) for m in smtp.received) == sorted(queued)
