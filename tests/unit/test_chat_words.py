"""Posts are written for a channel: short, one link, no address of anyone's, the mails' vocabulary, no internal
names; what a chat service's reply means; addresses copflow refuses to post to; the policy's channel_posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from lifecycle import PolicyError, load_policy
from lifecycle.channels import ANNOUNCED_MEETINGS, PERSONAL, PostKind, parse_posts
from notifications.chat import (
    BadChannel,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
    Unavailable,
    _refusal,
    _retry_after,
    read,
    render,
)
from tests.wording import problems

HUB = {"link": "https://cops.example.org/#cop-data-insight", "link_label": "Open the CoP hub"}
COP = {"cop": {"slug": "data-insight", "name": "Data and Insight", "stage": "active", "timezone": "Europe/London"}}
SAMPLES = {
    PostKind.STAGE_CHANGED: [
        {"from_stage": "launching", "to_stage": "active", "next_gate": "review_due", "next_due_on": "2027-04-04",
         "review_decision": None},
        {"from_stage": "reviewing", "to_stage": "planning", "next_gate": "sponsor_meeting_done",
         "next_due_on": "2026-05-01", "review_decision": "evolve"}],
    PostKind.REVIEW_OPENED: [{"survey": True, "closes_on": "2026-03-23",
                              "link": "https://forms.example.org/r/abc", "link_label": "Take the survey"},
                             {"survey": False, "closes_on": "2026-03-23"}],
    PostKind.CLOSING_NOTICE: [{"closing_date": "2026-04-13", "reason": "its work is done"}],
    PostKind.CHECKIN_AGENDA: [{"meeting": {"at": "2026-03-10T12:30", "zone": "Europe/London"}, "open": 5,
                               "overdue": 2, "done": 3, "first": False}],
    PostKind.MEETING_ANNOUNCED: [{"meeting": {"title": "Launch event", "purpose": "The community's launch.",
                                              "at": "2025-04-04T12:30", "zone": "Europe/London", "minutes": 45}}],
}


@pytest.mark.parametrize("kind", list(PostKind))
def test_each_kind_reads_as_written_for_a_channel(kind):
    for sample in SAMPLES[kind]:
        post = render(kind.value, {**COP, **HUB, **sample})
        assert "\n" not in post.title and 10 < len(post.title) <= 120, post.title
        assert len(post.text) <= 500 and post.text.count("http") == 0, post.text  # the one link is the post's own
        assert post.link.startswith("https://") and post.label
        assert problems(post.title) == [] and problems(post.text) == [], (post.title, post.text)
        assert "@" not in post.title + post.text and "data-insight" not in post.title + post.text
        assert "Data and Insight" in post.title
        assert "Europe/" not in post.title + post.text  # a zone as people say it ("UK time"), never its IANA name


def test_the_survey_call_links_the_survey_and_says_when_it_closes():
    post = render("review_opened", {**COP, **HUB, **SAMPLES[PostKind.REVIEW_OPENED][0]})
    assert post.link == "https://forms.example.org/r/abc" and "Monday 23 March 2026" in post.text
    without = render("review_opened", {**COP, **HUB, **SAMPLES[PostKind.REVIEW_OPENED][1]})
    assert without.link == HUB["link"] and "leads will share" in without.text


def test_a_meeting_announcement_says_when_never_where():
    post = render("meeting_announced", {**COP, **HUB, **SAMPLES[PostKind.MEETING_ANNOUNCED][0]})
    assert "Friday 4 April 2025 at 12:30" in post.title and "invitation says where" in post.text
    assert "at 12:30 (UK time), for 45 minutes" in post.text


def test_nothing_personal_is_ever_posted_and_only_community_meetings_are_announced():
    assert not PERSONAL & {k.value for k in PostKind}
    with pytest.raises(ValueError, match="addressed to one person"):
        parse_posts(("gate_reminder",))
    with pytest.raises(PolicyError, match="channel_posts: sponsor_brief is addressed to one person"):
        load_policy('channel_posts = ["stage_changed", "sponsor_brief"]')
    with pytest.raises(PolicyError, match="is not something copflow posts"):
        load_policy('channel_posts = ["gossip"]')
    assert load_policy('channel_posts = ["closing_notice"]').channel_posts == ("closing_notice",)
    assert {"launch", "closing"} == ANNOUNCED_MEETINGS


class Reply:
    def __init__(self, status: int, text: str = "", retry_after: str | None = None, reason: str = "") -> None:
        self.status_code, self.text, self.reason = status, text, reason
        self.headers = {"Retry-After": retry_after} if retry_after is not None else {}


def test_what_each_reply_means():
    address = "https://hooks.slack.com/services/T00000001/B00000001/SlackSecret0001xyzXYZabcdefghij"
    slow = _refusal("Slack", Reply(429, "rate_limited", "30"), address)
    assert isinstance(slow, RateLimited) and slow.retry_after == 30
    busy = _refusal("Slack", Reply(503, "", "12"), address)
    assert isinstance(busy, RateLimited) and busy.retry_after == 12
    down = _refusal("Slack", Reply(502, "bad gateway"), address)
    assert isinstance(down, Unavailable) and down.retry_after is None
    refused = _refusal("Slack", Reply(400, f"invalid_payload at {address}"), address)
    assert isinstance(refused, PermanentFailure) and "SlackSecret0001" not in str(refused)
    assert "invalid_payload" in str(refused)
    assert isinstance(_refusal("Slack", None, address), TemporaryFailure)
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert 100 < (_retry_after(later) or 0) <= 120
    assert _retry_after("soon") is None and _retry_after("999999") == 86400.0


@pytest.mark.parametrize("address", [
    "", "mailto://user:pass@example.org", "file:///etc/passwd", "https://example.org/hook", "a b",
    "json://127.0.0.1/x?attach=/etc/passwd", "workflows://h.example.org/abc/def/?Templ%61te=%2Fetc%2Fpasswd",
    "slack://" + "x" * 2100])
def test_addresses_copflow_will_not_post_to(address):
    with pytest.raises(BadChannel) as refused:
        read(address)
    assert refused.value.field == "channel" and (not address or address not in str(refused.value))


def test_a_channel_is_shown_by_its_service_and_a_fingerprint_never_its_address():
    teams = ("https://prod-07.westeurope.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke"
             "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SECRETSIG")
    shown = read(teams).shown
    assert shown.startswith("Microsoft Teams (Workflows), #") and "SECRETSIG" not in shown and "abc123" not in shown
    assert read("mmosts://chat.uni.example.org/hooktoken").shown.startswith("Mattermost at chat.uni.example.org, #")
    assert read(teams).shown != read(teams.replace("SECRETSIG", "OTHERSIG")).shown
