"""document_failure: a document copflow could not make (a report's PDF, a lessons-learned draft), kept with its
reason until a sweep makes and sends it

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cop_id", sa.Integer(), sa.ForeignKey("cop.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("stage_visit", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_tried_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("cop_id", "kind", "stage_visit"),
    )
    op.create_index("ix_document_failure_cop_id", "document_failure", ["cop_id"])
    op.create_index("ix_document_failure_resolved_at", "document_failure", ["resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_document_failure_resolved_at", table_name="document_failure")
    op.drop_index("ix_document_failure_cop_id", table_name="document_failure")
    op.drop_table("document_failure")
