"""The programme's mailbox on a real IMAP server: Dovecot (tests/dovecot.py), messages appended with imapclient,
read by copflow's reader, moved to folders by outcome and never deleted; a 50 MB message quarantined from its
RFC822.SIZE without being read; two readers at once act on each message once (PostgreSQL)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from imapclient import IMAPClient
from sqlalchemy import func, select

from copflow.db.models import InboundMail, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.inbox.read import ReadSummary, read_mailbox
from notifications.mailbox import ImapMailbox
from tests.dovecot import DOVECOT, Dovecot, dovecot_server
from tests.integration.helpers import D
from tests.integration.test_mailbox import PROGRAMME
from tests.mailbox_mail import NOW, dsn, reply, sent_world

pytestmark = pytest.mark.skipif(not shutil.which(DOVECOT), reason="Dovecot not installed (tests/install-tools.sh)")


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


def client(server: Dovecot) -> IMAPClient:
    c = IMAPClient(server.host, server.port, ssl=False, timeout=30)
    c.login(server.user, server.password)
    return c


def mailbox(server: Dovecot) -> ImapMailbox:
    return ImapMailbox(server.host, server.port, username=server.user, password=server.password, use_ssl=False)


def folder_counts(server: Dovecot) -> dict[str, int]:
    c = client(server)
    try:
        return {name: c.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
                for name in ("INBOX", "processed", "ignored", "quarantined") if c.folder_exists(name)}
    finally:
        c.logout()


def test_dovecot_messages_are_read_once_and_moved_by_outcome(db_url: str, dovecot: Dovecot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_mailbox import _bomb

    ids = sent_world(db_url)
    c = client(dovecot)
    c.append("INBOX", reply(f"bob@{D}", answers=ids["closing"], attachment=("lessons.docx", _bomb(tmp_path))))
    c.append("INBOX", reply(f"ann@{D}", answers=ids["receipt"], text="Thanks!"))  # a loop
    c.append("INBOX", b"Subject: no sender\r\n\r\nhello\r\n")
    c.append("INBOX", dsn("exchange_online", recipient=f"ann@{D}", answers=ids["reminder"]))
    c.append("INBOX", reply("ooo@staff.example.org", headers={"X-Autoreply": "yes"}, subject="Away"))
    c.append("INBOX", reply(f"cat@{D}", answers=ids["reminder"], text="A question"))
    c.append("INBOX", reply("html@staff.example.org", text=None, html="<b>hi</b>"))
    c.append("INBOX", reply("big@staff.example.org", text="y" * 50_000_000))  # 50 MB
    c.logout()
    first = read_mailbox(UnitOfWork(db_url), mailbox(dovecot), PROGRAMME, now=NOW)
    assert (first.read, first.processed, first.ignored, first.quarantined) == (8, 2, 1, 5)
    assert folder_counts(dovecot) == {"INBOX": 0, "processed": 2, "ignored": 1, "quarantined": 5}
    with UnitOfWork(db_url) as u:
        big = u.session.scalars(select(InboundMail).where(InboundMail.kind == "too_large")).one()
        assert big.sender == "big@staff.example.org" and "not read" in big.reason
        assert u.session.scalar(select(Notification.status).where(Notification.message_id == ids["reminder"])) \
            == "bounced"
    with UnitOfWork(db_url) as u:
        kinds = sorted(r.kind for r in u.session.scalars(select(InboundMail).where(
            InboundMail.outcome == "quarantined")))
        assert kinds == ["html_only", "lessons", "loop", "malformed", "too_large"]
    second = read_mailbox(UnitOfWork(db_url), mailbox(dovecot), PROGRAMME, now=NOW)
    assert (second.read, second.read_before) == (0, 0)
    assert folder_counts(dovecot) == {"INBOX": 0, "processed": 2, "ignored": 1, "quarantined": 5}


@pytest.mark.postgres
def test_two_readers_at_once_act_on_each_message_once(postgres_url: str, dovecot: Dovecot) -> None:
    from tests.conftest import _truncate

    _truncate(postgres_url)
    ids = sent_world(postgres_url)
    c = client(dovecot)
    for i in range(30):
        c.append("INBOX", reply(f"person{i}@staff.example.org", answers=ids["reminder"], text=f"question {i}"))
    c.logout()
    results: list[ReadSummary] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(read_mailbox(UnitOfWork(postgres_url), mailbox(dovecot), PROGRAMME, now=NOW))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sum(r.processed for r in results) == 30
    with UnitOfWork(postgres_url) as u:
        s = u.session
        assert s.scalar(select(func.count()).select_from(InboundMail)) == 30
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "reply_forwarded")) == 30
    assert folder_counts(dovecot) == {"INBOX": 0, "processed": 30}


def test_a_folder_made_by_another_reader_between_the_look_and_the_create_is_used(dovecot: Dovecot) -> None:
    # Two readers at once both saw no "processed" folder; the second CREATE is answered [ALREADYEXISTS]. The
    # race is made certain here: the reader's look is made stale (it sees no folder) after another session
    # has created it.
    c = client(dovecot)
    c.append("INBOX", reply("ann@staff.example.org", text="hello"))
    with mailbox(dovecot).open() as box:
        [waiting] = box.waiting()
        c.create_folder("processed")
        looks: list[str] = []
        real = box.client.folder_exists  # type: ignore[attr-defined]

        def stale_once(name: str) -> bool:
            looks.append(name)
            return False if len(looks) == 1 else bool(real(name))

        box.client.folder_exists = stale_once  # type: ignore[attr-defined]
        assert box.move([waiting.ref], "processed") == 1
        assert looks == ["processed", "processed"]  # looked again after the refused CREATE
    c.logout()
    assert folder_counts(dovecot) == {"INBOX": 0, "processed": 1}


def test_calendar_replies_built_by_icaljs_are_applied_or_quarantined(db_url: str, dovecot: Dovecot,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Accept, decline, tentative, one occurrence and COUNTER applied; a non-attendee, an unknown UID, a forged
    ORGANIZER and a malformed calendar quarantined with their reason, writing nothing."""
    from copflow.db.models import MeetingAnswer
    from tests.integration.helpers import to_active
    from tests.integration.rsvp_helpers import PROGRAMME as ORGANIZER
    from tests.integration.rsvp_helpers import invitation, series_of
    from tests.interop.icaljs import replies_with_icaljs

    monkeypatch.setenv("COPFLOW_SENDER", f"CoP programme <{ORGANIZER}>")
    to_active(db_url)
    checkin, catchup = series_of(db_url, "checkin"), series_of(db_url, "sponsor_catchup")
    asks = [("ann", checkin.uid, {"partstat": "ACCEPTED"}), ("cat", checkin.uid, {"partstat": "DECLINED"}),
            ("bob", checkin.uid, {"partstat": "TENTATIVE"}),
            ("ann", checkin.uid, {"partstat": "DECLINED", "occurrence_utc": "2025-06-10T11:30:00Z"}),
            ("dir", catchup.uid, {"partstat": "ACCEPTED", "method": "COUNTER",
                                  "propose_start_utc": "2025-05-20T13:00:00Z", "propose_end_utc": "2025-05-20T13:30:00Z"}),
            ("ann", checkin.uid, {"partstat": "ACCEPTED", "uid": "not-ours@elsewhere"}),
            ("ann", checkin.uid, {"partstat": "ACCEPTED", "organizer": "mallory@evil.example"})]
    built = replies_with_icaljs([{"invitation": invitation(db_url, uid, who), "attendee": f"{who}@{D}", **ask}
                                 for who, uid, ask in asks])
    senders = [f"{who}@{D}" for who, _, _ in asks]
    c = client(dovecot)
    for sender, calendar in zip(senders, built, strict=True):
        c.append("INBOX", reply(sender, text=None, calendar=calendar.decode()))
    c.append("INBOX", reply(f"cat@{D}", text=None, calendar=built[0].decode()))  # ann's answer, sent by cat
    c.append("INBOX", reply(f"bob@{D}", text=None, calendar="BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"))
    c.logout()
    summary = read_mailbox(UnitOfWork(db_url), mailbox(dovecot), PROGRAMME, now=NOW)
    assert (summary.processed, summary.quarantined) == (5, 4)
    with UnitOfWork(db_url) as u:
        rows = u.session.scalars(select(InboundMail).where(InboundMail.kind == "calendar")
                                 .order_by(InboundMail.id)).all()
        assert [r.outcome for r in rows] == ["processed"] * 5 + ["quarantined"] * 4
        assert [r.reason.split(":")[0] for r in rows[5:]] == ["unknown-uid", "forged-organizer", "not-attendee",
                                                              "malformed"]
        assert u.session.scalar(select(func.count()).select_from(MeetingAnswer)) == 5
    assert folder_counts(dovecot) == {"INBOX": 0, "processed": 5, "quarantined": 4}
