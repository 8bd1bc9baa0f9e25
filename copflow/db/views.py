"""The tables as read-only commands see them: SQLAlchemy Core clauses, no ORM (the read side of
cosmicpython's CQRS chapter). `copflow status` reads the portfolio through these, so it does not import the ORM
and the models, which are most of a command's start-up (docs/benchmarks.md). Only the columns those reads use
are named; tests/unit/test_views.py checks each against the models, so the two cannot drift apart."""

from __future__ import annotations

from sqlalchemy import Date, String, column, table

COP = table(
    "cop",
    column("slug", String),
    column("name", String),
    column("stage", String),
    column("next_due_gate", String),
    column("next_due_on", Date),
    column("next_review_on", Date),
)

NOTIFICATION = table("notification", column("status", String))
