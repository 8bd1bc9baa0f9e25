"""meeting series details

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Server defaults let existing rows (series created before 0002) take the new NOT NULL columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tzid", sa.String(length=64), nullable=False, server_default="UTC"))
        batch_op.add_column(sa.Column("starts_local", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("location", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("organizer_email", sa.String(length=320), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("attendees", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("cancelled_occurrences", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_column("cancelled_occurrences")
        batch_op.drop_column("attendees")
        batch_op.drop_column("organizer_email")
        batch_op.drop_column("location")
        batch_op.drop_column("starts_local")
        batch_op.drop_column("tzid")
