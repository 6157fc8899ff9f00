"""Alembic migrations of the local store (run by `reviewer_app.store.database`)."""
