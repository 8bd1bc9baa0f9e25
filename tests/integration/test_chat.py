"""Posts to chat channels, through Apprise, to a local stand-in for Teams Workflows and Slack (tests/chat_server.py)
that checks each payload's shape and answers as scripted: every kind of post goes once, a 429 waits for its
Retry-After (an injected clock: no real sleep), a 5xx is retried, a 400 parks the post with the reply, a dead
service loses nothing, and nothing is posted twice by a re-run."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from copflow.db.models import Cop, CopChannel, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.channels import channel_of, set_channel
from copflow.services.errors import InvalidInput
from copflow.services.keys.channel import channel_key
from copflow.services.mail.post_delivery import PostReport, deliver_posts
from copflow.settings import load_settings
from lifecycle.channels import PostKind
from notifications.chat import ChatPost, Poster
from tests.chat_server import Answer, ChatServer, chat_server, slack_address, teams_address
from tests.fake_clock import FakeClock
from tests.integration.helpers import D, P, at, proposed, to_active

CHANNEL_SET = at(0)


@pytest.fixture
def chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The stand-in, with Apprise pointed at it (HTTPS_PROXY, and its test CA trusted)."""
    with chat_server(tmp_path) as server:
        for k, v in server.env().items():
            monkeypatch.setenv(k, v)
        yield server


def channel(url: str, address: str, *, slug: str = "data-insight", handover: str | None = None,
            now: datetime = CHANNEL_SET) -> str | None:
    return set_channel(UnitOfWork(url), slug=slug, address=address, by=f"ann@{D}", now=now,
                       settings=load_settings(), handover=handover).shown


def deliver(url: str, now: datetime, clock: FakeClock | None = None, poster: object = None) -> PostReport:
    return deliver_posts(UnitOfWork(url), poster or Poster(5), key=lambda: channel_key(load_settings()),  # type: ignore[arg-type]
                         now=now, clock=clock or FakeClock(now))


def posts(url: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        return list(u.session.scalars(select(Notification).where(Notification.channel == "chat")
                                      .order_by(Notification.id)))


def titles(server: ChatServer, service: str) -> list[str]:
    out = []
    for r in server.state.accepted(service):
        if service == "teams":
            out.append(r.payload["attachments"][0]["content"]["body"][0]["text"])
        elif service == "slack":
            out.append(r.payload["attachments"][0]["title"])
        else:
            out.append(r.payload["title"])
    return out


def test_setting_a_channel_sends_a_test_post_and_refuses_an_address_that_does_not_answer(db_url, chat):
    proposed(db_url)
    with pytest.raises(InvalidInput, match="not an address copflow can post to") as bad:
        channel(db_url, "https://example.org/not-a-webhook")
    assert bad.value.field == "channel"
    chat.state.script.append(Answer(404, "no_service"))
    with pytest.raises(InvalidInput, match=r"did not accept a test post.*404.*no_service"):
        channel(db_url, slack_address())
    with pytest.raises(InvalidInput, match="did not answer"):
        channel(db_url, "json://127.0.0.1:9/nobody-listens")
    assert channel_of(UnitOfWork(db_url), "data-insight").shown is None  # nothing kept from a refused address
    shown = channel(db_url, teams_address(), handover="move")
    assert shown is not None and shown.startswith("Microsoft Teams (Workflows), #") and "logic.azure" not in shown
    [hello] = titles(chat, "teams")
    assert hello == "Data and Insight is connected to copflow"
    with UnitOfWork(db_url) as u:
        row = u.session.scalar(select(CopChannel))
        assert row.handover == "move" and teams_address() not in row.sealed and "Sig0001" not in row.sealed
    key_file = Path(load_settings().home) / "channel.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    with pytest.raises(InvalidInput, match="template or an attachment"):
        channel(db_url, teams_address() + "&templ%61te=%2Fetc%2Fpasswd")
    assert chat.state.bad == []


@pytest.mark.parametrize("service", ["teams", "slack"])
def test_every_kind_is_posted_once_in_the_shape_the_service_documents(db_url, chat, service):
    """A CoP with a channel from the start: each stage change, the launch announced, a check-in agenda, the review
    with its survey link and the closing notice, then nothing; a second deliverer run posts nothing again."""
    from dataclasses import replace

    from copflow.services.briefs.queue import queue_briefs
    from copflow.services.meetings.series import schedule
    from copflow.services.reviews.decide import decide_review
    from copflow.services.snapshots import get_cop
    from copflow.services.sweep.due_work import sweep_batch
    from tests.integration.helpers import advance, record

    policy = replace(P, survey_url="https://forms.example.org/r/{slug}")
    proposed(db_url)
    channel(db_url, teams_address() if service == "teams" else slack_address())
    record(db_url, "data-insight", "core_group_formed", 10, domain="Data and insight", formed_on="2025-01-15")
    advance(db_url, "data-insight", 10)
    with UnitOfWork(db_url) as u:  # the launch: the whole community is invited, so the channel hears of it
        schedule(u.session, get_cop(u.session, "data-insight"), "launch", datetime(2025, 4, 4, 12, 30), now=at(20),
                 policy=P)
        u.commit()
    # The rest of the walk is to_launching's and to_active's (the launch scheduled above on the way).
    record(db_url, "data-insight", "sponsor_meeting_done", 30, held_on="2025-02-04", sponsor_attended="yes",
           notes="scope agreed")
    record(db_url, "data-insight", "charter_published", 60, version="1.0", purpose="share practice",
           aims=["learn together"], annual_targets=["1 seminar"], review_dates=["2026-03-02"],
           link="https://x.org/c", published_on="2025-03-06")
    advance(db_url, "data-insight", 60)
    record(db_url, "data-insight", "launch_held", 90, held_on="2025-04-04", attendance="42", feedback="keen")
    advance(db_url, "data-insight", 90)
    queue_briefs(UnitOfWork(db_url), now=datetime(2025, 5, 11, 7, 0, tzinfo=at(0).tzinfo), policy=P)
    sweep_batch(UnitOfWork(db_url), [1], now=at(420), policy=policy)  # the review falls due
    decide_review(UnitOfWork(db_url), slug="data-insight", decided_by=f"odm@{D}", now=at(425), policy=policy,
                  decision="close", reason="its work is done, as the review found", closing_date=at(460).date())
    report = deliver(db_url, at(426))
    kinds = Counter(n.kind for n in posts(db_url))
    assert kinds == {"post:stage_changed": 3, "post:meeting_announced": 1, "post:checkin_agenda": 1,
                     "post:review_opened": 1, "post:closing_notice": 1}, kinds
    assert report.posted == 7 and not (report.retried or report.parked)
    assert {n.status for n in posts(db_url)} == {"sent"}
    got = titles(chat, service)[1:]  # after the test post
    assert got == ["Data and Insight is now in the planning stage", "Data and Insight: launch event on Friday 4 "
                   "April 2025 at 12:30", "Data and Insight is now in the launching stage",
                   "Data and Insight has launched", "Data and Insight: check-in on Tuesday 13 May 2025 at 12:30",
                   "Data and Insight: the review has begun, tell us what you think",
                   "Data and Insight will close on Monday 13 April 2026"], got
    assert chat.state.bad == []
    survey = next(r for r in chat.state.accepted(service) if "review has begun" in json.dumps(r.payload))
    assert "https://forms.example.org/r/data-insight" in json.dumps(survey.payload)
    assert "@" not in json.dumps([r.payload for r in chat.state.received]).replace("@copflow", "")
    # Nothing twice: a re-run, or a second deliverer after it, finds nothing to post.
    assert deliver(db_url, at(427)).posted == 0 and len(chat.state.received) == 8
    # The closing notice was the last post: the channel is gone, and nothing more is queued for it.
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(CopChannel)) is None
        cop = u.session.scalar(select(Cop))
        schedule(u.session, cop, "closing", datetime(2026, 3, 31, 12, 30), now=at(430), policy=P)
        u.commit()
    assert len(posts(db_url)) == 7
    with pytest.raises(InvalidInput, match="is closing"):
        channel(db_url, slack_address(2), now=at(431))


def test_a_429_waits_for_its_retry_after_and_counts_no_attempt(db_url, chat):
    to_active(db_url)
    channel(db_url, slack_address())
    _queue(db_url, 3, at(100))
    chat.state.script.append(Answer(429, "rate_limited", retry_after=30))
    clock = FakeClock(at(100))
    seen: list[datetime] = []

    class Timed(Poster):
        def post(self, address: str, post: ChatPost) -> None:
            seen.append(clock.now())
            super().post(address, post)

    report = deliver(db_url, at(100), clock=clock, poster=Timed(5))
    assert (report.posted, report.rate_limited, report.retried, report.parked) == (3, 1, 0, 0)
    assert [r.status for r in chat.state.received[1:]] == [429, 200, 200, 200]
    assert seen[1] - seen[0] >= timedelta(seconds=30)  # the delay asked for, waited on the injected clock
    assert all(b - a >= timedelta(seconds=3) for a, b in pairwise(seen[1:]))  # 20 a minute
    assert [n.attempts for n in posts(db_url)] == [1, 1, 1]  # the 429 was nobody's fault
    assert titles(chat, "slack")[1:] == ["post 0", "post 1", "post 2"]  # their order kept


def test_a_5xx_is_retried_and_a_400_parks_the_post_with_the_reply(db_url, chat):
    to_active(db_url)
    channel(db_url, teams_address())
    _queue(db_url, 2, at(100))
    chat.state.script += [Answer(500, "upstream trouble"), Answer(400, "BadRequest: the card is not valid")]
    first = deliver(db_url, at(100))
    assert (first.posted, first.retried, first.parked) == (0, 1, 1)
    retried, parked = posts(db_url)
    assert (retried.status, retried.attempts, retried.next_attempt_at) == ("pending", 1, at(100) + timedelta(minutes=1))
    assert parked.status == "parked" and "400" in parked.last_error and "the card is not valid" in parked.last_error
    assert first.parked_posts == [f"{parked.recipient} (post 1): {parked.last_error}"]
    assert deliver(db_url, at(100) + timedelta(seconds=30)).posted == 0  # not before its backoff
    assert deliver(db_url, at(101)).posted == 1
    assert [n.status for n in posts(db_url)] == ["sent", "parked"]


def test_nothing_is_lost_while_the_chat_service_is_down(db_url, chat):
    to_active(db_url)
    address = chat.json_address("down-then-up")
    channel(db_url, address)
    _queue(db_url, 2, at(100))
    import tests.chat_server as cs

    with UnitOfWork(db_url) as u:  # the service goes away: the channel now answers nowhere
        from copflow.services.keys.channel import seal

        dead = seal(f"json://127.0.0.1:{cs.free_port()}/gone", channel_key(load_settings()))
        for n in u.session.scalars(select(Notification).where(Notification.channel == "chat")):
            n.post = json.dumps({**json.loads(n.post or "{}"), "to": dead})
        u.commit()
    down = deliver(db_url, at(100))
    assert (down.posted, down.retried, down.parked) == (0, 2, 0)
    channel(db_url, address, now=at(100))  # set again: the waiting posts follow the channel as it is now
    up = deliver(db_url, at(101))
    assert up.posted == 2 and titles(chat, "json")[-2:] == ["post 0", "post 1"]


def test_the_policy_says_what_is_posted(db_url, chat):
    from dataclasses import replace

    from copflow.services.mail.posts import enqueue_post
    from copflow.services.snapshots import get_cop

    to_active(db_url)
    channel(db_url, slack_address())
    quiet = replace(P, channel_posts=("closing_notice",))
    with UnitOfWork(db_url) as u:
        cop = get_cop(u.session, "data-insight")
        assert not enqueue_post(u.session, cop, PostKind.STAGE_CHANGED, key="k1", context={"from_stage": "active",
                                "to_stage": "active", "next_gate": None, "next_due_on": None,
                                "review_decision": None}, now=at(100), policy=quiet)
        assert enqueue_post(u.session, cop, PostKind.STAGE_CHANGED, key="k1", context={
            "from_stage": "active", "to_stage": "active", "next_gate": None, "next_due_on": None,
            "review_decision": None}, now=at(100), policy=P)
        u.commit()


def test_a_changed_channel_key_parks_the_post_saying_so(db_url, chat, monkeypatch):
    to_active(db_url)
    channel(db_url, slack_address())
    _queue(db_url, 1, at(100))
    monkeypatch.setenv("COPFLOW_CHANNEL_KEY", "another-key-of-at-least-thirty-two-characters")
    report = deliver(db_url, at(100))
    assert report.parked == 1 and "set the channel again" in posts(db_url)[0].last_error


def _queue(url: str, n: int, now: datetime) -> None:
    """n posts of one kind to the CoP's channel, titled "post 0" …"""
    from copflow.db.models import CopChannel as Channel

    with UnitOfWork(url) as u:
        row = u.session.scalar(select(Channel))
        for i in range(n):
            u.session.add(Notification(
                idempotency_key=f"post/test/{i}", cop_id=row.cop_id, kind="post:stage_changed", channel="chat",
                recipient=row.shown, recipient_name="the channel", subject=f"post {i}", body_text=f"text {i}",
                post=json.dumps({"to": row.sealed, "link": "https://hub.example.org/#cop-data-insight",
                                 "label": "Open the CoP hub"}),
                status="pending", attempts=0, next_attempt_at=now, created_at=now))
        u.commit()


def test_posts_never_name_an_address(db_url, chat):
    """A closing reason typed with an address in it reaches the channel without it."""
    assert ChatPost("t", "x", "https://h", "l").as_text().endswith("l: https://h")
    from notifications.chat import render

    post = render("closing_notice", {"cop": {"name": "X", "slug": "x"}, "closing_date": "2026-04-09",
                                     "reason": "ask ann@uni.example.org", "link": "https://h", "link_label": "Hub"})
    assert "ann@uni.example.org" not in post.text and "(an address)" in post.text


@pytest.mark.parametrize("handover", ["move", "clear"])
def test_a_merge_posts_the_closing_notice_then_moves_or_clears_the_channel_as_the_leads_chose(db_url, chat, handover):
    from copflow.services.reviews.evolve import merge
    from tests.integration.test_closure import REVIEW_DAY, under_review

    under_review(db_url)
    to_active(db_url, "analytics", with_staff=False)
    channel(db_url, teams_address(), handover=handover)
    merge(UnitOfWork(db_url), slug="data-insight", into="analytics", decided_by=f"odm@{D}", reason="same practice, as the review found",
          now=at(REVIEW_DAY + 2), policy=P)
    with UnitOfWork(db_url) as u:
        owners = {c.slug: c for c in u.session.scalars(select(Cop))}
        kept = {r.cop_id for r in u.session.scalars(select(CopChannel))}
    assert kept == ({owners["analytics"].id} if handover == "move" else set())
    assert deliver(db_url, at(REVIEW_DAY + 3)).posted == 1
    assert titles(chat, "teams")[-1].startswith("Data and Insight will close on")
    if handover == "move":  # the CoP merged into posts there from now on, without a second test post
        with UnitOfWork(db_url) as u:
            from copflow.services.mail.posts import post_transition
            from copflow.services.snapshots import get_cop

            post_transition(u.session, get_cop(u.session, "analytics"), PostKind.STAGE_CHANGED,
                            from_stage="reviewing", reason=None, now=at(REVIEW_DAY + 4), policy=P)
            u.commit()
        assert deliver(db_url, at(REVIEW_DAY + 4)).posted == 1
        assert len(chat.state.accepted("teams")) == 3


@pytest.mark.parametrize("handover", ["move", "clear"])
def test_a_split_gives_the_sub_communities_the_channel_or_not_and_the_parent_keeps_it(db_url, chat, handover):
    from copflow.services.reviews.evolve import Child, split
    from tests.integration.test_closure import REVIEW_DAY, under_review

    under_review(db_url)
    channel(db_url, slack_address(), handover=handover)
    split(UnitOfWork(db_url), slug="data-insight", decided_by=f"odm@{D}", reason="two practices, as the review found",
          now=at(REVIEW_DAY + 2), policy=P, children=[Child("data-viz", "Data Visualisation", (f"bob@{D}",))])
    with UnitOfWork(db_url) as u:
        slugs = {r.cop_id: r.shown for r in u.session.scalars(select(CopChannel))}
        cops = {c.id: c.slug for c in u.session.scalars(select(Cop))}
    assert sorted(cops[i] for i in slugs) == (["data-insight", "data-viz"] if handover == "move"
                                              else ["data-insight"])
    assert deliver(db_url, at(REVIEW_DAY + 3)).posted == 1  # the parent's move back to planning
