"""Outbox delivery to a real SMTP server on 127.0.0.1 and to a Maildir: once per key, retries, parking."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver, deliver_with_settings
from copflow.settings import load_settings
from notifications.transports import MaildirTransport, SmtpTransport
from tests.integration.helpers import queue_messages

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDER = "CoP programme <cop@uni.example.org>"


def queue(url: str, *addresses: str) -> None:
    queue_messages(url, [(f"test/{i}/{a}", a) for i, a in enumerate(addresses)], now=NOW, cop_name="Data & Insight")


def rows(url: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        return list(u.session.scalars(select(Notification).order_by(Notification.id)))


def test_enqueue_is_idempotent_per_key(db_url):
    queue(db_url, "a@x.org")
    queue(db_url, "a@x.org")
    assert len(rows(db_url)) == 1


def test_smtp_delivery_sends_each_key_once_over_one_connection(db_url, smtp):
    queue(db_url, "a@x.org", "b@x.org", "c@x.org")
    transport = SmtpTransport("127.0.0.1", smtp.port)
    report = deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW, batch_size=10)
    assert (report.sent, report.retried, report.parked) == (3, 0, 0)
    again = deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW + timedelta(hours=1))
    assert again.sent == 0
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == ["a@x.org", "b@x.org", "c@x.org"]
    msg = smtp.received[0].message
    assert msg["Subject"] == "Data & Insight has moved to the planning stage"
    assert msg["Message-ID"] == rows(db_url)[0].message_id
    assert msg.get_content_type() == "multipart/alternative"
    assert "<strong>Data &amp; Insight</strong>" in msg.get_body(("html",)).get_content()
    # Read back as aware UTC; the run's clock starts at NOW and runs on.
    assert all(r.status == "sent" and NOW <= r.sent_at < NOW + timedelta(seconds=30) for r in rows(db_url))


def test_replies_go_to_the_programmes_contact_address_where_one_is_configured(db_url, smtp, tmp_path):
    queue(db_url, "a@x.org")
    env = {"COPFLOW_HOME": str(tmp_path), "COPFLOW_DATABASE_URL": db_url, "COPFLOW_SMTP_HOST": "127.0.0.1",
           "COPFLOW_SMTP_PORT": str(smtp.port), "COPFLOW_SENDER": "CoP programme <no-reply@uni.example.org>",
           "COPFLOW_REPLY_TO": "CoP programme team <cop-programme@uni.example.org>"}
    assert deliver_with_settings(load_settings(env), now=NOW).sent == 1
    [got] = smtp.received
    assert got.message["Reply-To"] == "CoP programme team <cop-programme@uni.example.org>"
    # The text part carries the same footer as the HTML: replies are asked for in both.
    ask = "Questions: reply to this message and the CoP programme team will answer."
    assert ask in got.message.get_body(("plain",)).get_content()
    assert ask in got.message.get_body(("html",)).get_content()
    queue(db_url, "b@x.org")  # none configured: no Reply-To, replies go to the sender
    deliver(UnitOfWork(db_url), SmtpTransport("127.0.0.1", smtp.port), sender=SENDER, now=NOW)
    assert smtp.received[1].message["Reply-To"] is None


def test_temporary_failure_is_retried_later_and_permanent_failure_is_parked(db_url, smtp):
    smtp.refuse = {"busy@x.org": "451 4.3.0 mailbox busy", "gone@x.org": "550 5.1.1 no such user"}
    queue(db_url, "ok@x.org", "busy@x.org", "gone@x.org")
    transport = SmtpTransport("127.0.0.1", smtp.port)
    report = deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW)
    assert (report.sent, report.retried, report.parked) == (1, 1, 1)
    [parked] = report.parked_messages
    assert parked.startswith("gone@x.org (") and "550 5.1.1 no such user" in parked
    by_addr = {r.recipient: r for r in rows(db_url)}
    assert by_addr["gone@x.org"].status == "parked" and "550 5.1.1 no such user" in by_addr["gone@x.org"].last_error
    busy = by_addr["busy@x.org"]
    assert busy.status == "pending" and busy.attempts == 1
    assert NOW + timedelta(minutes=1) <= busy.next_attempt_at < NOW + timedelta(minutes=1, seconds=30)
    # Not yet due: nothing is tried.
    assert deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW + timedelta(seconds=30)).claimed == 0
    smtp.refuse = {}
    report = deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW + timedelta(minutes=2))
    assert (report.sent, report.parked) == (1, 0)
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == ["busy@x.org", "ok@x.org"]


def test_temporary_failures_give_up_after_the_limit(db_url, smtp):
    smtp.refuse = {"busy@x.org": "452 4.2.2 mailbox full"}
    queue(db_url, "busy@x.org")
    transport = SmtpTransport("127.0.0.1", smtp.port)
    t = NOW
    reports = []
    for _ in range(3):
        reports.append(deliver(UnitOfWork(db_url), transport, sender=SENDER, now=t, max_attempts=3))
        t += timedelta(hours=7)
    assert [len(r.parked_messages) for r in reports] == [0, 0, 1]
    assert "gave up after 3 attempts: " in reports[-1].parked_messages[0]
    [row] = rows(db_url)
    assert row.status == "parked" and row.attempts == 3 and "gave up after 3 attempts" in row.last_error


def test_an_unreachable_server_loses_nothing(db_url, smtp):
    queue(db_url, "a@x.org", "b@x.org")
    from tests.smtp_server import free_port

    report = deliver(UnitOfWork(db_url), SmtpTransport("127.0.0.1", free_port(), timeout=2), sender=SENDER, now=NOW)
    assert report.sent == 0 and report.errors and "cannot connect" in report.errors[0]
    assert [r.status for r in rows(db_url)] == ["pending", "pending"]
    report = deliver(UnitOfWork(db_url), SmtpTransport("127.0.0.1", smtp.port), sender=SENDER,
                     now=NOW + timedelta(minutes=5))
    assert report.sent == 2


def test_a_claimed_message_whose_deliverer_died_is_sent_after_the_lease(db_url, smtp):
    from copflow.services.mail.claims import LEASE, claim

    queue(db_url, "a@x.org")
    assert claim(UnitOfWork(db_url), now=NOW, limit=10).ids == [1]  # ...and the process dies here
    transport = SmtpTransport("127.0.0.1", smtp.port)
    assert deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW + timedelta(minutes=1)).sent == 0
    assert deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW + LEASE).sent == 1


def test_maildir_delivery(db_url, tmp_path):
    queue(db_url, "a@x.org", "b@x.org")
    box_path = tmp_path / "maildir"
    report = deliver(UnitOfWork(db_url), MaildirTransport(box_path), sender=SENDER, now=NOW)
    assert report.sent == 2
    box = mailbox.Maildir(box_path, create=False)
    subjects = sorted(m["To"] for m in box)
    assert subjects == ["Person 0 <a@x.org>", "Person 1 <b@x.org>"]


def test_parked_mail_is_sent_again_once_the_cause_is_fixed_and_never_twice(db_url, smtp):
    import pytest

    from copflow.services.errors import InvalidInput
    from copflow.services.mail.outbox_admin import list_messages, requeue_parked

    smtp.refuse = {"full@x.org": "552 5.2.2 mailbox full", "gone@x.org": "550 5.1.1 no such user"}
    queue(db_url, "ok@x.org", "full@x.org", "gone@x.org")
    transport = SmtpTransport("127.0.0.1", smtp.port)
    deliver(UnitOfWork(db_url), transport, sender=SENDER, now=NOW)
    by_addr = {r.recipient: r for r in rows(db_url)}
    parked = [m.id for m in list_messages(UnitOfWork(db_url), status="parked")]
    assert sorted(parked) == sorted([by_addr["full@x.org"].id, by_addr["gone@x.org"].id])
    for ids, message in (([by_addr["ok@x.org"].id], "only parked messages are sent again: .* is sent"),
                         ([999_999], "no message 999999 in the outbox")):
        with pytest.raises(InvalidInput, match=message):
            requeue_parked(UnitOfWork(db_url), now=NOW, ids=ids)
    assert {r.status for r in rows(db_url)} == {"sent", "parked"}  # a refusal changes nothing

    smtp.refuse = {"gone@x.org": "550 5.1.1 no such user"}  # the mailbox was emptied; the other is still gone
    later = NOW + timedelta(hours=1)
    assert requeue_parked(UnitOfWork(db_url), now=later, ids=[by_addr["full@x.org"].id]) == [by_addr["full@x.org"].id]
    report = deliver(UnitOfWork(db_url), transport, sender=SENDER, now=later)
    assert (report.sent, report.parked) == (1, 0)
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == ["full@x.org", "ok@x.org"]
    assert requeue_parked(UnitOfWork(db_url), now=later, ids=None) == [by_addr["gone@x.org"].id]
    assert deliver(UnitOfWork(db_url), transport, sender=SENDER, now=later).parked == 1
    with pytest.raises(InvalidInput, match="unknown status 'lost'"):
        list_messages(UnitOfWork(db_url), status="lost")
