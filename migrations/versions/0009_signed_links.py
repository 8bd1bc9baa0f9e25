"""signed links: leads act from their inbox (evidence forms, the CoP page, private calendar feeds)

Only the SHA-256 of each token is stored: the token itself exists in the mail that carried it and nowhere else.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("cop_id", sa.Integer(), sa.ForeignKey("cop.id", ondelete="CASCADE"), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("gate", sa.String(length=40), nullable=True),
        sa.Column("stage_visit", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_link_token_hash"),
    )
    op.create_index("ix_link_cop_email", "link", ["cop_id", "email"])


def downgrade() -> None:
    op.drop_index("ix_link_cop_email", table_name="link")
    op.drop_table("link")
