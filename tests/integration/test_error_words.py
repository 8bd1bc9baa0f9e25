"""Pages name a CoP by its name, read from the refusal's own values: the command line says its slug. Before, the
web wrote the name over every occurrence of the slug in the message, so a CoP called `it` turned "nothing was
written" into "nothing was wrIT Servicesten"."""

from __future__ import annotations

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services import cops
from copflow.services.errors import AlreadyExists, ConcurrentChange, InvalidInput, in_a_sentence
from copflow.services.people import members as people
from copflow.services.people.roster import end_membership
from copflow.web.lead import ROSTER_NOUNS
from tests.acting import OD
from tests.integration.helpers import D, P, at, staff


def test_a_cop_called_it_is_named_on_a_page_and_no_other_word_changes(db_url):
    staff(db_url)
    cops.propose_cop(UnitOfWork(db_url), slug="it", name="IT Services", now=at(0), policy=P)
    people.add_member(UnitOfWork(db_url), slug="it", email=f"ann@{D}", role="coordinator", now=at(0), policy=P,
                      acting=OD)
    with pytest.raises(InvalidInput) as last:
        end_membership(UnitOfWork(db_url), slug="it", email=f"ann@{D}", now=at(1), policy=P, acting=OD)
    said = f"ann@{D} is the last coordinator or lead of it: give someone else that role first"
    assert str(last.value) == f"email: {said}" and (last.value.cop, last.value.cop_name) == ("it", "IT Services")
    assert in_a_sentence(last.value, ROSTER_NOUNS) == \
        f"The address ann@{D} is the last coordinator or lead of IT Services: give someone else that role first."
    raced = ConcurrentChange("it", name="IT Services")
    assert str(raced) == "it was changed by someone else at the same time; nothing was written, try again"
    assert raced.words() == "IT Services was changed by someone else at the same time; nothing was written, try again"
    with pytest.raises(AlreadyExists) as twice:
        people.add_member(UnitOfWork(db_url), slug="it", email=f"ann@{D}", role="coordinator", now=at(2), policy=P,
                          acting=OD)
    assert twice.value.words() == f"coordinator of IT Services 'ann@{D}' already exists"
    assert str(twice.value) == f"coordinator of it 'ann@{D}' already exists"
