"""The tables as SQLAlchemy Core clauses, without the ORM: what `copflow status` reads and `copflow gate record`
reads and writes. The ORM and the models are most of a command's start-up (docs/benchmarks.md), and these two
commands are the ones people run all day. Only the columns those paths use are named; tests/unit/test_tables.py
checks each against the models (name and type), so the two cannot drift apart."""

from __future__ import annotations

from sqlalchemy import JSON, Date, Integer, String, column, table

from copflow.db.types import UTCDateTime

COP = table(
    "cop",
    column("id", Integer),
    column("slug", String),
    column("name", String),
    column("timezone", String),
    column("stage", String),
    column("stage_visit", Integer),
    column("stage_entered_on", Date),
    column("next_due_gate", String),
    column("next_due_on", Date),
    column("next_review_on", Date),
    column("review_anchor_on", Date),
    column("closing_date", Date),
    column("public_holidays", String),
    column("version", Integer),
)

PERSON = table(
    "person",
    column("id", Integer),
    column("email", String),
    column("department", String),
    column("line_manager_email", String),
)

MEMBERSHIP = table(
    "membership",
    column("id", Integer),
    column("cop_id", Integer),
    column("person_id", Integer),
    column("role", String),
    column("left_on", Date),
)

GATE_EVIDENCE = table(
    "gate_evidence",
    column("id", Integer),
    column("cop_id", Integer),
    column("stage", String),
    column("stage_visit", Integer),
    column("gate", String),
    column("payload", JSON),
    column("recorded_by", String),
    column("recorded_at", UTCDateTime),
)

CHARTER = table(
    "charter",
    column("id", Integer),
    column("cop_id", Integer),
    column("version", String),
    column("published_on", Date),
    column("review_dates", JSON),
    column("review_cadence_months", Integer),
)
