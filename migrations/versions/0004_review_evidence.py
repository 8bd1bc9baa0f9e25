"""review evidence: activities, attendance, survey answers; reports tied to a review

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cop_id"], ["cop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cop_id", "kind", "held_on", "title", name="uq_activity"),
    )
    op.create_index("ix_activity_cop_held", "activity", ["cop_id", "held_on"], unique=False)
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "person_id", name="uq_attendance"),
    )
    op.create_index("ix_attendance_person_id", "attendance", ["person_id"], unique=False)
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cop_id", sa.Integer(), nullable=False),
        sa.Column("survey", sa.String(length=100), nullable=False),
        sa.Column("respondent", sa.String(length=100), nullable=False),
        sa.Column("statement_key", sa.String(length=80), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("benchmark", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["cop_id"], ["cop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cop_id", "survey", "respondent", "statement_key", name="uq_survey_answer"),
    )
    op.create_index("ix_survey_answer_cop_submitted", "survey_answer", ["cop_id", "submitted_on"], unique=False)
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage_visit", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("stage_visit")
    op.drop_index("ix_survey_answer_cop_submitted", table_name="survey_answer")
    op.drop_table("survey_answer")
    op.drop_index("ix_attendance_person_id", table_name="attendance")
    op.drop_table("attendance")
    op.drop_index("ix_activity_cop_held", table_name="activity")
    op.drop_table("activity")
