"""Retention of sent mail: after the policy's period (365 days by default) a sent message keeps only what the
idempotency and the audit need: its key (each address in it hashed), kind, status, times and a hash of its
recipient. Parked mail is kept until someone resolves it. Mail read back from the programme's mailbox keeps only its
Message-ID, outcome and kind. The key stays, hashed, and the outbox looks a new key up
hashed as well, so a sweep re-run after a purge still sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update

from copflow.db.models import InboundMail, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.people.join_requests import purge_join_requests
from copflow.services.pseudonyms import hashed_key, recipient_hash
from lifecycle import Policy

# Statuses whose content is purged once old enough: sent mail (bounced too: sent, then returned), and mail withdrawn
# because its recipient was erased.
PURGED_STATUSES = ("sent", "bounced", "withdrawn")


@dataclass(frozen=True)
class PurgeCounts:
    purged: int  # messages whose content was removed today
    attachments: int  # of those, messages that carried a file
    parked_kept: int  # parked messages older than the period, kept until resolved
    retention_days: int

    def as_dict(self) -> dict[str, int]:
        return {"purged": self.purged, "attachments": self.attachments, "parked_kept": self.parked_kept,
                "retention_days": self.retention_days}


def purged_values(address: str, now: datetime, key: str | None = None) -> dict[str, Any]:
    """The columns of a message whose content is purged (what it keeps is what this leaves out)."""
    hashed = {"idempotency_key": hashed_key(key)} if key is not None else {}
    return {**hashed, "recipient": "", "recipient_hash": recipient_hash(address) if address else None,
            "recipient_name": None, "subject": "", "body_text": "", "body_html": None, "ics": None,
            "attachment_name": None, "attachment": None, "reply_to": None, "purged_at": now}


def purge_sent_mail(uow: UnitOfWork, *, now: datetime, policy: Policy, batch_size: int = 1000) -> PurgeCounts:
    """Purge the content of mail sent (or withdrawn) more than `policy.mail_retention_days` ago; in batches, each
    its own transaction, so a long backlog never holds a lock for long. Safe to re-run: purged rows are skipped."""
    cutoff = now - timedelta(days=policy.mail_retention_days)
    # Through the partial index ix_notification_unpurged: mail already purged is never read again.
    went = func.coalesce(Notification.sent_at, Notification.created_at)
    old = (Notification.purged_at.is_(None), went < cutoff, Notification.status.in_(PURGED_STATUSES))
    purged = attachments = 0
    while True:
        with uow:
            s = uow.session
            rows = s.execute(select(Notification.id, Notification.recipient, Notification.attachment_name,
                                    Notification.idempotency_key)
                             .where(*old).order_by(went).limit(batch_size)).all()
            if not rows:
                break
            # One statement for the batch (executemany), guarded by purged_at, so a concurrent purge of the same
            # row changes nothing twice.
            s.connection().execute(update(Notification).where(Notification.id == bindparam("nid"),
                                                              Notification.purged_at.is_(None)),
                                   [{"nid": nid, **purged_values(address, now, key)}
                                    for nid, address, _, key in rows])
            attachments += sum(attachment is not None for _, _, attachment, _ in rows)
            uow.commit()
        purged += len(rows)
    with uow:  # the hub's join requests (held or mailed) go with the mail they were for
        purge_join_requests(uow.session, before=cutoff)
        # Mail read back from the programme's mailbox: who sent it and what it said go; its Message-ID and outcome
        # stay, so a message read long ago is still never acted on twice.
        uow.session.execute(update(InboundMail).where(InboundMail.read_at < cutoff, InboundMail.sender != "")
                            .values(sender="", subject="", reason="", address=None))
        uow.commit()
    with uow:
        parked = uow.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.status == "parked", Notification.created_at < cutoff)) or 0
    return PurgeCounts(purged, attachments, parked, policy.mail_retention_days)
