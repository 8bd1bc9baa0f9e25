"""cop_channel (a CoP's chat channel, its address sealed) and the outbox's channel kind: notification.channel
("mail" or "chat") and notification.post (a post's sealed address and its one link)

Revision ID: 0022
Revises: 0021 (0013 on its branch; chained after main's 0021 at the merge)
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cop_channel",
        sa.Column("cop_id", sa.Integer(), sa.ForeignKey("cop.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("shown", sa.String(length=200), nullable=False),
        sa.Column("handover", sa.String(length=10), nullable=False),
        sa.Column("set_by", sa.String(length=320), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    # Plain ALTER TABLE, not batch mode: SQLite's batch copy of the table would drop the outbox's partial indexes.
    op.add_column("notification", sa.Column("channel", sa.String(length=10), nullable=False, server_default="mail"))
    op.add_column("notification", sa.Column("post", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE notification DROP COLUMN post")  # SQLite 3.35 and later, as PostgreSQL
    op.execute("ALTER TABLE notification DROP COLUMN channel")
    op.drop_table("cop_channel")
