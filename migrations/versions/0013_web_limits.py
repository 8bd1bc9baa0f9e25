"""server_secret (the key that signs the web forms' CSRF tokens) and join_request (the hub's join requests, for
the daily caps per CoP and per lead and the digest of those held)

Revision ID: 0013
Revises: 0016 (0011 on its branch; chained after main's 0016 at the merge)
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_secret",
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "join_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cop_id", sa.Integer(), sa.ForeignKey("cop.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lead", sa.String(length=320), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mailed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_join_request_cop_day", "join_request", ["cop_id", "day"])
    op.create_index("ix_join_request_lead_day", "join_request", ["lead", "day"])


def downgrade() -> None:
    op.drop_index("ix_join_request_lead_day", table_name="join_request")
    op.drop_index("ix_join_request_cop_day", table_name="join_request")
    op.drop_table("join_request")
    op.drop_table("server_secret")
