"""console_session.id_token: the identity provider's ID token of an OpenID Connect sign-in, kept while the session
lasts so that signing out can end the provider's session too (RP-initiated logout, its `id_token_hint`); emptied
when the session ends

Revision ID: 0028
Revises: 0022 (chained after main's head at the merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("console_session", sa.Column("id_token", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE console_session DROP COLUMN id_token")  # SQLite 3.35 and later, as PostgreSQL
