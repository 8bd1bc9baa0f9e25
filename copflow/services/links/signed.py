"""Signed links sent by mail: a lead opens the evidence form of one gate, their CoP's page, or a calendar feed;
the OD manager opens the decision form of one review (one stage visit under review); an action's owner opens their
own actions in one CoP.

A link's token has 192 bits. Only its SHA-256 is stored, bound to the address it was made for, one CoP, one
purpose and (for evidence) one gate of one stage visit; it expires after the policy's `link_days` and can be
revoked. Unknown, revoked and other-CoP tokens all raise the same LinkNotFound, so nobody can tell them apart
from outside. A link shown at once (`copflow links issue`, a page) is random (`issue_link`); a link sent by mail
(`mail_link`) is a placeholder in the outbox, its token made again at send time (link_tokens.py): no working
token is ever at rest.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from copflow.db.models import Cop, Link, Person
from copflow.db.uow import UnitOfWork
from copflow.services.errors import CopflowError, InvalidInput, NotFound
from copflow.services.links.fit import ACTING_ROLES, check_fits
from copflow.services.links.tokens import TOKEN_BYTES, derive, link_key, new_salt, placeholder
from copflow.services.links.tokens import token_hash as token_hash  # where the pages have always found it
from copflow.services.snapshots import get_cop
from lifecycle import Gate, Policy, parse_gate
from lifecycle.due import AUTOMATED_GATES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PURPOSES = ("evidence", "cop", "feed", "decision", "actions")
# "decision": the OD manager's review decision; "actions": an owner's own actions in one CoP (from their reminders).
_PATHS = {"evidence": "e", "cop": "c", "feed": "f", "decision": "d", "actions": "a"}
# The review's decision is the OD manager's: a reminder about any of these gates carries the decision form.
DECISION_GATES = (Gate.REVIEW_PASSED, Gate.EVOLVE_DECIDED, Gate.CLOSE_DECIDED)


def path_prefixes() -> tuple[str, ...]:
    """The first path segment of every kind of link ("e", "c", …): the web app redacts and rate-limits them."""
    return tuple(_PATHS.values())


class LinkNotFound(CopflowError):
    """The same answer for an unknown, revoked, other-CoP or other-purpose token (no enumeration)."""

    def __init__(self) -> None:
        super().__init__("this link does not exist or is no longer valid")


class LinkExpired(CopflowError):
    def __init__(self, link_id: int) -> None:
        self.link_id = link_id
        super().__init__("this link has expired")


@dataclass(frozen=True)
class Grant:
    """What a valid link lets its holder do."""

    link_id: int
    email: str
    purpose: str
    cop_slug: str | None
    gate: str | None
    stage_visit: int | None
    expires_at: datetime


def link_url(web_url: str, purpose: str, token: str) -> str:
    suffix = ".ics" if purpose == "feed" else ""
    return f"{web_url.rstrip('/')}/{_PATHS[purpose]}/{token}{suffix}"


def token_of(text: str) -> str:
    """The token in a link as pasted (the whole URL, or just the token)."""
    last = text.strip().rstrip("/").rsplit("/", 1)[-1]
    return last.removesuffix(".ics")


def hub_url(slug: str, web_url: str | None = None) -> str:
    """A CoP's entry on the hub, which everyone may open: the one link a channel's post carries (never a link of
    one person's own)."""
    return f"{_web_url(web_url).rstrip('/')}/#cop-{slug}"


def _web_url(web_url: str | None) -> str:
    if web_url:
        return web_url
    from copflow.settings import load_settings

    return load_settings().web_url


def issue_link(s: Session, *, email: str, cop: Cop | None, purpose: str, now: datetime, policy: Policy,
               gate: Gate | None = None, web_url: str | None = None, stage_visit: int | None = None) -> str:
    """Add one link (caller commits) and return its absolute URL, to show now (a command's output, a page): the
    only place its random token ever exists. Mail takes `mail_link`. A link bound to a visit (a gate's, a
    review's) is bound to the CoP's current one unless `stage_visit` (a renewed link keeps its visit) is given."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    _add(s, token, None, email=email, cop=cop, purpose=purpose, now=now, policy=policy, gate=gate,
         stage_visit=stage_visit)
    return link_url(_web_url(web_url), purpose, token)


def mail_link(s: Session, *, email: str, cop: Cop | None, purpose: str, now: datetime, policy: Policy,
              gate: Gate | None = None, web_url: str | None = None, stage_visit: int | None = None,
              lasts_until: datetime | None = None) -> str:
    """Add one link (caller commits) for a mail to `email`, and return its URL with a placeholder for the token,
    which the deliverer makes again from the link key at send time (link_tokens.fill). `lasts_until`: the link
    works at least until then (a mail that asks for something by a day further off than the policy's link_days)."""
    salt = new_salt()
    link = _add(s, derive(link_key(), salt), salt, email=email, cop=cop, purpose=purpose, now=now, policy=policy,
                gate=gate, stage_visit=stage_visit)
    if lasts_until is not None and lasts_until > link.expires_at:
        link.expires_at = lasts_until
    return link_url(_web_url(web_url), purpose, placeholder(link.id, salt))


def _add(s: Session, token: str, salt: str | None, *, email: str, cop: Cop | None, purpose: str, now: datetime,
         policy: Policy, gate: Gate | None, stage_visit: int | None) -> Link:
    if purpose not in PURPOSES:
        raise InvalidInput("purpose", f"must be one of {', '.join(PURPOSES)}, not {purpose!r}")
    if (purpose == "evidence") != (gate is not None) or (purpose != "feed" and cop is None):
        raise InvalidInput("gate", "an evidence link names one gate of one CoP; other links name no gate")
    bound_to_visit = cop is not None and (gate is not None or purpose == "decision")  # this gate, this review
    link = Link(token_hash=token_hash(token), cop_id=cop.id if cop else None, email=email.lower(), purpose=purpose,
                gate=gate.value if gate else None,
                stage_visit=(stage_visit or cop.stage_visit) if cop and bound_to_visit else None,
                created_at=now, expires_at=now + timedelta(days=policy.link_days), revoked_at=None,
                renewed_at=None, salt=salt)
    s.add(link)
    s.flush()
    return link


def action_url(s: Session, cop: Cop, email: str, role: str, gate: Gate, *, now: datetime,
               policy: Policy) -> str | None:
    """The evidence-form link for a reminder to a lead; the review's decision form for the OD manager (a decision
    gate); None for a gate copflow passes itself (the closure archive) and for sponsors (told, not asked to act)."""
    if gate in AUTOMATED_GATES or role == "sponsor":
        return None
    if gate in DECISION_GATES:  # only the OD manager decides: a lead is never sent the form
        return decision_url(s, cop, email, now=now, policy=policy) if role == "od_manager_contact" else None
    return mail_link(s, email=email, cop=cop, purpose="evidence", gate=gate, now=now, policy=policy)


def decision_url(s: Session, cop: Cop, email: str, *, now: datetime, policy: Policy) -> str:
    """The OD manager's link, in a mail, to the decision form of `cop`'s open review (bound to this stage visit)."""
    return mail_link(s, email=email, cop=cop, purpose="decision", now=now, policy=policy)


def issue(uow: UnitOfWork, *, slug: str | None, email: str, purpose: str, now: datetime, policy: Policy,
          gate: str | None = None, web_url: str | None = None, od_manager: str | None = None) -> str:
    """A link for one person, made by hand (`copflow links issue`, the demo): only one its holder can use
    (links_fit.py says which), so a hand-made link is never a dead one, nor a door the mails would not open."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug) if slug else None
        addr = email.strip().lower()
        if s.scalar(select(Person.id).where(Person.email == addr)) is None:
            raise NotFound("person", addr)
        the_gate = parse_gate(gate) if gate else None
        if purpose in PURPOSES and cop is not None:
            check_fits(s, cop, addr, purpose, the_gate, od_manager=od_manager)
        url = issue_link(s, email=addr, cop=cop, purpose=purpose, now=now, policy=policy, gate=the_gate,
                         web_url=web_url)
        uow.commit()
        return url


def find(s: Session, token: str, *, now: datetime, purpose: str, slug: str | None = None) -> Grant:
    """The grant of a valid token for `purpose` (and CoP `slug` when given); LinkNotFound or LinkExpired."""
    if not token or len(token) > 100:
        raise LinkNotFound()
    link = s.scalar(select(Link).where(Link.token_hash == token_hash(token)))
    if link is None or link.revoked_at is not None or link.purpose != purpose:
        raise LinkNotFound()
    cop_slug = s.scalar(select(Cop.slug).where(Cop.id == link.cop_id)) if link.cop_id is not None else None
    if slug is not None and cop_slug != slug:
        raise LinkNotFound()
    if link.expires_at <= now:
        raise LinkExpired(link.id)
    return Grant(link.id, link.email, link.purpose, cop_slug, link.gate, link.stage_visit, link.expires_at)


def find_with_cop(s: Session, token: str, *, now: datetime, purpose: str) -> tuple[Grant, Cop]:
    """The grant of a valid token for `purpose` made for one CoP, and that CoP (for its holder rule)."""
    grant = find(s, token, now=now, purpose=purpose)
    if grant.cop_slug is None:
        raise LinkNotFound()
    return grant, get_cop(s, grant.cop_slug)


def resolve(uow: UnitOfWork, token: str, *, now: datetime, purpose: str) -> Grant:
    with uow:
        return find(uow.session, token, now=now, purpose=purpose)


def revoke(uow: UnitOfWork, *, now: datetime, link: str | None = None, slug: str | None = None,
           email: str | None = None) -> int:
    """Revoke one link (by its URL or token), or every live link of a CoP and/or an address; returns how many."""
    if not (link or slug or email):
        raise InvalidInput("links", "name a link, a CoP or an address to revoke")
    with uow:
        s = uow.session
        q = update(Link).where(Link.revoked_at.is_(None)).values(revoked_at=now)
        if link:
            q = q.where(Link.token_hash == token_hash(token_of(link)))
        if slug:
            q = q.where(Link.cop_id == get_cop(s, slug).id)
        if email:
            q = q.where(Link.email == email.strip().lower())
        count = len(s.execute(q.returning(Link.id)).all())
        uow.commit()
        return count


def lead_holder(uow: UnitOfWork, token: str, *, now: datetime, purposes: tuple[str, ...],
           od_manager: str | None = None) -> Grant:
    """A valid lead's link (of one of `purposes`) whose holder still acts for the CoP (a lead, a coordinator or
    its OD manager contact; or the configured OD manager); otherwise LinkNotFound, like any unknown token."""
    with uow:
        s = uow.session
        for purpose in purposes:
            try:
                grant = find(s, token, now=now, purpose=purpose)
            except LinkNotFound:
                continue
            if grant.cop_slug is None:
                raise LinkNotFound()
            cop = get_cop(s, grant.cop_slug)
            acting = {m.person.email for m in cop.memberships if m.left_on is None and m.role in ACTING_ROLES}
            if grant.email in acting or (od_manager and grant.email == od_manager.lower()):
                return grant
            raise LinkNotFound()
        raise LinkNotFound()
