"""a CoP's meeting place, time, weekday and public-holiday region; a series' occurrences left out on holidays

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER a table's columns in place (a no-op wrapper on PostgreSQL).
    with op.batch_alter_table("cop") as batch:
        batch.add_column(sa.Column("meeting_place", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("meeting_time", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("meeting_weekday", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("public_holidays", sa.String(length=20), nullable=True))
    with op.batch_alter_table("meeting_series") as batch:
        batch.add_column(sa.Column("skipped_occurrences", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_series") as batch:
        batch.drop_column("skipped_occurrences")
    with op.batch_alter_table("cop") as batch:
        batch.drop_column("public_holidays")
        batch.drop_column("meeting_weekday")
        batch.drop_column("meeting_time")
        batch.drop_column("meeting_place")
