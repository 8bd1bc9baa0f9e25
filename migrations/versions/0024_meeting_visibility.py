"""meeting_series.visibility ("public": launch and closing events; "private": check-ins, sponsor meetings and
catch-ups, review meetings) and meeting_series.changed_at (a feed's Last-Modified), both backfilled

Revision ID: 0024
Revises: 0022 (re-chained at the merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None

# The kinds whose meetings the whole community is invited to (copflow/services/meetings/kinds.py at this revision).
PUBLIC_KINDS = ("launch", "closing")


def upgrade() -> None:
    # Private unless its kind is public: a meeting of an unknown kind is never shown to everyone.
    op.add_column("meeting_series", sa.Column("visibility", sa.String(length=10), nullable=False,
                                              server_default="private"))
    op.add_column("meeting_series", sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
    series = sa.table("meeting_series", sa.column("kind", sa.String), sa.column("visibility", sa.String),
                      sa.column("changed_at", sa.DateTime(timezone=True)),
                      sa.column("created_at", sa.DateTime(timezone=True)))
    op.execute(series.update().where(series.c.kind.in_(PUBLIC_KINDS)).values(visibility="public"))
    op.execute(series.update().values(changed_at=series.c.created_at))


def downgrade() -> None:
    op.execute("ALTER TABLE meeting_series DROP COLUMN changed_at")  # SQLite 3.35 and later, as PostgreSQL
    op.execute("ALTER TABLE meeting_series DROP COLUMN visibility")
