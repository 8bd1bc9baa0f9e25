"""Who organises a CoP's meetings: the programme's mailbox, never a lead.

Calendars send their replies (RSVPs, counter-proposals) to the ORGANIZER; with the programme's address there,
every reply comes back to copflow (copflow/services/meetings/replies.py) and no lead receives an invitation they
"organise". The address is COPFLOW_ORGANIZER_EMAIL, else the sender's; with COPFLOW_ORGANIZER_PLUS=true it is
one plus-address per CoP (local+<slug>@domain), which tells replies apart by CoP where the relay delivers them.
The CoP's name goes in CN, so a calendar shows "organised by <the CoP>".
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import TYPE_CHECKING

from copflow.settings import Settings, load_settings

if TYPE_CHECKING:
    from copflow.db.models import Cop
    from notifications.ics import Party


def programme_mailbox(settings: Settings | None = None) -> str:
    """The programme's own address: COPFLOW_ORGANIZER_EMAIL, else the sender's."""
    chosen = settings or load_settings()
    return (chosen.organizer_email or parseaddr(chosen.sender)[1]).lower()


def organizer_address(slug: str, settings: Settings | None = None) -> str:
    """The ORGANIZER address of the CoP `slug`'s meetings."""
    chosen = settings or load_settings()
    base = programme_mailbox(chosen)
    if not chosen.organizer_plus:
        return base
    local, _, domain = base.partition("@")
    return f"{local}+{slug}@{domain}"


def programme_addresses(slug: str, settings: Settings | None = None) -> frozenset[str]:
    """Every address a genuine reply about the CoP `slug`'s meetings may name as ORGANIZER: the programme's own
    and, plus-addressed or not, the CoP's (a series sent before COPFLOW_ORGANIZER_PLUS changed is still ours)."""
    chosen = settings or load_settings()
    base = programme_mailbox(chosen)
    local, _, domain = base.partition("@")
    return frozenset({base, f"{local}+{slug}@{domain}"})


def programme_organizer(cop: Cop, settings: Settings | None = None) -> Party:
    from notifications.ics import Party

    return Party(organizer_address(cop.slug, settings), cop.name, "CHAIR")
