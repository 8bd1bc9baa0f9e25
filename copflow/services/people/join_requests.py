"""How a join request from the CoP hub reaches the leads without letting anyone flood them (issue 28, break 2).

Each request is a `join_request` row per lead. Within the policy's daily caps — `join_requests_per_cop_per_day`
requests mailed per CoP, `join_requests_per_lead_per_day` mails to any one lead over all their CoPs — a lead gets a
mail of its own, as before. Beyond either cap the request is held, and the lead gets one digest for the day: a
single outbox row per (CoP, lead, day), sent when the organisation's day ends and rewritten (still pending) as each
held request comes in, so a flood of any size costs each lead one more mail. Asking twice on one day is one request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import formataddr
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from copflow.db.models import Cop, JoinRequest, Notification
from copflow.services.clock import local_date
from copflow.services.links.signed import mail_link
from copflow.services.mail.outbox import Recipient, cop_context, enqueue, recipients
from lifecycle import Policy

LISTED = 100  # requests a digest lists in full; it counts the rest
# The CoP-page link a pending digest already carries: its token's placeholder (links are made again at send time,
# copflow/services/links/signed.py: mail_link), or a token in a row queued before links were kept out of mail bodies.
_COP_LINK = re.compile(r"https?://[^\s<>\"]+/c/(?:\{link:\d+:[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class Asked:
    name: str
    email: str
    message: str


def tell_leads(s: Session, cop: Cop, asked: Asked, *, now: datetime, policy: Policy) -> int:
    """Queue the request to each of the CoP's leads (the caller commits): a mail of its own within the caps, else
    a place in that lead's digest of the day. Returns the outbox rows added."""
    s.execute(select(Cop.id).where(Cop.id == cop.id).with_for_update())  # one request of a CoP at a time
    day = local_date(now, policy)
    mailed_for_cop = s.scalar(select(func.count(func.distinct(JoinRequest.email))).where(
        JoinRequest.cop_id == cop.id, JoinRequest.day == day, JoinRequest.mailed.is_(True))) or 0
    cop_full = mailed_for_cop >= policy.join_requests_per_cop_per_day
    added = 0
    for to in recipients(cop, "leads"):
        if s.scalar(select(JoinRequest.id).where(JoinRequest.cop_id == cop.id, JoinRequest.lead == to.email,
                                                 JoinRequest.day == day, JoinRequest.email == asked.email)):
            continue  # asked twice today: nothing new
        told_lead = s.scalar(select(func.count()).select_from(JoinRequest).where(
            JoinRequest.lead == to.email, JoinRequest.day == day, JoinRequest.mailed.is_(True))) or 0
        mail = not cop_full and told_lead < policy.join_requests_per_lead_per_day
        s.add(JoinRequest(cop_id=cop.id, lead=to.email, day=day, name=asked.name, email=asked.email,
                          message=asked.message, requested_at=now, mailed=mail))
        s.flush()
        if mail:
            url = mail_link(s, email=to.email, cop=cop, purpose="cop", now=now, policy=policy)
            added += enqueue(s, key=f"{cop.slug}/join/{asked.email}/{day.isoformat()}/{to.email}", cop_id=cop.id,
                             kind="join_request", to=to, now=now, reply_to=formataddr((asked.name, asked.email)),
                             context={**cop_context(cop), "action_url": url,
                                      "requester": {"name": asked.name, "email": asked.email,
                                                    "message": asked.message}})
        else:
            added += _digest(s, cop, to, day, now=now, policy=policy)
    return added


def _digest(s: Session, cop: Cop, to: Recipient, day: date, *, now: datetime, policy: Policy) -> int:
    """Write the lead's digest of the day's held requests: a new row (1), or the pending one rewritten (0)."""
    from notifications.compose import render

    held = s.scalars(select(JoinRequest).where(JoinRequest.cop_id == cop.id, JoinRequest.lead == to.email,
                                               JoinRequest.day == day, JoinRequest.mailed.is_(False))
                     .order_by(JoinRequest.id)).all()
    context: dict[str, Any] = {
        **cop_context(cop), "day": day.isoformat(), "held": len(held), "more": max(0, len(held) - LISTED),
        "requests": [{"name": r.name, "email": r.email, "message": r.message} for r in held[:LISTED]],
        "caps": {"cop": policy.join_requests_per_cop_per_day, "lead": policy.join_requests_per_lead_per_day}}
    key = f"{cop.slug}/join-digest/{day.isoformat()}/{to.email}"
    row = s.scalar(select(Notification).where(Notification.idempotency_key == key).with_for_update())
    if row is None:
        url = mail_link(s, email=to.email, cop=cop, purpose="cop", now=now, policy=policy)
        added = enqueue(s, key=key, cop_id=cop.id, kind="join_digest", to=to, now=now,
                        context={**context, "action_url": url})
        s.execute(update(Notification).where(Notification.idempotency_key == key)
                  .values(next_attempt_at=day_ends(day, policy)))
        return int(added)
    if row.status != "pending":
        return 0  # already on its way: what came after it is listed on the next day's, if any
    # The same link as the row already holds (a new one each time would leave links nobody has).
    found = _COP_LINK.search(row.body_text)
    url = found.group(0) if found else mail_link(s, email=to.email, cop=cop, purpose="cop", now=now, policy=policy)
    msg = render("join_digest", {**context, "action_url": url, "recipient": to})
    row.subject, row.body_text, row.body_html = msg.subject, msg.text, msg.html
    return 0


def day_ends(day: date, policy: Policy) -> datetime:
    """The first moment of the next day in the organisation's time zone, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=policy.zone()).astimezone(UTC)


def purge_join_requests(s: Session, *, before: datetime) -> int:
    """Forget join requests older than `before` (with sent mail, after the policy's mail_retention_days)."""
    return len(s.execute(delete(JoinRequest).where(JoinRequest.requested_at < before)
                         .returning(JoinRequest.id)).all())
