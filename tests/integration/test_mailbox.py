"""The programme's mailbox read back from a local Maildir folder (the embedded default): bounces in the formats
Exchange Online, Gmail and Postfix write, auto-replies, a lead's lessons, questions forwarded once, hostile mail
quarantined with its reason; reading twice changes nothing. The same against Dovecot: test_mailbox_dovecot.py."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from copflow.db.models import Cop, Document, InboundMail, Notification, Person
from copflow.db.uow import UnitOfWork
from copflow.services.cops import show_cop
from copflow.services.inbox.answers import Programme
from copflow.services.inbox.read import read_mailbox
from copflow.services.inbox.record import soft_bounces
from copflow.services.mail.digest import bouncing_addresses
from copflow.services.mail.outbox import recipients
from lifecycle import Policy
from notifications.mailbox import MaildirMailbox
from tests.bombs import DOCX_FOOT, DOCX_HEAD, repeated, write_zip
from tests.integration.helpers import D
from tests.mailbox_mail import NOW, calendar_reply, dsn, reply, sent_world

PROGRAMME = Programme(own_addresses=frozenset({"cop-programme@uni.example.org"}),
                      contact="cop-team@uni.example.org")


def drop(box: Path, data: bytes) -> None:
    (box / "new").mkdir(parents=True, exist_ok=True)
    (box / "new" / f"{uuid.uuid4().hex}.test").write_bytes(data)


def read(url: str, box: Path, **kw: object):  # type: ignore[no-untyped-def]
    now = kw.pop("now", NOW)
    return read_mailbox(UnitOfWork(url), MaildirMailbox(box), PROGRAMME, now=now, **kw)  # type: ignore[arg-type]


def outcomes(url: str) -> dict[str, tuple[str, str, str]]:
    with UnitOfWork(url) as u:
        return {r.sender: (r.outcome, r.kind, r.reason) for r in u.session.scalars(select(InboundMail))}


def in_folder(box: Path, outcome: str) -> int:
    return len(list((box / f".{outcome}" / "cur").iterdir())) if (box / f".{outcome}").exists() else 0


@pytest.mark.parametrize("fmt", ["exchange_online", "gmail", "postfix_hard"])
def test_a_hard_bounce_marks_the_message_and_the_address(db_url: str, tmp_path: Path, fmt: str) -> None:
    ids = sent_world(db_url)
    box = tmp_path / "inbox"
    drop(box, dsn(fmt, recipient=f"ann@{D}", answers=ids["reminder"]))
    summary = read(db_url, box)
    assert (summary.processed, summary.quarantined, in_folder(box, "processed")) == (1, 0, 1)
    with UnitOfWork(db_url) as u:
        s = u.session
        sent = s.scalars(select(Notification).where(Notification.message_id == ids["reminder"])).one()
        assert sent.status == "bounced" and "5.1." in (sent.last_error or "")
        ann = s.scalars(select(Person).where(Person.email == f"ann@{D}")).one()
        assert ann.undeliverable_at == NOW and ann.undeliverable_reason and ann.undeliverable_reason.startswith("5.1.")
        cop = s.scalars(select(Cop).where(Cop.slug == "data-insight")).one()
        assert [r.email for r in recipients(cop, "leads")] == [f"bob@{D}"]  # the co-lead still hears
    page = show_cop(UnitOfWork(db_url), "data-insight", NOW, Policy())  # what the CoP page and `cop show` list
    assert sorted((m.email, m.bounces is not None) for m in page.members if m.role in ("coordinator", "lead")) == [
        (f"ann@{D}", True), (f"bob@{D}", False)]
    holds = bouncing_addresses(UnitOfWork(db_url))
    assert [(b["email"], [h["role"] for h in b["holds"]]) for b in holds] == [(f"ann@{D}", ["coordinator"])]


def test_an_address_the_od_manager_says_works_again_is_written_to_again(db_url: str, tmp_path: Path) -> None:
    from copflow.db.models import AuditEntry
    from copflow.services.errors import NotFound
    from copflow.services.people.audit import refusals
    from copflow.services.people.reachable import mark_reachable

    ids = sent_world(db_url)
    box = tmp_path / "inbox"
    drop(box, dsn("exchange_online", recipient=f"ann@{D}", answers=ids["reminder"]))
    read(db_url, box)
    fixed_at = NOW + timedelta(hours=1)
    done = mark_reachable(UnitOfWork(db_url), email=f"ANN@{D}", by=f"odm@{D}", now=fixed_at)  # as typed
    assert (done.email, done.bounced_at) == (f"ann@{D}", NOW) and done.reason and done.reason.startswith("5.1.")
    with UnitOfWork(db_url) as u:
        cop = u.session.scalars(select(Cop).where(Cop.slug == "data-insight")).one()
        assert [r.email for r in recipients(cop, "leads")] == [f"ann@{D}", f"bob@{D}"]  # the coordinator again
        [audit] = u.session.scalars(select(AuditEntry)).all()  # who said so, and when, and what it undid
        assert (audit.by, audit.subject, audit.outcome, audit.action) == (f"odm@{D}", f"ann@{D}", "done",
                                                                         "address_reachable")
        assert "bounced on" in audit.reason
    assert bouncing_addresses(UnitOfWork(db_url)) == [] and refusals(UnitOfWork(db_url)) == []
    again = mark_reachable(UnitOfWork(db_url), email=f"ann@{D}", by=f"odm@{D}", now=fixed_at)
    assert again.bounced_at is None and again.reason is None  # nothing to take off: nothing changes, nothing audited
    with pytest.raises(NotFound, match=re.escape("no person 'nobody@uni.example.org'")):
        mark_reachable(UnitOfWork(db_url), email="nobody@uni.example.org", by=f"odm@{D}", now=fixed_at)

    # A late bounce of mail sent before the fix is old news; a bounce of mail sent after it marks the address again.
    drop(box, dsn("gmail", recipient=f"ann@{D}", answers=ids["reminder"]))  # its report came late
    assert read(db_url, box, now=fixed_at + timedelta(hours=1)).processed == 1
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(Person.undeliverable_at).where(Person.email == f"ann@{D}")) is None
        u.session.execute(update(Notification).where(Notification.message_id == ids["receipt"]).values(
            sent_at=fixed_at + timedelta(minutes=5)))
        u.commit()
    drop(box, dsn("postfix_hard", recipient=f"ann@{D}", answers=ids["receipt"]))
    read(db_url, box, now=fixed_at + timedelta(hours=2))
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(Person.undeliverable_at).where(Person.email == f"ann@{D}")) is not None


def test_when_every_lead_bounces_the_sponsor_hears(db_url: str, tmp_path: Path) -> None:
    ids = sent_world(db_url)
    box = tmp_path / "inbox"
    drop(box, dsn("postfix_hard", recipient=f"ann@{D}", answers=ids["reminder"]))
    drop(box, dsn("gmail", recipient=f"bob@{D}", answers=ids["closing"]))
    assert read(db_url, box).processed == 2
    with UnitOfWork(db_url) as u:
        cop = u.session.scalars(select(Cop).where(Cop.slug == "data-insight")).one()
        assert [r.email for r in recipients(cop, "leads")] == [f"dir@{D}"]
        assert [r.email for r in recipients(cop, "members")] == [f"cat@{D}", f"dir@{D}"]


def test_a_soft_bounce_is_counted_not_acted_on(db_url: str, tmp_path: Path) -> None:
    ids = sent_world(db_url)
    box = tmp_path / "inbox"
    drop(box, dsn("postfix_delayed", recipient=f"ann@{D}", answers=ids["reminder"]))
    assert read(db_url, box).processed == 1
    with UnitOfWork(db_url) as u:
        s = u.session
        assert s.scalar(select(Notification.status).where(Notification.message_id == ids["reminder"])) == "sent"
        assert s.scalar(select(Person.undeliverable_at).where(Person.email == f"ann@{D}")) is None
        assert soft_bounces(s, f"ann@{D}") == 1


def _bomb(tmp_path: Path) -> bytes:
    path = tmp_path / "bomb.docx"
    chunk = b"<w:p><w:r><w:t>" + b"A" * 4000 + b"</w:t></w:r></w:p>"
    write_zip(path, {"[Content_Types].xml": b"<Types/>",
                     "word/document.xml": repeated(DOCX_HEAD.encode(), chunk, 60_000, DOCX_FOOT.encode())})
    return path.read_bytes()


def test_replies_are_sorted_and_reading_twice_changes_nothing(db_url: str, tmp_path: Path) -> None:
    ids = sent_world(db_url)
    box = tmp_path / "inbox"
    lessons = "# Lessons learned\n\nWhat worked: the monthly clinics.\n"
    mail = {
        "ooo@staff.example.org": reply("ooo@staff.example.org", answers=ids["reminder"],
                                       headers={"Auto-Submitted": "auto-replied"}),
        "away@staff.example.org": reply("away@staff.example.org", subject="Out of Office: back on Monday"),
        f"bob@{D}": reply(f"bob@{D}", answers=ids["closing"], attachment=("lessons.md", lessons.encode())),
        f"cat@{D}": reply(f"cat@{D}", answers=ids["reminder"], text="Can we move the check-in?"),
        "html@staff.example.org": reply("html@staff.example.org", text=None, html="<p>hi<script>x()</script></p>"),
        f"ann@{D}": reply(f"ann@{D}", answers=ids["receipt"], text="Thanks for the receipt!"),
        "cop-programme@uni.example.org": reply("cop-programme@uni.example.org", text="our own"),
        "stranger@elsewhere.example": reply("stranger@elsewhere.example", calendar=calendar_reply("stranger@x.org"),
                                            text=None),
        "bomber@staff.example.org": reply("bomber@staff.example.org", answers=ids["closing"],
                                          attachment=("lessons.docx", _bomb(tmp_path))),
    }
    for data in mail.values():
        drop(box, data)
    drop(box, b"Subject: no sender at all\n\nhello\n")
    lead_bomb = reply(f"bob@{D}", answers=ids["closing"], attachment=("report.docx", _bomb(tmp_path)),
                      subject="Re: lessons, again")
    drop(box, lead_bomb)
    first = read(db_url, box)
    got = outcomes(db_url)
    assert got["ooo@staff.example.org"][:2] == ("ignored", "auto_reply")
    assert got["away@staff.example.org"][:2] == ("ignored", "auto_reply")
    assert got[f"cat@{D}"][:2] == ("processed", "reply")
    assert got["html@staff.example.org"][:2] == ("quarantined", "html_only")
    assert got[f"ann@{D}"][:2] == ("quarantined", "loop")
    assert got["cop-programme@uni.example.org"][:2] == ("quarantined", "loop")
    assert got["stranger@elsewhere.example"][:2] == ("quarantined", "calendar")
    assert got["bomber@staff.example.org"][:2] == ("processed", "reply")  # not a lead: forwarded, never unpacked
    assert got[""][:2] == ("quarantined", "malformed")
    with UnitOfWork(db_url) as u:
        s = u.session
        kinds = [r.kind for r in s.scalars(select(InboundMail).where(InboundMail.sender.like("%bob%")))]
        assert sorted(kinds) == ["lessons", "lessons"]
        refused = s.scalars(select(InboundMail).where(InboundMail.subject == "Re: lessons, again")).one()
        assert refused.outcome == "quarantined" and "cannot be read" in refused.reason
        docs = s.scalars(select(Document).where(Document.kind == "lessons_learned")).all()
        assert [(d.content, d.created_by) for d in docs] == [(lessons, f"bob@{D}")]
        receipts = s.scalars(select(Notification.recipient).where(Notification.kind == "lessons_received",
                                                                 Notification.status == "pending")).all()
        assert sorted(receipts) == [f"ann@{D}", f"bob@{D}"]
        forwards = s.scalars(select(Notification).where(Notification.kind == "reply_forwarded")).all()
        assert sorted(f.recipient for f in forwards) == ["cop-team@uni.example.org"] * 2
        assert any("Can we move the check-in?" in f.body_text for f in forwards)
        before = (s.scalar(select(func.count()).select_from(Notification)),
                  s.scalar(select(func.count()).select_from(InboundMail)),
                  s.scalar(select(func.count()).select_from(Document)))
    assert (first.read, first.processed, first.ignored, first.quarantined) == (11, 3, 2, 6)
    assert (in_folder(box, "processed"), in_folder(box, "ignored"), in_folder(box, "quarantined")) == (3, 2, 6)
    # The same messages put back (a restore, a client's copy): read again, nothing changes but their folder.
    for data in [*mail.values(), lead_bomb]:
        drop(box, data)
    later = read_mailbox(UnitOfWork(db_url), MaildirMailbox(box), PROGRAMME, now=NOW + timedelta(minutes=5))
    assert (later.read, later.read_before) == (0, 10)
    assert list((box / "new").iterdir()) == [] and in_folder(box, "quarantined") == 6 + 5
    with UnitOfWork(db_url) as u:
        s = u.session
        after = (s.scalar(select(func.count()).select_from(Notification)),
                 s.scalar(select(func.count()).select_from(InboundMail)),
                 s.scalar(select(func.count()).select_from(Document)))
    assert after == before


def test_a_message_over_the_limit_is_quarantined_unread(db_url: str, tmp_path: Path) -> None:
    sent_world(db_url)
    box = tmp_path / "inbox"
    drop(box, reply("big@staff.example.org", text="x" * 200_000))
    summary = read(db_url, box, max_bytes=100_000)
    assert summary.quarantined == 1
    assert outcomes(db_url)["big@staff.example.org"][1] == "too_large"


def test_retention_forgets_who_wrote_but_not_that_it_was_read(db_url: str, tmp_path: Path) -> None:
    from copflow.services.privacy.retention import purge_sent_mail

    sent_world(db_url)
    box = tmp_path / "inbox"
    question = reply(f"cat@{D}", text="A question")
    drop(box, question)
    assert read(db_url, box).processed == 1
    purge_sent_mail(UnitOfWork(db_url), now=NOW + timedelta(days=400), policy=Policy())
    with UnitOfWork(db_url) as u:
        [row] = u.session.scalars(select(InboundMail)).all()
        assert (row.sender, row.subject, row.reason, row.outcome, row.kind) == ("", "", "", "processed", "reply")
    drop(box, question)  # the same message again, long after
    again = read_mailbox(UnitOfWork(db_url), MaildirMailbox(box), PROGRAMME, now=NOW + timedelta(days=401))
    assert (again.read, again.read_before) == (0, 1)
