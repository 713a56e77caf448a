"""Alembic migrations of the attempt store, shipped inside the package (run by app.core.store)."""
