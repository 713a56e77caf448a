"""Learners in their own table; checklist items and phase minutes as rows beside each attempt.

Every attempt moves to the new `attempts` table with its learner's id, its record untouched;
its saved time is when it finished (or started). `schema_info` goes to 2 so that the first
release, which knows only version 1, refuses this database instead of writing to it.
Item and phase rows of attempts saved before this revision are filled in when the app scores
them again (they need the case); the domain scores were columns already and stay.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_learners"),
        sa.UniqueConstraint("name", name="uq_learners_name"),
    )
    op.execute(
        "INSERT INTO learners (name, created_at) "
        "SELECT learner, MIN(started_at) FROM attempts GROUP BY learner ORDER BY MIN(started_at)"
    )
    # the old table steps aside (its index names are free again) and is copied over
    op.drop_index("ix_attempts_learner", table_name="attempts")
    op.drop_index("ix_attempts_case_id", table_name="attempts")
    op.rename_table("attempts", "attempts_v1")
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("learner_id", sa.Integer, nullable=False),
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("case_title", sa.String(300), nullable=False),
        sa.Column("format", sa.String(80), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("ice", sa.Float),
        sa.Column("cis", sa.Float),
        sa.Column("sep", sa.Float),
        sa.Column("note", sa.Float),
        sa.Column("finished_by_14", sa.Boolean),
        sa.Column("record_version", sa.Integer, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("saved_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attempts"),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name="fk_attempts_learner_id_learners",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_attempts_case_id", "attempts", ["case_id"])
    op.create_index("ix_attempts_learner_id_started_at", "attempts", ["learner_id", "started_at"])
    op.execute(
        "INSERT INTO attempts (id, learner_id, case_id, case_title, format, mode, started_at, "
        "finished_at, ice, cis, sep, note, finished_by_14, record_version, record, saved_at) "
        "SELECT a.id, l.id, a.case_id, a.case_title, a.format, a.mode, a.started_at, "
        "a.finished_at, a.ice, a.cis, a.sep, a.note, NULL, 1, a.record, "
        "COALESCE(a.finished_at, a.started_at) "
        "FROM attempts_v1 a JOIN learners l ON l.name = a.learner"
    )
    op.drop_table("attempts_v1")

    op.create_table(
        "item_results",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("domain", sa.String(20), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("met", sa.Boolean, nullable=False),
        sa.Column("t", sa.Float),
        sa.PrimaryKeyConstraint("id", name="pk_item_results"),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name="fk_item_results_attempt_id_attempts",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("attempt_id", "position", name="uq_item_results_attempt_id_position"),
    )
    op.create_index("ix_item_results_attempt_id", "item_results", ["attempt_id"])
    op.create_index("ix_item_results_item_id", "item_results", ["item_id"])
    op.create_table(
        "phase_times",
        sa.Column("attempt_id", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("minutes", sa.Float, nullable=False),
        sa.Column("budget", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", "phase", name="pk_phase_times"),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name="fk_phase_times_attempt_id_attempts",
            ondelete="CASCADE",
        ),
    )
    op.execute("DELETE FROM schema_info")
    op.execute("INSERT INTO schema_info (version) VALUES (2)")


def downgrade() -> None:
    """Back to the first release's tables: each attempt with its learner's name and its record
    untouched; the item and phase rows go (they are derived from the records and cases)."""
    op.drop_table("phase_times")
    op.drop_table("item_results")
    op.drop_index("ix_attempts_case_id", table_name="attempts")
    op.drop_index("ix_attempts_learner_id_started_at", table_name="attempts")
    op.rename_table("attempts", "attempts_v2")
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("learner", sa.String(200), nullable=False, index=True),
        sa.Column("case_id", sa.String(80), nullable=False, index=True),
        sa.Column("case_title", sa.String(300), nullable=False),
        sa.Column("format", sa.String(80), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("ice", sa.Float),
        sa.Column("cis", sa.Float),
        sa.Column("sep", sa.Float),
        sa.Column("note", sa.Float),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.execute(
        "INSERT INTO attempts (id, learner, case_id, case_title, format, mode, started_at, "
        "finished_at, ice, cis, sep, note, record) "
        "SELECT a.id, l.name, a.case_id, a.case_title, a.format, a.mode, a.started_at, "
        "a.finished_at, a.ice, a.cis, a.sep, a.note, a.record "
        "FROM attempts_v2 a JOIN learners l ON l.id = a.learner_id"
    )
    op.drop_table("attempts_v2")
    op.drop_table("learners")
    op.execute("DELETE FROM schema_info")
    op.execute("INSERT INTO schema_info (version) VALUES (1)")
