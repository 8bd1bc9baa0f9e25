"""A CoP's chat channel: set by its leads (their CoP page) or the OD manager (`copflow cop set --channel`), as an
Apprise URL or a webhook's address. Setting one sends a test post first and refuses an address that does not
accept it; the address is then kept sealed (channel_keys.py) and shown only as the service and a fingerprint.
A split or a merge hands the channel over as the leads chose when they set it (`hand_over`, the core's
`HandOverChannel` effect); a closing CoP's channel is removed once its closing notice is queued.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, CopChannel, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.errors import THE_COP, InvalidInput
from copflow.services.keys.channel import channel_key, seal
from copflow.services.links.signed import hub_url
from copflow.services.mail.post_delivery import Poster
from copflow.services.snapshots import get_cop
from copflow.settings import Settings
from lifecycle import Stage
from lifecycle.channels import Handover
from notifications.chat import BadChannel, ChatPost, read
from notifications.transports import TransportError

# A closing CoP has posted its closing notice: nothing more goes to a channel of its.
NO_POSTS = (Stage.CLOSING.value, Stage.CLOSED.value)


@dataclass(frozen=True)
class ChannelView:
    """A CoP's channel as people see it: never its address."""

    slug: str
    name: str
    shown: str | None  # "Slack, #3f9a2c1b"; None: no channel
    handover: str | None
    set_by: str | None
    set_at: str | None


def channel_of(uow: UnitOfWork, slug: str) -> ChannelView:
    with uow:
        cop = get_cop(uow.session, slug)
        return _view(cop, uow.session.get(CopChannel, cop.id))


def _view(cop: Cop, row: CopChannel | None) -> ChannelView:
    if row is None:
        return ChannelView(cop.slug, cop.name, None, None, None, None)
    return ChannelView(cop.slug, cop.name, row.shown, row.handover, row.set_by, row.set_at.isoformat())


def handover_named(text: str | None) -> Handover:
    try:
        return Handover((text or Handover.CLEAR.value).strip().lower())
    except ValueError:
        raise InvalidInput("handover", f"on a split or merge the channel can be moved or cleared ("
                                       f"{' or '.join(h.value for h in Handover)}), not {text!r}") from None


def set_channel(uow: UnitOfWork, *, slug: str, address: str, by: str, now: datetime, settings: Settings,
                handover: str | None = None, poster: Poster | None = None) -> ChannelView:
    """Test the address with a post, then keep it sealed as the CoP's channel ("" removes the channel). Nothing is
    kept if the test post is refused; no message of this function ever holds the address."""
    choice = handover_named(handover)
    if not address.strip():
        return clear_channel(uow, slug=slug, now=now)
    try:
        channel = read(address)
    except BadChannel as exc:
        raise InvalidInput("channel", exc.problem, cop=slug) from None
    with uow:
        cop = get_cop(uow.session, slug, for_write=True)
        if cop.stage in NO_POSTS:
            raise InvalidInput("channel", f"{THE_COP} is closing: nothing more is posted for it", cop=cop.slug,
                               cop_name=cop.name)
        name = cop.name
    _test_post(address, name, slug, settings, poster)
    sealed = seal(address.strip(), channel_key(settings))
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        row = s.get(CopChannel, cop.id)
        if row is None:
            row = CopChannel(cop_id=cop.id)
            s.add(row)
        row.sealed, row.shown, row.handover, row.set_by, row.set_at = sealed, channel.shown, choice.value, by, now
        _readdress(s, cop, row)
        s.flush()
        view = _view(cop, row)
        uow.commit()
    return view


def _test_post(address: str, name: str, slug: str, settings: Settings, poster: Poster | None) -> None:
    from notifications.chat import Poster as ApprisePoster

    sender = poster if poster is not None else ApprisePoster(settings.chat_timeout)
    hello = ChatPost(f"{name} is connected to copflow",
                     f"This channel will hear the news of the {name} Community of Practice: its launch and events, "
                     f"check-in agendas, its reviews and its stage changes.",
                     hub_url(slug, settings.web_url), "Open the CoP hub")
    try:
        sender.post(address, hello)
    except TransportError as exc:
        raise InvalidInput("channel", f"the channel did not accept a test post, so it was not set: {exc}",
                           cop=slug) from None


def _readdress(s: Session, cop: Cop, row: CopChannel) -> None:
    """Posts still waiting, and those a channel refused, go to the channel as it is now set (a parked post then
    goes with `copflow outbox retry`)."""
    for n in _posts(s, cop, "pending", "parked"):
        data = json.loads(n.post or "{}")
        n.post = json.dumps({**data, "to": row.sealed})
        n.recipient = row.shown


def clear_channel(uow: UnitOfWork, *, slug: str, now: datetime) -> ChannelView:
    """No channel: nothing more is queued for it, and posts still waiting are set aside (parked, saying why)."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        drop(s, cop, now=now, why="the channel was removed before this was posted")
        view = _view(cop, None)
        uow.commit()
    return view


def drop(s: Session, cop: Cop, *, now: datetime, why: str) -> None:
    row = s.get(CopChannel, cop.id)
    if row is not None:
        s.delete(row)
    for n in _posts(s, cop, "pending"):  # parked without the address: `outbox retry` after a new channel is set
        n.status, n.last_error = "parked", why
        n.post = json.dumps({k: v for k, v in json.loads(n.post or "{}").items() if k != "to"})
    s.flush()


def _posts(s: Session, cop: Cop, *statuses: str) -> list[Notification]:
    return list(s.scalars(select(Notification).where(Notification.cop_id == cop.id, Notification.channel == "chat",
                                                     Notification.status.in_(statuses))))


def hand_over(s: Session, cop: Cop, to: tuple[str, ...], *, keep: bool) -> None:
    """After a split (`keep`: the parent posts on) or a merge or closure (not `keep`): the CoPs `to` take the
    channel if its leads chose "move" and they have none of their own; without `keep` the CoP's channel is removed
    (its closing notice is queued already, sealed in its own row)."""
    row = s.get(CopChannel, cop.id)
    if row is None:
        return
    if row.handover == Handover.MOVE.value:
        for slug in to:
            other = get_cop(s, slug)
            if s.get(CopChannel, other.id) is None:
                s.add(CopChannel(cop_id=other.id, sealed=row.sealed, shown=row.shown, handover=row.handover,
                                 set_by=f"{row.set_by} (from {cop.slug})"[:320], set_at=row.set_at))
    if not keep:
        s.delete(row)
    s.flush()
