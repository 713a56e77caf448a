"""The first release's schema (app/core/store.py's own migration 1), exactly as it made it.

A database made by that release has `schema_info` at version 1 and no `alembic_version`:
the store stamps it with this revision and upgrades from here, so new and old databases
take the same path.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("schema_info", sa.Column("version", sa.Integer, nullable=False))
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("learner", sa.String(200), nullable=False, index=True),
        sa.Column("case_id", sa.String(80), nullable=False, index=True),
        sa.Column("case_title", sa.String(300), nullable=False),
        sa.Column("format", sa.String(80), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("ice", sa.Float),
        sa.Column("cis", sa.Float),
        sa.Column("sep", sa.Float),
        sa.Column("note", sa.Float),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.execute("INSERT INTO schema_info (version) VALUES (1)")


def downgrade() -> None:
    op.drop_table("attempts")
    op.drop_table("schema_info")
