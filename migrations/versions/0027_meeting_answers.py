"""meeting_answer: each attendee's answer (RSVP) to a meeting series or to one occurrence of it, read from the
iMIP REPLY their calendar sent, and a COUNTER's proposed time (shown to the leads, never applied)

Revision ID: 0027
Revises: 0022 (re-chained by the lead at the merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("series_id", sa.Integer(), sa.ForeignKey("meeting_series.id", ondelete="CASCADE"), nullable=False),
        sa.Column("occurrence", sa.String(length=20), nullable=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("proposed_start", sa.String(length=20), nullable=True),
        sa.Column("proposed_end", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_meeting_answer_person_id", "meeting_answer", ["person_id"])
    op.create_index("uq_meeting_answer_occurrence", "meeting_answer", ["series_id", "occurrence", "person_id"],
                    unique=True)
    op.create_index("uq_meeting_answer_series", "meeting_answer", ["series_id", "person_id"], unique=True,
                    sqlite_where=sa.text("occurrence IS NULL"), postgresql_where=sa.text("occurrence IS NULL"))


def downgrade() -> None:
    op.drop_table("meeting_answer")
