"""Who gets what, once: the audiences copflow writes to, the roles in each, who attends each kind of meeting,
who organises meetings, and who hears when a CoP has nobody in an audience. Every module asks here."""

from __future__ import annotations

from enum import StrEnum

from lifecycle.stages import Role


class Audience(StrEnum):
    LEADS = "leads"
    SPONSOR = "sponsor"
    OD_MANAGER = "od_manager"
    MEMBERS = "members"


# The leads of a CoP: people reminded first, who organise its meetings and chair them.
LEAD_ROLES = frozenset({Role.LEAD, Role.COORDINATOR})
# The core group: what the formation criteria (departments, line managers) are judged on.
CORE_ROLES = frozenset({Role.LEAD, Role.COORDINATOR, Role.CORE})
# Everyone who belongs to the CoP (support roles and the OD manager's contact do not).
MEMBER_ROLES = frozenset({*CORE_ROLES, Role.WIDER, Role.SPONSOR})

AUDIENCE_ROLES: dict[Audience, frozenset[Role]] = {
    Audience.LEADS: LEAD_ROLES,
    Audience.SPONSOR: frozenset({Role.SPONSOR}),
    Audience.OD_MANAGER: frozenset({Role.OD_MANAGER_CONTACT}),
    Audience.MEMBERS: MEMBER_ROLES,
}

# When a CoP has nobody in one of these audiences, the organisation's OD manager (COPFLOW_OD_MANAGER_EMAIL)
# hears instead: an escalation must reach someone who can act.
FALLS_BACK_TO_OD_MANAGER = frozenset({Audience.OD_MANAGER})

# When every address in an audience bounced for good (a hard bounce, read back from the programme's mailbox), the
# next people who can act hear instead: a lead's co-leads first (the same audience), then the sponsor, then the
# OD manager.
UNREACHABLE_FALLS_BACK_TO: dict[Audience, Audience] = {Audience.LEADS: Audience.SPONSOR,
                                                       Audience.SPONSOR: Audience.OD_MANAGER}

# The rungs of the escalation ladder may name these audiences (the policy's `escalation` list).
ESCALATION_AUDIENCES = (Audience.LEADS, Audience.SPONSOR, Audience.OD_MANAGER)
# A notice to one of these is an escalation beyond the leads (counted apart in the sweep's summary).
BEYOND_THE_LEADS = frozenset({Audience.SPONSOR, Audience.OD_MANAGER})

# Who is invited to each kind of meeting copflow schedules.
MEETING_ATTENDEES: dict[str, frozenset[Role]] = {
    "checkin": CORE_ROLES,
    "sponsor_catchup": frozenset({*LEAD_ROLES, Role.SPONSOR}),
    "sponsor_meeting": frozenset({*CORE_ROLES, Role.SPONSOR}),
    "launch": frozenset(Role),
    "review": frozenset({*CORE_ROLES, Role.SPONSOR, Role.OD_MANAGER_CONTACT}),
    "closing": frozenset(Role),
}
# Who organises a CoP's meetings, first holder found in this order.
ORGANISER_ROLES = (Role.COORDINATOR, Role.LEAD, Role.OD_MANAGER_CONTACT)
# Invited to a meeting but not expected at it (iCalendar ROLE=OPT-PARTICIPANT).
OPTIONAL_ATTENDEE_ROLES = frozenset({Role.WIDER, Role.OD_MANAGER_CONTACT})


