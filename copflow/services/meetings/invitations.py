"""The iMIP invitations, updates and cancellations a series sends, and who they go to.

Every invitation is an outbox row per attendee (one invitation per mail) keyed by UID, SEQUENCE, method
and occurrence, so re-running a step never sends the same invitation twice. icalendar is imported where an
invitation is built, not at import: commands that never send one (gate record, advance before launch) stay
fast to start.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries
from copflow.services.errors import InvalidInput
from copflow.services.mail.outbox import Recipient, cop_context, enqueue, holders
from copflow.services.meetings import recurrence as md
from copflow.services.meetings.kinds import KINDS
from copflow.services.meetings.organizer import programme_organizer
from copflow.services.pseudonyms import is_erased
from lifecycle import Role
from lifecycle.audiences import LEAD_ROLES, OPTIONAL_ATTENDEE_ROLES, ORGANISER_ROLES
from notifications.vocabulary import long_date

if TYPE_CHECKING:
    from notifications.ics import Meeting, Party


def meeting_of(series: MeetingSeries, cop: Cop) -> Meeting:
    from notifications.ics import Meeting, Party

    # The programme's mailbox organises, under the CoP's name (organizer.py); a series sent before that named a
    # lead, and keeps them until it is sent again (roster.py:reorganise).
    organizer = Party(series.organizer_email, cop.name, "CHAIR")
    left_out = md.left_out(series)
    return Meeting(uid=series.uid, sequence=series.sequence, summary=series.summary,
                   description=KINDS[series.kind].purpose, tzid=series.tzid,
                   start=datetime.fromisoformat(series.starts_local), minutes=series.duration_minutes,
                   organizer=organizer, attendees=tuple(Party(e, n, r) for e, n, r in series.attendees),
                   rrule=_ical_rule(series.rrule), location=series.location,
                   url=_online_link(series.location),
                   exdates=tuple(datetime.fromisoformat(x) for x in sorted(left_out)))


def _ical_rule(text: str | None) -> dict[str, object] | None:
    rule: dict[str, object] = dict(md.parse_rule(text))
    if "UNTIL" in rule:  # icalendar writes a datetime, not a string, for UNTIL
        rule["UNTIL"] = datetime.strptime(str(rule["UNTIL"]), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return rule or None


def _online_link(location: str | None) -> str | None:
    """A location that is an online meeting link (Teams, Zoom) is also the event's URL, which calendar clients
    offer as a "join" link."""
    if location and location.startswith("https://") and " " not in location:
        return location
    return None


def send_invitations(s: Session, cop: Cop, series: MeetingSeries, *, method: str, now: datetime,
                     update: bool = False, occurrence: datetime | None = None, reason: str | None = None,
                     only: tuple[Party, ...] | None = None) -> int:
    """Queue the invitation (or cancellation) for every attendee, or with `only` for just those people: a
    joiner's invitation, or the cancellation that takes a leaver off a series (which then names only them,
    as RFC 5546 has an organiser uninvite attendees)."""
    from dataclasses import replace

    from notifications.ics import calendar_text

    # Whatever changed, its feeds now say something new: their Last-Modified (copflow/web/views/feeds.py).
    series.changed_at = now if series.changed_at is None else max(series.changed_at, now)
    m = meeting_of(series, cop)
    if only is not None and method == "CANCEL":
        m = replace(m, attendees=only)
    text = calendar_text(m, method=method, dtstamp=now, occurrence=occurrence)
    start = m.start
    end = start + timedelta(minutes=m.minutes)
    context = {**cop_context(cop), "update": update, "reason": reason,
               "removed": only is not None and method == "CANCEL",
               "occurrence": f"{long_date(occurrence)}, {occurrence:%H:%M}" if occurrence else None,
               "meeting": {"summary": KINDS[series.kind].title, "purpose": KINDS[series.kind].purpose,
                           "when": f"{long_date(start)}, {start:%H:%M}–{end:%H:%M} ({series.tzid})",
                           "recurrence": md.rule_in_words(series.rrule), "location": series.location,
                           "organizer": f"{m.organizer.name}, through the programme's mailbox {m.organizer.email}",
                           "skipped": _skipped_soon(series, now)}}
    kind = "invitation_cancel" if method == "CANCEL" else "invitation"
    which = occurrence.isoformat(timespec="minutes") if occurrence else "all"
    added = 0
    roles = cop_roles(cop)
    for p in (only if only is not None else m.attendees):
        key = f"{series.uid}/{series.sequence}/{method}/{which}/{p.email}"
        # The mail names its reader by their role in the CoP ("its lead", "its sponsor"), never by the
        # calendar's (a lead is not the meeting's organiser, the OD manager no "optional participant").
        to = Recipient(p.email, p.name, roles.get(p.email.lower(), Role.WIDER.value))
        added += enqueue(s, key=key, cop_id=cop.id, kind=kind, to=to,
                         context=context, now=now, ics=text, ics_method=method)
    return added


def cop_roles(cop: Cop) -> dict[str, str]:
    """Each address's role in the CoP, as a message names its reader: a current role before one left (a leaver's
    cancellation names the role they had), and of several, the first by name (as `holders` does)."""
    roles: dict[str, str] = {}
    for m in sorted(cop.memberships, key=lambda m: (m.left_on is not None, m.role)):
        roles.setdefault(m.person.email.lower(), m.role)
    return roles


def _skipped_soon(series: MeetingSeries, now: datetime) -> list[str]:
    """The holidays and closure days the series skips in the coming year, as the invitation names them."""
    local = now.astimezone(ZoneInfo(series.tzid)).replace(tzinfo=None)
    out = []
    for when, why in series.skipped_occurrences or []:
        at = datetime.fromisoformat(when)
        if local <= at <= local + timedelta(days=366):
            out.append(f"{long_date(at)} ({why})")
    return out


def attendees_for(cop: Cop, roles: frozenset[Role]) -> list[Party]:
    """Who a meeting invites: the current holders of `roles` (an erased person is on the roster, not in
    calendars: services/mail/outbox.py:holders leaves them out)."""
    from notifications.ics import Party

    return [Party(p.email, p.name, _ical_role(Role(p.role))) for p in holders(cop, roles)]


def _ical_role(role: Role) -> str:
    return "CHAIR" if role in LEAD_ROLES else "OPT-PARTICIPANT" if role in OPTIONAL_ATTENDEE_ROLES \
        else "REQ-PARTICIPANT"


def organizer_of(cop: Cop) -> Party:
    """The ORGANIZER of the CoP's meetings: the programme's mailbox (organizer.py), for a CoP that has a
    coordinator or lead to answer for them (they attend as CHAIR)."""
    for role in ORGANISER_ROLES:
        for m in cop.memberships:
            if m.role == role.value and m.left_on is None and not is_erased(m.person.email):
                return programme_organizer(cop)
    raise InvalidInput("organizer", f"{cop.slug} has no coordinator or lead to organise its meetings")
