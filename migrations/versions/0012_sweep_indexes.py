"""the sweep reads only what is due: each meeting series' next held occurrence (indexed), sent mail not yet
purged by the time it went (a partial index), a CoP's open actions by due date, so the agendas, briefs and
retention purge of the daily sweep cost what is due, not the size of the portfolio (docs/architecture.md, ADR-2)

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0014"  # given as 0011; chained after main's 0014 at the merge
branch_labels = None
depends_on = None

UNPURGED = sa.text("purged_at IS NULL")


def upgrade() -> None:
    op.add_column("meeting_series", sa.Column("next_held_at", sa.DateTime(timezone=True), nullable=True))
    # A lower bound until the next sweep computes it: no occurrence of a series starts before its first.
    op.execute("UPDATE meeting_series SET next_held_at = starts_at WHERE status = 'scheduled'")
    op.create_index("ix_meeting_series_kind_next_held", "meeting_series", ["kind", "next_held_at"])
    # A CoP's open actions in due-date order from one index (SQLite chose (status, due_on) over (cop_id, status)).
    op.drop_index("ix_actions_cop_status", table_name="actions")
    op.create_index("ix_actions_cop_status_due", "actions", ["cop_id", "status", "due_on"])
    op.create_index("ix_notification_unpurged", "notification", ["status", sa.text("coalesce(sent_at, created_at)")],
                    sqlite_where=UNPURGED, postgresql_where=UNPURGED)


def downgrade() -> None:
    op.drop_index("ix_notification_unpurged", table_name="notification")
    op.drop_index("ix_actions_cop_status_due", table_name="actions")
    op.create_index("ix_actions_cop_status", "actions", ["cop_id", "status"])
    op.drop_index("ix_meeting_series_kind_next_held", table_name="meeting_series")
    with op.batch_alter_table("meeting_series") as batch:
        batch.drop_column("next_held_at")
