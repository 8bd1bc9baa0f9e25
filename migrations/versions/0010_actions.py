"""actions: the core group's action plan (owner, due date, status, link to an annual target) and its history

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cop_id", sa.Integer(), sa.ForeignKey("cop.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_actions_owner_id", "actions", ["owner_id"])
    op.create_index("ix_actions_cop_status", "actions", ["cop_id", "status"])
    op.create_index("ix_actions_status_due", "actions", ["status", "due_on"])
    op.create_table(
        "action_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("actions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=10), nullable=True),
        sa.Column("to_status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("via", sa.String(length=10), nullable=False),
    )
    op.create_index("ix_action_events_action_id", "action_events", ["action_id"])


def downgrade() -> None:
    op.drop_index("ix_action_events_action_id", table_name="action_events")
    op.drop_table("action_events")
    op.drop_index("ix_actions_status_due", table_name="actions")
    op.drop_index("ix_actions_cop_status", table_name="actions")
    op.drop_index("ix_actions_owner_id", table_name="actions")
    op.drop_table("actions")
