"""No working link at rest (issue 28, break 3), on SQLite and PostgreSQL: a mail is stored with each link as a
placeholder; the deliverer makes the token again from the link key (COPFLOW_LINK_KEY, or the key file beside
the database's home) and the link's salt at send time. The link row, hashed, exists from the moment the mail is
queued; a re-send after a crash carries the same token under the same Message-ID; a key changed in between still
sends a working link; text made to look like a placeholder never yields someone else's token."""

from __future__ import annotations

import hashlib
import mailbox
import re
import stat
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select, update

from copflow.db.models import Link, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.links import signed as links
from copflow.services.mail.delivery import deliver
from copflow.services.mail.outbox import Recipient, enqueue
from notifications.transports import MaildirTransport
from tests.integration.helpers import D, at, to_launching
from tests.integration.test_links import BASE, sweep

SENDER = "CoP programme <cop@uni.example.org>"
TOKEN = re.compile(r"[A-Za-z0-9_\-]{32,}")


@pytest.fixture(autouse=True)
def web_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPFLOW_WEB_URL", BASE)


def working_tokens(url: str) -> set[str]:
    """Every string in any text column of the outbox and the links that opens a link (tried against the hashes)."""
    with UnitOfWork(url) as u:
        hashes = set(u.session.scalars(select(Link.token_hash)))
        texts = [v for n in u.session.scalars(select(Notification)) for v in n.__dict__.values() if isinstance(v, str)]
        texts += [v for k in u.session.scalars(select(Link)) for v in k.__dict__.values() if isinstance(v, str)]
    found = set()
    for text in texts:
        for run in TOKEN.findall(text):
            for i in range(len(run) - 31):
                if hashlib.sha256(run[i:i + 32].encode()).hexdigest() in hashes:
                    found.add(run[i:i + 32])
    return found


def sent(box) -> list:  # type: ignore[no-untyped-def]
    return [message_from_bytes(m.as_bytes(), policy=policy.default) for m in mailbox.Maildir(box, create=False)]


def body(msg) -> str:  # type: ignore[no-untyped-def]
    return str(msg.get_body(("plain",)).get_content())


def with_link(box) -> list:  # type: ignore[no-untyped-def]
    return [m for m in sent(box) if f"{BASE}/e/" in body(m)]


def test_a_reminder_is_stored_without_its_token_and_sent_with_a_working_one(db_url, tmp_path):
    to_launching(db_url)
    sweep(db_url, 110)  # the leads' reminders, each with a form link
    with UnitOfWork(db_url) as u:
        rows = list(u.session.scalars(select(Notification).where(Notification.kind == "gate_reminder")))
        made = list(u.session.scalars(select(Link)))
    assert len(rows) == 2 and len(made) == 2  # the link rows exist, hashed, from the moment the mail is queued
    for r in rows:
        assert re.search(re.escape(BASE) + r"/e/\{link:\d+:[0-9a-f]{16}\}", r.body_text)
        assert re.search(re.escape(BASE) + r"/e/\{link:\d+:[0-9a-f]{16}\}", r.body_html or "")
    assert working_tokens(db_url) == set()
    box = tmp_path / "maildir"
    assert deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=at(110)).sent > 2
    assert working_tokens(db_url) == set()  # sending leaves nothing behind either
    assert len(with_link(box)) == 2
    for msg in with_link(box):
        [token] = re.findall(re.escape(BASE) + r"/e/([A-Za-z0-9_\-]{32})(?![A-Za-z0-9_\-])", body(msg))
        assert f"{BASE}/e/{token}" in str(msg.get_body(("html",)).get_content())
        grant = links.resolve(UnitOfWork(db_url), token, now=at(110), purpose="evidence")
        assert grant.email == msg["To"].addresses[0].addr_spec and grant.gate == "launch_held"


def test_a_resend_after_a_crash_carries_the_same_token_under_the_same_message_id(db_url, tmp_path):
    to_launching(db_url)
    sweep(db_url, 110)
    box = tmp_path / "maildir"
    deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=at(110))
    with UnitOfWork(db_url) as u:  # as after a crash between the server's "250" and the mark
        u.session.execute(update(Notification).values(status="pending", sent_at=None, message_id=None,
                                                      next_attempt_at=at(110)))
        u.commit()
    deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=at(110))
    by_id: dict[str, list[str]] = {}
    for msg in with_link(box):
        by_id.setdefault(msg["Message-ID"], []).append(body(msg))
    assert len(by_id) == 2 and all(len(bodies) == 2 and bodies[0] == bodies[1] for bodies in by_id.values())


def test_a_key_changed_while_mail_waits_still_sends_a_working_link(db_url, tmp_path, monkeypatch):
    to_launching(db_url)
    monkeypatch.setenv("COPFLOW_LINK_KEY", "k" * 40)
    sweep(db_url, 110)
    monkeypatch.setenv("COPFLOW_LINK_KEY", "n" * 40)  # rotated before the outbox was delivered
    box = tmp_path / "maildir"
    deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=at(110))
    assert len(with_link(box)) == 2
    for msg in with_link(box):
        [token] = re.findall(re.escape(BASE) + r"/e/([A-Za-z0-9_\-]{32})(?![A-Za-z0-9_\-])", body(msg))
        assert links.resolve(UnitOfWork(db_url), token, now=at(110), purpose="evidence").gate == "launch_held"
    assert working_tokens(db_url) == set()


def test_text_that_looks_like_a_placeholder_never_yields_a_token(db_url, tmp_path):
    to_launching(db_url)
    sweep(db_url, 110)
    with UnitOfWork(db_url) as u:
        ann = u.session.scalars(select(Notification).where(Notification.recipient == f"ann@{D}",
                                                            Notification.kind == "gate_reminder")).one()
        [marker] = re.findall(r"\{link:\d+:[0-9a-f]{16}\}", ann.body_text)
        guessed = re.sub(r":[0-9a-f]{16}\}", ":0000000000000000}", marker)
    # Bob's name, as a hostile roster edit might leave it, carries Ann's placeholder and a guessed one.
    context = {"cop": {"slug": "x", "name": f"X {marker} {guessed}", "stage": "planning", "timezone": "UTC"},
               "from_stage": "forming", "to_stage": "planning", "next_gate": None, "next_due_on": None}
    with UnitOfWork(db_url) as u:
        enqueue(u.session, key="smuggled", cop_id=None, kind="stage_changed",
                to=Recipient(f"bob@{D}", "Bob", "lead"), context=context, now=at(110))
        u.commit()
    box = tmp_path / "maildir"
    deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=at(110))
    [to_bob] = [m for m in sent(box) if m["Subject"].startswith("X ")]
    ann_token = next(re.findall(r"/e/([A-Za-z0-9_\-]{32})(?![A-Za-z0-9_\-])", body(m))[0] for m in with_link(box)
                     if m["To"].addresses[0].addr_spec == f"ann@{D}")
    assert ann_token not in to_bob.as_string() and marker in body(to_bob) and guessed in body(to_bob)


def test_the_key_file_is_made_once_readable_by_its_owner_only(db_url, tmp_path):
    from copflow.services.links.tokens import link_key
    from copflow.settings import load_settings

    to_launching(db_url)
    sweep(db_url, 110)
    settings = load_settings()
    path = settings.home / "link.key"
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert link_key(settings) == link_key(load_settings()) and len(link_key(settings)) >= 32
    assert path.read_bytes().strip() not in repr(settings).encode()


def test_upgrading_takes_the_tokens_out_of_mail_queued_or_sent_before(db_url, tmp_path):
    """At 0011 the outbox held tokens: after the upgrade a waiting mail holds a placeholder (and is sent with a new
    token, the old one dead), a sent one "[link]"."""
    from datetime import UTC, datetime, timedelta

    from alembic import command
    from sqlalchemy import text

    from copflow.db.engine import get_engine
    from copflow.db.migrate import alembic_config, upgrade
    from copflow.services.links.tokens import token_hash

    command.downgrade(alembic_config(db_url), "0011")
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    plain = (lambda t: t.replace(tzinfo=None)) if db_url.startswith("sqlite") else (lambda t: t)
    old = {"ann": "A" * 31 + "a", "bob": "B" * 31 + "b"}
    try:
        with get_engine(db_url).begin() as conn:
            for who, token in old.items():
                conn.execute(text("INSERT INTO link (token_hash, email, purpose, created_at, expires_at) VALUES "
                                  "(:h, :e, 'feed', :now, :end)"),
                             {"h": token_hash(token), "e": f"{who}@{D}", "now": plain(now),
                              "end": plain(now + timedelta(days=30))})
                conn.execute(text(
                    "INSERT INTO notification (idempotency_key, kind, recipient, subject, body_text, body_html, status, "
                    "attempts, next_attempt_at, created_at) VALUES (:k, 'stage_changed', :e, 's', :t, :h, :st, 0, "
                    ":now, :now)"), {"k": f"k/{who}", "e": f"{who}@{D}", "t": f"Feed: {BASE}/f/{token}.ics\n",
                                     "h": f'<a href="{BASE}/f/{token}.ics">feed</a>',
                                     "st": "pending" if who == "ann" else "sent", "now": plain(now)})
    finally:
        upgrade(db_url)
    with UnitOfWork(db_url) as u:
        bodies = {n.recipient: (n.body_text, n.body_html) for n in u.session.scalars(select(Notification))}
    assert re.fullmatch(rf"Feed: {re.escape(BASE)}/f/\{{link:\d+:[0-9a-f]{{16}}\}}\.ics\n", bodies[f"ann@{D}"][0])
    assert bodies[f"bob@{D}"] == (f"Feed: {BASE}/f/[link].ics\n", f'<a href="{BASE}/f/[link].ics">feed</a>')
    assert working_tokens(db_url) == set()
    box = tmp_path / "maildir"
    assert deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=now).sent == 1
    [token] = re.findall(r"/f/([A-Za-z0-9_\-]{32})\.ics", body(sent(box)[0]))
    assert links.resolve(UnitOfWork(db_url), token, now=now, purpose="feed").email == f"ann@{D}"
    with pytest.raises(links.LinkNotFound):
        links.resolve(UnitOfWork(db_url), old["ann"], now=now, purpose="feed")
