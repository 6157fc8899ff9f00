"""Fixtures for the client core against the real service (filled in with the client core)."""
