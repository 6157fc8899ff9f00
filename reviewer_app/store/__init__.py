"""Local SQLite store of the client: cached leased cases, the outbox, the exposure ledger."""
