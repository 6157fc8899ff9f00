"""Fixtures that run the real review service on a loopback port (filled in with the service)."""
