"""Delivery status notifications (RFC 3464): the message that bounced is found by the Message-ID (or copflow's
key) in the headers the relay returned, marked `bounced` with the remote server's reply; after a hard bounce
(5.x.x) its address is undeliverable (reminders go to the next person who can act, the digest lists it); a soft
bounce (4.x.x) is counted, not acted on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Notification, Person
from copflow.services.inbox.record import IGNORED, PROCESSED, Outcome
from copflow.services.people.reachable import reachable_since
from notifications.inbound import Letter

BOUNCED = "bounced"


def bounced_message(s: Session, letter: Letter) -> Notification | None:
    """The outbox row of the message the report returns: by its Message-ID, else by copflow's key."""
    if letter.returned_ids:
        found = s.scalars(select(Notification).where(Notification.message_id.in_(letter.returned_ids))
                          .order_by(Notification.id).limit(1)).first()
        if found is not None:
            return found
    if letter.returned_keys:
        return s.scalars(select(Notification).where(Notification.idempotency_key.in_(letter.returned_keys))
                         .limit(1)).first()
    return None


def apply_bounce(s: Session, letter: Letter, *, now: datetime) -> Outcome:
    sent = bounced_message(s, letter)
    if sent is None:
        return Outcome(IGNORED, "bounce", "a delivery report for a message copflow did not send (or no longer "
                       "keeps)", address=letter.recipients[0].address if letter.recipients else None)
    ours = [r for r in letter.recipients if r.address == sent.recipient.lower()] or letter.recipients
    if not ours:
        return Outcome(IGNORED, "bounce", "a delivery report naming no recipient", notification_id=sent.id,
                       cop_id=sent.cop_id)
    report = ours[0]
    said = f"{report.status} {report.diagnostic}".strip()
    if not report.hard:
        kind = "soft_bounce" if report.soft else "delivered"
        return Outcome(PROCESSED if report.soft else IGNORED, kind, f"{report.action}: {said}",
                       address=report.address, notification_id=sent.id, cop_id=sent.cop_id)
    sent.status, sent.last_error = BOUNCED, f"bounced: {said}"[:2000]
    person = s.scalars(select(Person).where(Person.email == report.address)).first()
    if person is not None and person.undeliverable_at is None and not _sent_before_fixed(s, person.email, sent):
        person.undeliverable_at, person.undeliverable_reason = now, said[:2000]
    return Outcome(PROCESSED, "bounce", f"hard bounce: {said}", address=report.address, notification_id=sent.id,
                   cop_id=sent.cop_id)


def _sent_before_fixed(s: Session, email: str, sent: Notification) -> bool:
    """The message went before the OD manager said the address works again: its late bounce is old news."""
    fixed = reachable_since(s, email)
    if fixed is None or sent.sent_at is None:
        return False
    return _utc(sent.sent_at) < _utc(fixed)


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
