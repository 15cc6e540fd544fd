"""Alembic migrations of the store's schema, run from :mod:`cxassess.store.database` (no alembic.ini needed)."""
