"""The authorisation table of roster changes (lifecycle.grants): what a lead's link and the OD manager may do."""

from __future__ import annotations

import pytest

from lifecycle import Role
from lifecycle.grants import MAY, Actor, RoleNotYours, RosterChange, check, may

PROGRAMME_ROLES = {Role.SPONSOR, Role.OD_MANAGER_CONTACT}


@pytest.mark.parametrize("change", list(RosterChange))
@pytest.mark.parametrize("role", list(Role))
def test_a_lead_manages_every_role_but_the_programmes(role: Role, change: RosterChange) -> None:
    assert may(Actor.LEAD_BY_LINK, change, role) is (role not in PROGRAMME_ROLES)
    assert may(Actor.OD_MANAGER, change, role)


def test_the_table_names_every_actor_and_change() -> None:
    assert set(MAY) == {(a, c) for a in Actor for c in RosterChange}


def test_a_refusal_carries_its_values_and_names_the_first_role_in_order() -> None:
    with pytest.raises(RoleNotYours) as refused:
        check(Actor.LEAD_BY_LINK, RosterChange.REMOVE, {Role.OD_MANAGER_CONTACT, Role.CORE, Role.SPONSOR},
              cop="data-insight")
    exc = refused.value
    assert (exc.actor, exc.change, exc.role, exc.cop, exc.field, exc.value) == (
        Actor.LEAD_BY_LINK, RosterChange.REMOVE, Role.SPONSOR, "data-insight", "role", "sponsor")
    assert str(exc) == "only the OD manager can remove a sponsor"
    check(Actor.LEAD_BY_LINK, RosterChange.GRANT, {Role.CORE, Role.LEAD})  # allowed: no error
