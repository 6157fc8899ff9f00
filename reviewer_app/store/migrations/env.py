"""Alembic environment: runs on the connection the store hands over, in batch mode so that
SQLite's limited ALTER TABLE works for every later migration."""

from __future__ import annotations

from alembic import context

from reviewer_app.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
