"""The console's people picker's search (copflow/services/people/find.py): by part of a name or address, at most
20 back by name and saying there are more, 2 to 100 characters, LIKE's wildcards read as themselves, and erased
people never found."""

from __future__ import annotations

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.errors import InvalidInput
from copflow.services.people import members
from copflow.services.people.find import LIMIT, find_people
from copflow.services.privacy.erasure import erase_person
from tests.integration.helpers import T0, D, P, at, staff


def test_people_are_found_by_name_or_address_bounded_and_never_once_erased(db_url: str) -> None:
    staff(db_url)
    u = UnitOfWork(db_url)
    for i in range(LIMIT + 5):
        members.add_person(u, email=f"analyst{i:02d}@{D}", name=f"Sam Analyst {i:02d}", department="Data", now=T0)
    members.add_person(u, email=f"o_brien@{D}", name="Pat O'Brien", department="Estates", now=T0)
    members.add_person(u, email=f"eve@{D}", name="Eve Park", department="Library", now=T0)

    assert find_people(u, "  LEE  ").people == [("Ann Lee", f"ann@{D}", "Library")]
    assert find_people(u, "ANN@").people == [("Ann Lee", f"ann@{D}", "Library")]
    many = find_people(u, "analyst")
    assert len(many.people) == LIMIT and many.more and many.people[0][0] == "Sam Analyst 00"
    assert not find_people(u, "analyst 0").more
    assert [p[1] for p in find_people(u, "o_b").people] == [f"o_brien@{D}"]  # not "o" + any + "b"
    assert find_people(u, "%%").people == [] and find_people(u, "__").people == []
    for typed in ("a", " ", "x" * 101):
        with pytest.raises(InvalidInput) as exc:
            find_people(u, typed)
        assert exc.value.field == "find"

    erase_person(u, email=f"eve@{D}", by=f"odm@{D}", now=at(1), policy=P)
    assert find_people(u, "eve").people == [] and find_people(u, "erased").people == []
