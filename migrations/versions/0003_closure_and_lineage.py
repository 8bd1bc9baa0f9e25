"""closure and lineage

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cop_id"], ["cop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_cop_id"), ["cop_id"], unique=False)

    with op.batch_alter_table("cop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("archive_path", sa.Text(), nullable=True))
        batch_op.create_foreign_key("fk_cop_merged_into", "cop", ["merged_into_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("cop", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cop_merged_into", type_="foreignkey")
        batch_op.drop_column("archive_path")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_cop_id"))

    op.drop_table("document")
