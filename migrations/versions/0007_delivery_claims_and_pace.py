"""outbox claims carry a token; the relay's pace (per-minute limit, slow-down pauses) is shared; sent_at indexed for the per-day count

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER a table's columns in place (a no-op wrapper on PostgreSQL).
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch.create_index("ix_notification_sent_at", ["sent_at"])
    op.create_table(
        "mail_pace",
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("minute_tat", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slow_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("mail_pace")
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_sent_at")
        batch.drop_column("claim_token")
