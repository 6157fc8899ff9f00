"""Validated settings of the review service, declared once with their defaults.

Every knob that tests or operators turn lives here, so a deployment is described by one value.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from reviewer_app.contract import MAX_BODY_BYTES


class ServiceSettings(BaseModel):
    """How one service instance runs. Several instances may share one `db_url` (PostgreSQL)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db_url: str = Field(description="sqlite:///path or postgresql+psycopg://user@host/db")
    access_token_ttl_s: int = Field(default=900, gt=0)
    refresh_token_ttl_s: int = Field(default=14 * 24 * 3600, gt=0)
    lease_ttl_s: int = Field(default=600, gt=0)
    refresh_reuse_grace_s: int = Field(
        default=30, ge=0,
        description="a just-used refresh token is accepted again for this long (its reply may "
                    "have been lost); a reuse after it revokes the token family; 0: never",
    )
    login_rate_limit: int = Field(
        default=10, gt=0,
        description="failed logins per username from one client address per window (an "
                    "address, over all usernames, may fail auth.ADDRESS_LIMIT_FACTOR times "
                    "as often)",
    )
    login_rate_window_s: int = Field(default=300, gt=0)
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, gt=0)
    idempotency_ttl_s: int = Field(default=7 * 24 * 3600, gt=0)
    idempotency_in_flight_timeout_s: int = Field(
        default=30, gt=0, description="an unfinished key older than this is taken over"
    )
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19_456, ge=8)
    migrate_on_start: bool = Field(
        default=True, description="run Alembic upgrade head when the app is created"
    )
    db_pool_size: int = Field(default=8, ge=1)
    worker_threads: int | None = Field(
        default=None, ge=1, le=200,
        description="threads running request handlers; by default 4 on SQLite (its writers "
                    "take turns, and more threads only contend for the GIL) and 8 on PostgreSQL",
    )

    def handler_threads(self) -> int:
        if self.worker_threads is not None:
            return self.worker_threads
        return 4 if self.db_url.startswith("sqlite") else 8
