"""`copflow gate record` records through SQLAlchemy Core (copflow/services/evidence.py) so that it need not load
the ORM: it must see the CoP exactly as the ORM services do, and keep the optimistic lock's version moving."""

from __future__ import annotations

from sqlalchemy import select

from copflow.db.tables import COP
from copflow.db.uow import UnitOfWork
from copflow.services.evidence import read_snapshot
from copflow.services.people import roster
from copflow.services.snapshots import get_cop, snapshot
from lifecycle import CopSnapshot
from tests.acting import OD
from tests.integration.helpers import D, P, at, record, to_active, to_planning


def _both(url: str) -> tuple[CopSnapshot, CopSnapshot]:
    with UnitOfWork(url) as uow:
        orm = snapshot(uow.session, get_cop(uow.session, "data-insight"), P)
    with UnitOfWork(url).reading() as conn:
        core = read_snapshot(conn, conn.execute(select(COP).where(COP.c.slug == "data-insight")).one(), P)
    return orm, core


def _due(url: str) -> tuple[str | None, int]:
    with UnitOfWork(url).reading() as conn:
        row = conn.execute(select(COP.c.next_due_gate, COP.c.version).where(COP.c.slug == "data-insight")).one()
    return row.next_due_gate, row.version


def test_the_core_snapshot_is_the_orm_snapshot(db_url):
    to_active(db_url)  # a charter with review dates, a roster with every role
    roster.end_membership(UnitOfWork(db_url), slug="data-insight", email=f"cat@{D}", now=at(100), policy=P, acting=OD)
    orm, core = _both(db_url)
    assert core == orm
    assert len(core.members) == 4 and core.charter is not None and core.charter.review_dates


def test_recording_moves_the_due_columns_and_the_version_as_the_orm_would(db_url):
    to_planning(db_url)
    gate, version = _due(db_url)
    assert gate == "sponsor_meeting_done"
    record(db_url, "data-insight", "sponsor_meeting_done", 30, held_on="2025-02-04", sponsor_attended="yes",
           notes="scope agreed")
    assert _due(db_url) == ("charter_published", version + 1)  # the due gate moved: the CoP's version too
    record(db_url, "data-insight", "sponsor_meeting_done", 31, held_on="2025-02-05", sponsor_attended="yes",
           notes="scope agreed again")
    assert _due(db_url) == ("charter_published", version + 1)  # nothing due changed: no write to the CoP
    orm, core = _both(db_url)
    assert core == orm and core.evidence[next(iter(core.evidence))]["held_on"] == "2025-02-05"
