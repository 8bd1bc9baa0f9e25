"""Posts to a CoP's chat channel, queued in the outbox like mail: one row per announcement (channel "chat"), keyed
so nothing is posted twice, carrying the channel's address sealed as the channel keeps it (so a post goes where
the channel was when it was queued, and a copy of the outbox opens nothing). What each kind says is a template
under templates/chat/; what is posted at all is the policy's `channel_posts` (lifecycle/channels.py). Delivered
by post_delivery.py."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from copflow.db.models import Cop, CopChannel, MeetingSeries
from copflow.services.links.signed import hub_url
from copflow.services.mail.outbox import REVIEW_OUTCOMES, cop_context, insert_row, survey_url
from copflow.services.workdays import working_days_of
from lifecycle import Policy
from lifecycle.channels import PostKind, parse_posts
from lifecycle.working_days import survey_closes_on

HUB_LABEL = "Open the CoP hub"


def enqueue_post(s: Session, cop: Cop, kind: PostKind, *, key: str, context: dict[str, Any], now: datetime,
                 policy: Policy) -> bool:
    """Queue one post to the CoP's channel, unless it has none, the policy does not post this kind, or the key is
    queued already; True if a row was added. The context's `link` (default: the CoP's entry on the hub) is the
    post's one link."""
    if kind not in parse_posts(policy.channel_posts):
        return False
    channel = s.get(CopChannel, cop.id)
    if channel is None:
        return False
    from notifications.chat import render  # Jinja2 loads only when a post is actually composed

    post = render(kind.value, {**cop_context(cop), "link": hub_url(cop.slug), "link_label": HUB_LABEL, **context})
    return insert_row(s, dict(
        idempotency_key=f"post/{key}", cop_id=cop.id, kind=f"post:{kind.value}", channel="chat",
        recipient=channel.shown, recipient_name=f"the channel of {cop.name}"[:200], subject=post.title[:300],
        body_text=post.text, post=json.dumps({"to": channel.sealed, "link": post.link, "label": post.label}),
        status="pending", attempts=0, next_attempt_at=now, created_at=now))


def post_transition(s: Session, cop: Cop, kind: PostKind, *, from_stage: str, reason: str | None, now: datetime,
                    policy: Policy) -> bool:
    """A transition's post (the core's `Post` effect), once per stage visit, with the CoP as the transition left
    it (in its new stage, its due dates brought up to date)."""
    visit = f"{cop.slug}/{cop.stage_visit}"
    match kind:
        case PostKind.REVIEW_OPENED:
            return _review_opened(s, cop, key=f"{visit}/review-opened", now=now, policy=policy)
        case PostKind.CLOSING_NOTICE:
            return enqueue_post(s, cop, kind, key=f"{visit}/closing", now=now, policy=policy, context={
                "closing_date": cop.closing_date.isoformat() if cop.closing_date else "", "reason": reason or ""})
        case _:
            decided = REVIEW_OUTCOMES.get(cop.stage) if from_stage == "reviewing" else None
            due = cop.next_due_on.isoformat() if cop.next_due_on else None
            return enqueue_post(s, cop, kind, key=f"{visit}/{cop.stage}", now=now, policy=policy, context={
                "from_stage": from_stage, "to_stage": cop.stage, "review_decision": decided,
                "next_gate": cop.next_due_gate, "next_due_on": due})


def _review_opened(s: Session, cop: Cop, *, key: str, now: datetime, policy: Policy) -> bool:
    """The review's call in the channel: its survey's link and when it closes (the day the mail says), or the hub
    when no survey address is set."""
    url = survey_url(policy, cop.slug)
    closes = survey_closes_on(cop.stage_entered_on, policy, working_days_of(cop, policy).is_working)
    link = {"link": url, "link_label": "Take the survey"} if url else {}
    return enqueue_post(s, cop, PostKind.REVIEW_OPENED, key=key, now=now, policy=policy,
                        context={"survey": bool(url), "closes_on": closes.isoformat(), **link})


def post_agenda(s: Session, cop: Cop, series: MeetingSeries, at: datetime, *, plan: dict[str, Any],
                done: int, first: bool, now: datetime, policy: Policy) -> bool:
    """A check-in's agenda in the channel, once per occurrence: when, and how much is on it (no names)."""
    return enqueue_post(s, cop, PostKind.CHECKIN_AGENDA, key=f"{series.uid}/agenda/{at.date().isoformat()}",
                        now=now, policy=policy, context={
                            "meeting": {"at": at.isoformat(timespec="minutes"), "zone": series.tzid},
                            "open": plan["open"], "overdue": len(plan["overdue"]), "done": done, "first": first})


def announce_meeting(s: Session, cop: Cop, series: MeetingSeries, *, title: str, purpose: str, now: datetime,
                     policy: Policy) -> bool:
    """A meeting the whole community is invited to (the launch, the closing meeting), announced once: when, never
    where (a join link is for those invited)."""
    start = datetime.fromisoformat(series.starts_local)
    return enqueue_post(s, cop, PostKind.MEETING_ANNOUNCED, key=f"{series.uid}/announced", now=now, policy=policy,
                        context={"meeting": {"title": title, "purpose": purpose, "zone": series.tzid,
                                             "at": start.isoformat(timespec="minutes"),
                                             "minutes": series.duration_minutes}})

