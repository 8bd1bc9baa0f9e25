"""The programme's mailbox: messages read and applied per second against Dovecot, as a ratio to imapclient fetching
the same messages (sizes, then each one whole) without doing anything with them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

# A bare fetch costs about a millisecond a message on loopback; copflow's reading is a transaction of its own per
# message (the claim, what it changes, the outcome; a rendered mail for a forward), then a move. Fifty times the
# bare fetch is still some 20 messages a second on a shared machine: a day's replies (a few hundred) in seconds.
TARGET = 50.0


def bench_mailbox(work: Path, count: int) -> dict[str, Any]:
    from imapclient import IMAPClient

    from copflow.db.engine import dispose_all
    from copflow.db.migrate import upgrade
    from copflow.db.uow import UnitOfWork
    from copflow.services.inbox.answers import Programme
    from copflow.services.inbox.read import read_mailbox
    from notifications.mailbox import ImapMailbox
    from tests.dovecot import dovecot_server
    from tests.integration.helpers import D
    from tests.mailbox_mail import NOW, dsn, reply, sent_world

    url = f"sqlite:///{work / 'mailbox.db'}"
    upgrade(url)
    ids = sent_world(url)
    programme = Programme(own_addresses=frozenset({"cop-programme@uni.example.org"}), contact="cop-team@example.org")
    # A third each: out-of-office replies (ignored), questions (forwarded to the contact), hard bounces (applied).
    mail = [reply(f"away{i}@staff.example.org", subject="Automatic reply: away") if i % 3 == 0 else
            reply(f"p{i}@staff.example.org", answers=ids["reminder"], text=f"question {i}") if i % 3 == 1 else
            dsn("postfix_hard", recipient=f"ann@{D}", answers=ids["reminder"]).replace(
                b"8B4D2A1234@mail", f"{i}x@mail".encode()) for i in range(count)]
    with dovecot_server() as server:
        client = IMAPClient(server.host, server.port, ssl=False, timeout=60)
        client.login(server.user, server.password)
        box = ImapMailbox(server.host, server.port, username=server.user, password=server.password, use_ssl=False)
        # Warm-up, untimed: copflow's lazy imports and its templates, as a deployment's worker has them warm.
        for data in (reply("w@staff.example.org", text="warm", answers=ids["reminder"]),
                     dsn("gmail", recipient=f"ann@{D}", answers=ids["closing"])):
            client.append("INBOX", data)
        read_mailbox(UnitOfWork(url), box, programme, now=NOW)
        for data in mail:
            client.append("INBOX", data)
        client.select_folder("INBOX")
        t = time.perf_counter()
        uids = client.search(["NOT", "DELETED"])
        client.fetch(uids, ["RFC822.SIZE"])
        fetched = sum(len(client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]) for uid in uids)
        bare = time.perf_counter() - t
        client.logout()
        t = time.perf_counter()
        summary = read_mailbox(UnitOfWork(url), box, programme, now=NOW, limit=count)
        ours = time.perf_counter() - t
    dispose_all()
    assert summary.read == count and fetched > 0, summary
    ratio = ours / bare
    return {"benchmark": f"mailbox: {count} messages read and applied vs imapclient fetching them (Dovecot, SQLite)",
            "figure": f"{count / ours:.0f} vs {count / bare:.0f} messages/s ({ours:.2f} s vs {bare:.2f} s; "
                      f"processed {summary.processed}, ignored {summary.ignored})",
            "ratio": ratio, "target": f"≤ {TARGET:g}", "ok": ratio <= TARGET}
