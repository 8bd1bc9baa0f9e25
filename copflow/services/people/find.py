"""Finding a person by name (or part of their address) to add them to a community: the console's people picker.
Bounded: a search of 2 to 100 characters, at most `LIMIT` people back (saying when there are more, so the OD manager
narrows it rather than pages through the staff list); erased people are never found."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from copflow.db.models import Person
from copflow.db.uow import UnitOfWork
from copflow.services.errors import InvalidInput
from copflow.services.pseudonyms import ERASED_DOMAIN

LIMIT = 20
SHORTEST, LONGEST = 2, 100


@dataclass(frozen=True)
class Found:
    """People whose name or address holds the search, by name; `more`: others match too."""

    people: list[tuple[str, str, str]]  # name, address, department ("" if none)
    more: bool


def find_people(uow: UnitOfWork, text: str) -> Found:
    words = " ".join(text.split())
    if not SHORTEST <= len(words) <= LONGEST:
        raise InvalidInput("find", f"type {SHORTEST} to {LONGEST} characters of the person's name or address",
                           value=len(words), limit=LONGEST)
    # LIKE's wildcards in what was typed are themselves (someone searching "o_brien" means the underscore).
    pattern = "%" + words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with uow:
        rows = uow.session.execute(
            select(Person.name, Person.email, Person.department)
            .where(or_(func.lower(Person.name).like(pattern, escape="\\"),
                       func.lower(Person.email).like(pattern, escape="\\")),
                   ~Person.email.like(f"%@{ERASED_DOMAIN}"))
            .order_by(Person.name, Person.email).limit(LIMIT + 1)).all()
    return Found([(n, e, d or "") for n, e, d in rows[:LIMIT]], len(rows) > LIMIT)
