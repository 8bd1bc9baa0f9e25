"""inbound_mail (each message read from the programme's mailbox, once, by its Message-ID, with what came of it) and
the person's undeliverable address (a hard bounce: when, and the remote server's reply). A forwarded reply answers its
writer through notification.reply_to, added by 0029 (the join request's Reply-To) before this landed.

Revision ID: 0026
Revises: 0027 (0022 on its branch; chained after the RSVPs' 0027 at the merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("notification.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("cop_id", sa.Integer(), sa.ForeignKey("cop.id", ondelete="SET NULL"), nullable=True),
        sa.UniqueConstraint("message_id", name="uq_inbound_mail_message_id"),
    )
    op.create_index("ix_inbound_mail_address", "inbound_mail", ["address"])
    # Plain ALTER TABLE, not batch mode (as 0022): SQLite's batch copy would drop the tables' partial indexes.
    op.add_column("person", sa.Column("undeliverable_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("person", sa.Column("undeliverable_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE person DROP COLUMN undeliverable_reason")  # SQLite 3.35 and later, as PostgreSQL
    op.execute("ALTER TABLE person DROP COLUMN undeliverable_at")
    op.drop_index("ix_inbound_mail_address", table_name="inbound_mail")
    op.drop_table("inbound_mail")
