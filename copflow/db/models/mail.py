"""The outbox and the relay's pace: every message is a row here before anything is sent; and the hub's join
requests, counted against the daily caps before any is mailed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from copflow.db.models.cops import Base


class Notification(Base):
    """The outbox: every message copflow decides to send is a row here before anything is sent."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(400), unique=True)
    cop_id: Mapped[int | None] = mapped_column(ForeignKey("cop.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    ics_method: Mapped[str | None] = mapped_column(String(20))
    # One file sent with the message (an evaluation report, a lessons-learned draft), kept with the row so a
    # repeated delivery sends the same bytes.
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Which claim holds a "sending" row: a deliverer marks a row only while its token is still there, so one
    # whose lease ran out can never mark (or, having renewed first, send) a row another deliverer took over.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # Retention (copflow.services.privacy): once a sent message's content is purged, only its key, kind, status,
    # times and a SHA-256 of the recipient's address are kept.
    recipient_hash: Mapped[str | None] = mapped_column(String(64))
    purged_at: Mapped[datetime | None]
    # "mail", or "chat" for a post to a CoP's chat channel (copflow/services/mail/posts.py): each deliverer claims
    # its own kind. A post's `post` holds where it goes (the channel's address, sealed as the channel row keeps
    # it) and its one link, as JSON; its title is `subject` and its text `body_text`.
    channel: Mapped[str] = mapped_column(String(10), default="mail", server_default="mail")
    post: Mapped[str | None] = mapped_column(Text)
    # Where a reply goes when not to the programme (COPFLOW_REPLY_TO): a join request's mail to the leads answers
    # the person asking ("Name <address>", the address validated when asked). Purged with the content.
    reply_to: Mapped[str | None] = mapped_column(String(600))
    __table_args__ = (Index("ix_notification_pending", "status", "next_attempt_at"),
                      Index("ix_notification_sent_at", "sent_at"))


# The retention purge's cut-off: only mail whose content is still kept, by status and when it went (or was
# withdrawn). The status comes first so that SQLite takes this index, not ix_notification_pending, for the purge.
Index("ix_notification_unpurged", Notification.status, func.coalesce(Notification.sent_at, Notification.created_at),
      sqlite_where=Notification.purged_at.is_(None), postgresql_where=Notification.purged_at.is_(None))


class CopChannel(Base):
    """A CoP's chat channel (a Teams Workflows or Slack webhook, any Apprise URL): its address is a secret, kept
    only sealed (copflow/services/keys/channel.py), and shown as `shown` (the service and host, never the
    address)."""

    __tablename__ = "cop_channel"
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"), primary_key=True)
    sealed: Mapped[str] = mapped_column(Text)
    shown: Mapped[str] = mapped_column(String(200))
    # On a split or a merge: "move" (the new communities post there too) or "clear" (lifecycle/channels.py).
    handover: Mapped[str] = mapped_column(String(10))
    set_by: Mapped[str] = mapped_column(String(320))
    set_at: Mapped[datetime]


class MailPace(Base):
    """The relay's pace, shared by every deliverer: the next free sending slot under the per-minute limit (a GCRA
    "theoretical arrival time") and the end of a pause a relay asked for (421/451/452 4.7.x). The per-day limit
    is counted from `notification.sent_at`."""

    __tablename__ = "mail_pace"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    minute_tat: Mapped[datetime | None]
    slow_until: Mapped[datetime | None]


class JoinRequest(Base):
    """A request to join a CoP from the hub, one row per lead it was for: mailed to that lead on its own, or
    (past the policy's daily caps per CoP and per lead) held for the lead's one digest of the day
    (copflow/services/people/join_requests.py). Purged with sent mail after the policy's mail_retention_days."""

    __tablename__ = "join_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    cop_id: Mapped[int] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"))
    lead: Mapped[str] = mapped_column(String(320))  # the lead's address
    day: Mapped[date]  # the organisation's local day it came in (the caps' window)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    message: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime]
    mailed: Mapped[bool] = mapped_column(Boolean)  # False: held for the digest
    __table_args__ = (Index("ix_join_request_cop_day", "cop_id", "day"),
                      Index("ix_join_request_lead_day", "lead", "day"))


class InboundMail(Base):
    """A message read from the programme's mailbox (copflow/services/inbox/): claimed by its Message-ID with a unique
    insert in the transaction that acts on it, so two readers never both act on one message, and a second reading
    changes nothing. `outcome` is the folder it was moved to (processed, ignored, quarantined), `kind` what it was
    and `reason` why; `address` a bounce's recipient (soft bounces are counted from here)."""

    __tablename__ = "inbound_mail"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(300))
    read_at: Mapped[datetime]
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(320), index=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id", ondelete="SET NULL"))
    cop_id: Mapped[int | None] = mapped_column(ForeignKey("cop.id", ondelete="SET NULL"))
    __table_args__ = (UniqueConstraint("message_id", name="uq_inbound_mail_message_id"),)
