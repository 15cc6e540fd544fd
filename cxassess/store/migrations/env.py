"""Alembic's environment for the store: run on the connection :mod:`cxassess.store.database` hands over.

The store opens its own connection (with its SQLite pragmas or PostgreSQL lock) and puts it in
``config.attributes["connection"]``; the migrations run inside that connection's transaction.
"""

from __future__ import annotations

from alembic import context

from cxassess.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic` run by hand without the store
    raise RuntimeError("run the store's migrations through cxassess.store.database.open_store")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
