"""Where a CoP talks: what copflow may post to its chat channel (a Teams or Slack channel), and what is never
posted. A channel is seen by the whole community and often by people outside it, so a post is an announcement
to everyone: never a message meant for one person (a reminder, an escalation, a brief, a link of one's own)."""

from __future__ import annotations

from enum import StrEnum

from lifecycle.audiences import MEETING_ATTENDEES
from lifecycle.stages import Role


class PostKind(StrEnum):
    """What a channel can be told, each a template under templates/chat/<kind>.*.j2."""

    STAGE_CHANGED = "stage_changed"  # the community moved on (launched, review passed, planning again …)
    REVIEW_OPENED = "review_opened"  # its review has begun: the survey's link, and when it closes
    CLOSING_NOTICE = "closing_notice"  # the community closes on a date; nothing is posted after it
    CHECKIN_AGENDA = "checkin_agenda"  # the core group's next check-in and what is on its agenda
    MEETING_ANNOUNCED = "meeting_announced"  # the launch, or another meeting the whole community is invited to


# Posted unless the policy's `channel_posts` says otherwise.
DEFAULT_POSTS = tuple(k.value for k in PostKind)

# Messages addressed to one person: never posted to a channel, whatever the policy lists.
PERSONAL = frozenset({"gate_reminder", "review_due", "action_reminder", "sponsor_brief", "join_request",
                      "join_digest", "link_renewed", "od_digest", "invitation", "invitation_cancel",
                      "evaluation_ready", "document_follows", "closure_completed", "meeting_answers",
                      "lessons_received", "reply_forwarded"})

# Meetings announced in the channel: those the whole community is invited to (the launch, the closing meeting);
# a check-in or a sponsor catch-up concerns a few people, and their invitations say all there is.
ANNOUNCED_MEETINGS = frozenset(kind for kind, roles in MEETING_ATTENDEES.items() if Role.WIDER in roles)


class Handover(StrEnum):
    """What happens to a CoP's channel when it splits or merges, as its leads choose when they set it."""

    MOVE = "move"  # a merge: the CoP it joins posts there (unless it has a channel of its own); a split: the
    #                sub-communities post there too until they set their own
    CLEAR = "clear"  # the channel is left behind: nothing of the new communities is posted there


def parse_posts(names: tuple[str, ...]) -> tuple[PostKind, ...]:
    """The policy's `channel_posts` as kinds; ValueError naming the first that cannot be posted."""
    known = {k.value: k for k in PostKind}
    out = []
    for name in names:
        if name in PERSONAL:
            raise ValueError(f"{name} is addressed to one person and is never posted to a channel")
        if name not in known:
            raise ValueError(f"{name!r} is not something copflow posts (it posts: {', '.join(known)})")
        out.append(known[name])
    return tuple(out)
