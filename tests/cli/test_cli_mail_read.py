"""`copflow mail read` on the embedded default: the local Maildir folder <home>/inbox, read once per message;
a question is forwarded to COPFLOW_REPLY_TO (answering it answers its writer) and delivered at once (the Maildir
outbox); a bad --limit is refused."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.cli.test_cli import cf
from tests.mailbox_mail import reply


def test_mail_read_sorts_the_inbox_and_forwards_a_question(seeded: dict[str, str]) -> None:
    env = {**seeded, "COPFLOW_REPLY_TO": "CoP team <cop-team@uni.example.org>"}
    home = Path(env["COPFLOW_HOME"])
    inbox = home / "inbox" / "new"
    inbox.mkdir(parents=True)
    (inbox / f"{uuid.uuid4().hex}.a").write_bytes(reply("ann@uni.example.org", text="When is the launch?"))
    (inbox / f"{uuid.uuid4().hex}.b").write_bytes(reply("x@y.example", headers={"Auto-Submitted": "auto-replied"}))
    (inbox / f"{uuid.uuid4().hex}.c").write_bytes(reply("h@y.example", text=None, html="<p>hi</p>"))
    out = cf(env, "mail", "read").stdout
    assert out.splitlines()[0].startswith(f"read 3 from Maildir {home / 'inbox'}: processed 1, ignored 1, "
                                          "quarantined 1")
    assert "html_only: an HTML-only reply" in out  # each quarantined message is named with its reason
    sent = [p.read_text() for p in (home / "maildir" / "new").iterdir()]
    assert len(sent) == 1 and "When is the launch?" in sent[0] and "To: CoP programme <cop-team@uni.example.org>" in sent[0]
    assert "Reply-To: ann@uni.example.org\n" in sent[0]  # answering the forward answers its writer
    again = cf(env, "mail", "read").stdout
    assert again.startswith("read 0 from")
    refused = cf(env, "mail", "read", "--limit", "0", ok=False)
    assert refused.returncode == 2 and "--limit must be from 1 to 10000, not 0" in refused.stderr


def test_mail_list_shows_what_came_back_and_the_quarantined_with_their_reasons(seeded: dict[str, str]) -> None:
    import json

    env = {**seeded, "COPFLOW_REPLY_TO": "CoP team <cop-team@uni.example.org>"}
    inbox = Path(env["COPFLOW_HOME"]) / "inbox" / "new"
    inbox.mkdir(parents=True)
    (inbox / f"{uuid.uuid4().hex}.a").write_bytes(reply("ann@uni.example.org", text="When is the launch?"))
    (inbox / f"{uuid.uuid4().hex}.b").write_bytes(reply("x@y.example", headers={"Auto-Submitted": "auto-replied"}))
    (inbox / f"{uuid.uuid4().hex}.c").write_bytes(reply("h@y.example", text=None, html="<p>hi</p>",
                                                        subject="Re: Réunion \x1b[31mred\x1b[0m \u202eevil"))
    cf(env, "mail", "read")
    everything = json.loads(cf(env, "mail", "list", "--json").stdout)
    assert sorted(r["outcome"] for r in everything) == ["ignored", "processed", "quarantined"]
    raw = cf(env, "mail", "list", "--outcome", "quarantined", "--json").stdout
    assert "\x1b" not in raw and "\u202e" not in raw  # escaped in the JSON text, never sent to the terminal
    [held] = json.loads(raw)
    assert (held["sender"], held["kind"]) == ("h@y.example", "html_only") and "HTML-only" in held["reason"]
    assert held["subject"] == "Re: Réunion \x1b[31mred\x1b[0m \u202eevil"  # decoded (RFC 2047) as written
    shown = cf(env, "mail", "list", "--outcome", "quarantined").stdout
    assert "h@y.example" in shown and "HTML-only" in shown and "1 shown (times in Europe/London)" in shown
    assert "Réunion" in shown and "=?utf-8?" not in shown.lower()
    assert "\x1b" not in shown and "\u202e" not in shown  # a subject's terminal escapes are never printed
    assert "ann@uni.example.org" not in shown
    refused = cf(env, "mail", "list", "--outcome", "lost", ok=False)
    assert refused.returncode != 0 and len(refused.stderr.strip().splitlines()) == 1
    assert "unknown outcome 'lost' (outcomes: processed, ignored, quarantined)" in refused.stderr
    assert cf(env, "mail", "list", "--limit", "0", ok=False).returncode == 2


def test_person_reachable_takes_the_bounce_mark_off(seeded: dict[str, str]) -> None:
    import sqlite3

    db = Path(seeded["COPFLOW_HOME"]) / "copflow.db"
    with sqlite3.connect(db) as conn:  # as a hard bounce read back left it (tests/integration/test_mailbox.py)
        conn.execute("update person set undeliverable_at = '2026-03-01 09:00:00', undeliverable_reason = "
                     "'5.2.2 mailbox full\x1b[2J' where email = 'ann@uni.example.org'")
    out = cf(seeded, "person", "reachable", "ann@uni.example.org").stdout
    assert out == "ann@uni.example.org is reachable again (it bounced on 2026-03-01: 5.2.2 mailbox full\ufffd[2J)\n"
    assert cf(seeded, "person", "reachable", "ann@uni.example.org").stdout == \
        "ann@uni.example.org was not marked undeliverable: nothing changed\n"
    refused = cf(seeded, "person", "reachable", "zed@uni.example.org", ok=False)
    assert refused.returncode != 0 and refused.stderr.strip().splitlines() == [
        "copflow: error: no person 'zed@uni.example.org'"]
