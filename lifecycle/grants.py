"""Who may grant, change or remove which role: one table, checked by the roster services whatever surface the
request came through (a form's menu only hides what this table refuses).

A lead acts for their own community through a signed link: they may shape the core group, the wider membership
and the support roles. The sponsor and the OD manager's contact are the programme's choice: only the OD manager
(the CLI, the console, a deployment's form in the Prefect UI) sets or removes them, because the sponsor is who a
stuck CoP escalates to and the OD manager's contact is who receives the review's decision link.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lifecycle.errors import CopflowError
from lifecycle.stages import Role


class Actor(StrEnum):
    """Who is changing a roster, and through which door."""

    LEAD_BY_LINK = "lead_by_link"  # a lead or coordinator, holding a signed link of their CoP (copflow web)
    OD_MANAGER = "od_manager"  # the programme's OD manager: the CLI, the console, the Prefect UI


@dataclass(frozen=True)
class Acting:
    """Who asks for a roster change: the door they came through and their address (or the CLI's user)."""

    actor: Actor
    by: str


class RosterChange(StrEnum):
    GRANT = "grant"  # give someone a role
    CHANGE = "change"  # move someone from one role to another (both roles are checked)
    REMOVE = "remove"  # record that someone left a role


_LEADS_MANAGE = frozenset({Role.LEAD, Role.COORDINATOR, Role.CORE, Role.WIDER, Role.MEMBER_SUPPORT,
                           Role.INFORMATION_RESOURCES, Role.ONLINE_SPACE_ADMIN})

# (actor, change) → the roles that actor may touch by that change. Anything not here is refused.
MAY: dict[tuple[Actor, RosterChange], frozenset[Role]] = {
    (Actor.LEAD_BY_LINK, RosterChange.GRANT): _LEADS_MANAGE,
    (Actor.LEAD_BY_LINK, RosterChange.CHANGE): _LEADS_MANAGE,
    (Actor.LEAD_BY_LINK, RosterChange.REMOVE): _LEADS_MANAGE,
    (Actor.OD_MANAGER, RosterChange.GRANT): frozenset(Role),
    (Actor.OD_MANAGER, RosterChange.CHANGE): frozenset(Role),
    (Actor.OD_MANAGER, RosterChange.REMOVE): frozenset(Role),
}

CHANGE_WORDS = {RosterChange.GRANT: "add", RosterChange.CHANGE: "change", RosterChange.REMOVE: "remove"}


_ROLE_WORDS = {Role.SPONSOR: "a sponsor", Role.OD_MANAGER_CONTACT: "an OD manager's contact"}


class RoleNotYours(CopflowError):
    """A roster change the actor may not make: `value` is the role, `actor` and `change` say who tried what."""

    def __init__(self, actor: Actor, change: RosterChange, role: Role, *, cop: str | None = None) -> None:
        self.actor, self.change, self.role = actor, change, role
        words = _ROLE_WORDS.get(role, f"a {role.value.replace('_', ' ')}")
        super().__init__(f"only the OD manager can {CHANGE_WORDS[change]} {words}", cop=cop, field="role",
                         value=role.value)


def may(actor: Actor, change: RosterChange, role: Role) -> bool:
    return role in MAY.get((actor, change), frozenset())


def check(actor: Actor, change: RosterChange, roles: frozenset[Role] | set[Role], *, cop: str | None = None) -> None:
    """Refuse the change if any of `roles` is not the actor's to touch (the first such role, in a fixed order)."""
    for role in sorted(roles, key=lambda r: list(Role).index(r)):
        if not may(actor, change, role):
            raise RoleNotYours(actor, change, role, cop=cop)
