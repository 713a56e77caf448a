"""Alembic's entry point: the store hands over an open connection inside its transaction.

There is no alembic.ini and no logging set-up: migrations run from app.core.store at open,
all of them in the one transaction the store began, so a failed upgrade leaves the database
as it was (SQLite gets transactional DDL from the store's BEGIN; PostgreSQL has it anyway).
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
