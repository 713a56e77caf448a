"""Each learner's study plan: the score report they entered, their exam date, their sentence.

The plan itself (weeks, daily targets, volumes) is computed from these by app.core.plans every
time it is shown, so a better rule in a later release applies to plans made before it; only
what the learner typed and the day the plan began are kept. One row per learner.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
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
        "study_plans",
        sa.Column("learner_id", sa.Integer, nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("exam_date", sa.Date),
        sa.Column("report", sa.Text),
        sa.Column("sentence", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("learner_id", name="pk_study_plans"),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name="fk_study_plans_learner_id_learners",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("study_plans")
