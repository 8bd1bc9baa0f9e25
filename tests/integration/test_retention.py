"""Retention on SQLite and PostgreSQL: sent mail past the period loses its content and keeps its key (addresses
hashed), kind, status, times and recipient hash; parked mail is kept; a sweep re-run for the same day sends nothing again."""

from __future__ import annotations

import mailbox
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select, update

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver
from copflow.services.privacy.retention import purge_sent_mail
from copflow.services.pseudonyms import hashed_key, recipient_hash
from notifications.transports import MaildirTransport
from tests.integration.helpers import D, P, at, to_planning
from tests.integration.test_sweep import sweep

SENDER = "CoP programme <cop@uni.example.org>"
DAY = 52 + 14  # the sponsor meeting is 14 days overdue: leads, sponsor and OD manager hear of it


def _rows(url: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        return list(u.session.scalars(select(Notification).order_by(Notification.id)))


def test_purged_mail_keeps_what_idempotency_and_audit_need_and_is_never_sent_again(db_url, tmp_path):
    box = tmp_path / "maildir"
    to_planning(db_url)
    first = sweep(db_url, DAY)
    report = deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=at(DAY))
    assert first.notices_queued > 0 and report.sent == len(_rows(db_url))
    # Purged, a message keeps its key with the addresses in it hashed.
    sent = {hashed_key(r.idempotency_key): (r.kind, r.recipient, r.created_at, r.sent_at, r.message_id)
            for r in _rows(db_url)}
    assert all(r.body_text for r in _rows(db_url))

    # A year and a bit later the daily sweep purges them.
    later = at(DAY) + timedelta(days=P.mail_retention_days + 1)
    counts = purge_sent_mail(UnitOfWork(db_url), now=later, policy=P)
    assert counts.purged == len(sent) and counts.parked_kept == 0 and counts.retention_days == 365
    for r in _rows(db_url):
        kind, address, created, sent_at, message_id = sent[r.idempotency_key]
        assert (r.kind, r.status, r.created_at, r.sent_at, r.message_id) == (kind, "sent", created, sent_at,
                                                                             message_id)
        assert r.recipient_hash == recipient_hash(address) and r.purged_at == later
        assert (r.recipient, r.recipient_name, r.subject, r.body_text) == ("", None, "", "")
        assert (r.body_html, r.ics, r.attachment, r.attachment_name) == (None, None, None, None)
    assert purge_sent_mail(UnitOfWork(db_url), now=later, policy=P).purged == 0  # safe to re-run

    # The sweep for the same day, run again after the purge: nothing queued, nothing sent.
    again = sweep(db_url, DAY)
    resent = deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=at(DAY))
    assert again.notices_queued == 0 and resent.sent == 0 and resent.claimed == 0
    assert len(_rows(db_url)) == len(sent) and len(mailbox.Maildir(box, create=False)) == len(sent)


def test_recent_and_parked_mail_is_kept(db_url, tmp_path):
    to_planning(db_url)
    sweep(db_url, DAY)
    deliver(UnitOfWork(db_url), MaildirTransport(tmp_path / "maildir"), sender=SENDER, now=at(DAY))
    rows = _rows(db_url)
    parked = rows[-1].id
    with UnitOfWork(db_url) as u:
        u.session.execute(update(Notification).where(Notification.id == parked)
                          .values(status="parked", sent_at=None, last_error="550 mailbox unavailable"))
        u.commit()
    short = replace(P, mail_retention_days=30)
    assert purge_sent_mail(UnitOfWork(db_url), now=at(DAY) + timedelta(days=29), policy=short).purged == 0
    counts = purge_sent_mail(UnitOfWork(db_url), now=at(DAY) + timedelta(days=31), policy=short)
    assert counts.parked_kept == 1 and counts.purged == len(rows) - 1
    with UnitOfWork(db_url) as u:
        kept = u.session.get(Notification, parked)
        assert kept is not None and kept.body_text and kept.recipient.endswith(f"@{D}") and kept.purged_at is None


def test_after_the_purge_no_idempotency_key_holds_an_address_and_nothing_is_queued_twice(db_url, tmp_path):
    from copflow.services.mail.outbox import Recipient, already_queued, enqueue
    from tests.integration.helpers import queue_messages

    to_planning(db_url)
    sweep(db_url, DAY)
    queue_messages(db_url, [(f"data-insight/join/eve@{D}/2025-03-30/ann@{D}", f"ann@{D}")], now=at(DAY))
    deliver(UnitOfWork(db_url), MaildirTransport(tmp_path / "maildir"), sender=SENDER, now=at(DAY))
    keys = [r.idempotency_key for r in _rows(db_url)]
    assert any("@" in k for k in keys)  # as queued: keys name their recipients (and a requester)
    later = at(DAY) + timedelta(days=P.mail_retention_days + 1)
    purge_sent_mail(UnitOfWork(db_url), now=later, policy=P)
    hashed = [r.idempotency_key for r in _rows(db_url)]
    assert not any("@" in k for k in hashed), hashed
    assert f"~{recipient_hash(f'eve@{D}')}" in " ".join(hashed)  # an address becomes its hash, as the recipient's
    for key in keys:  # each old key is still known, hashed, so nothing is queued again under it
        with UnitOfWork(db_url) as u:
            assert already_queued(u.session, key)
            context = {"cop": {"slug": "x", "name": "X", "stage": "planning", "timezone": "UTC"},
                       "from_stage": "forming", "to_stage": "planning", "next_gate": None, "next_due_on": None}
            assert not enqueue(u.session, key=key, cop_id=None, kind="stage_changed",
                               to=Recipient(f"ann@{D}", "Ann", "lead"), context=context, now=later)
    assert len(_rows(db_url)) == len(keys)
