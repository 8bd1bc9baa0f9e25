"""Join requests from the hub within the policy's daily caps (issue 28, break 2), on SQLite and PostgreSQL: a mail
each up to the cap per CoP and per lead, then one digest per lead at the end of the organisation's day listing the
rest; asking twice is one request; the requests go with sent mail at the retention purge."""

from __future__ import annotations

import mailbox
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from copflow.db.models import JoinRequest, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver
from copflow.services.people.join_requests import LISTED, day_ends
from copflow.services.privacy.retention import purge_sent_mail
from copflow.web.views.hub import request_to_join
from lifecycle import Policy
from notifications.transports import MaildirTransport
from tests.integration.helpers import D, P, at, to_launching

NOW = at(100) + timedelta(hours=5)  # 14:00 in London
CAPS = replace(P, join_requests_per_cop_per_day=3, join_requests_per_lead_per_day=5)
SENDER = "CoP programme <cop@uni.example.org>"


def ask(db_url: str, slug: str, i: int, policy: Policy = CAPS, *, now: object = NOW) -> int:
    return request_to_join(UnitOfWork(db_url), slug=slug, name=f"Person {i:03d}", email=f"p{i:03d}@{D}",
                           message=f"Hello from {i}", now=now, policy=policy).leads_told  # type: ignore[arg-type]


def outbox(db_url: str, kind: str) -> list[Notification]:
    with UnitOfWork(db_url) as u:
        return list(u.session.scalars(select(Notification).where(Notification.kind == kind)
                                      .order_by(Notification.id)))


def test_past_the_cap_per_cop_the_leads_get_one_digest_at_the_end_of_the_day(db_url: str, tmp_path) -> None:
    to_launching(db_url)  # leads: ann (coordinator) and bob (lead)
    box = tmp_path / "maildir"
    deliver(UnitOfWork(db_url), MaildirTransport(tmp_path / "before"), sender=SENDER, now=NOW)  # the walk's own mail
    told = [ask(db_url, "data-insight", i) for i in range(10)]
    assert told == [2, 2, 2, 2, 0, 0, 0, 0, 0, 0]  # 3 mails each, then the digest (a row per lead), rewritten
    mails = outbox(db_url, "join_request")
    assert len(mails) == 6 and {m.recipient for m in mails} == {f"ann@{D}", f"bob@{D}"}
    digests = outbox(db_url, "join_digest")
    assert sorted(d.recipient for d in digests) == [f"ann@{D}", f"bob@{D}"]
    end = day_ends(NOW.date(), CAPS)
    assert end.isoformat() == "2025-04-16T23:00:00+00:00"  # midnight in London (BST)
    assert all(d.status == "pending" and d.next_attempt_at == end for d in digests)
    for d in digests:  # rewritten as each held request came in: all seven are listed
        assert [f"p{i:03d}@{D}" in d.body_text for i in range(10)] == [False] * 3 + [True] * 7
        assert "7 more requests to join on Wednesday 16 April 2025" in d.subject
        assert "/c/" in d.body_text and "Hello from 9" in d.body_text

    assert deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=NOW).sent == 6
    assert deliver(UnitOfWork(db_url), MaildirTransport(box), sender=SENDER, now=end).sent == 2
    assert len(list(mailbox.Maildir(str(box), create=False))) == 8  # 10 requests: 8 mails, not 20

    # The next day starts afresh.
    assert ask(db_url, "data-insight", 50, now=NOW + timedelta(days=1)) == 2


def test_the_cap_per_lead_counts_every_community_they_lead(db_url: str) -> None:
    to_launching(db_url)
    to_launching(db_url, "second-cop", with_staff=False)  # the same two leads
    assert [ask(db_url, "data-insight", i) for i in range(3)] == [2, 2, 2]
    # Each lead has had 3 of their 5: two more mails each, then the second CoP's requests wait for its digest.
    assert [ask(db_url, "second-cop", i) for i in range(10, 14)] == [2, 2, 2, 0]
    with UnitOfWork(db_url) as u:
        held = u.session.scalar(select(func.count()).select_from(JoinRequest).where(JoinRequest.mailed.is_(False)))
    assert held == 2 * 2  # 2 requests × 2 leads
    assert [d.idempotency_key.split("/")[0] for d in outbox(db_url, "join_digest")] == ["second-cop"] * 2


def test_asking_twice_is_one_request_and_the_defaults_are_generous(db_url: str) -> None:
    to_launching(db_url)
    assert ask(db_url, "data-insight", 1, P) == 2
    assert ask(db_url, "data-insight", 1, P) == 0  # the same address on the same day: nothing new
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(JoinRequest)) == 2
    for i in range(2, 2 + P.join_requests_per_cop_per_day):
        ask(db_url, "data-insight", i, P)
    assert len(outbox(db_url, "join_request")) == 2 * P.join_requests_per_cop_per_day
    assert len(outbox(db_url, "join_digest")) == 2  # the eleventh request of the day waits for it
    assert (P.join_requests_per_cop_per_day, P.join_requests_per_lead_per_day) == (10, 20)


def test_a_digest_lists_its_first_hundred_and_counts_the_rest(db_url: str) -> None:
    to_launching(db_url)
    one = replace(CAPS, join_requests_per_cop_per_day=1)
    for i in range(LISTED + 6):
        ask(db_url, "data-insight", i, one)
    [digest, _] = outbox(db_url, "join_digest")
    assert f"{LISTED + 5} more requests" in digest.subject and "and 5 more requests not listed here" in \
        digest.body_text
    assert digest.body_text.count(f"@{D}>") == LISTED


def test_join_requests_go_with_sent_mail_at_the_retention_purge(db_url: str) -> None:
    to_launching(db_url)
    for i in range(5):
        ask(db_url, "data-insight", i)
    later = NOW + timedelta(days=P.mail_retention_days + 1)
    purge_sent_mail(UnitOfWork(db_url), now=NOW + timedelta(days=1), policy=P)
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(JoinRequest)) == 10
    purge_sent_mail(UnitOfWork(db_url), now=later, policy=P)
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(JoinRequest)) == 0
