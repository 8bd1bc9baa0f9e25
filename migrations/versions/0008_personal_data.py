"""personal data: a recipient hash and purge time for mail past retention; the erasure audit table

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER a table's columns in place (a no-op wrapper on PostgreSQL).
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("recipient_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "erasure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pseudonym", sa.String(length=100), nullable=False),
        sa.Column("erased_by", sa.String(length=320), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_changed", sa.JSON(), nullable=False),
        sa.Column("files_to_handle", sa.JSON(), nullable=False),
        sa.UniqueConstraint("pseudonym"),
    )


def downgrade() -> None:
    op.drop_table("erasure")
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("purged_at")
        batch.drop_column("recipient_hash")
