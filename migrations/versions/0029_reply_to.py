"""notification.reply_to: where a reply to one message goes, when not to the programme (a join request's mail to
the leads: the person asking to join)

Revision ID: 0029
Revises: 0022 (chained after main's latest at the merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, not batch mode: SQLite's batch copy of the table would drop the outbox's partial indexes.
    op.add_column("notification", sa.Column("reply_to", sa.String(length=600), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE notification DROP COLUMN reply_to")  # SQLite 3.35 and later, as PostgreSQL
