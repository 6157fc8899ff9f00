"""Validated settings of the review service, declared once with their defaults.

Every knob that tests or operators turn lives here, so a deployment is described by one value.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reviewer_app.contract import MAX_BODY_BYTES


class ServiceSettings(BaseModel):
    """How one service instance runs. Several instances may share one `db_url` (PostgreSQL)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db_url: str = Field(description="sqlite:///path or postgresql+psycopg://user@host/db")
    media_dir: Path | None = Field(
        default=None,
        description="where media files are stored (storage.py); by default `media` beside a "
                    "SQLite file, else $REVIEWER_MEDIA_DIR; required with PostgreSQL (every "
                    "instance must see the same directory)",
    )
    near_dup_threshold: int = Field(
        default=31, ge=0, le=64,
        description="PDQ hashes within this Hamming distance (of 256 bits) are the same "
                    "picture: near-duplicate cases are grouped, and a hash-bank entry matches")
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
    metrics_access: Literal["admin", "localhost"] = Field(
        default="admin",
        description="who may read /metrics: an admin's bearer token, or any peer on this "
                    "machine that is not a proxy forwarding someone else's request",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or one JSON object per line (logs.py)")
    access_log: bool = Field(
        default=False, description="one log line per request (reviewer-service serve turns "
                                   "it on; the in-process demo and tests leave it off)")

    def handler_threads(self) -> int:
        if self.worker_threads is not None:
            return self.worker_threads
        return 4 if self.db_url.startswith("sqlite") else 8


class SettingsFileError(ValueError):
    """The settings file cannot be read, is not TOML, or has a wrong key or value (named in the
    message; values are never repeated there, as a database URL may carry a password)."""


class ServiceConfig(BaseModel):
    """An installed service's settings file (TOML; the .deb's is
    /etc/reviewer-service/reviewer-service.toml): where the service listens, and every
    `ServiceSettings` field as a top-level key of the same name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    settings: ServiceSettings


def read_settings_file(path: Path) -> ServiceConfig:
    """Reads and validates a settings file; a misspelt key is refused rather than ignored, so a
    setting an operator believes in is never silently the default."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsFileError(f"cannot read the settings file {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsFileError(f"the settings file {path} is not valid TOML: {exc}") from exc
    listen = {key: data.pop(key) for key in ("host", "port") if key in data}
    try:
        return ServiceConfig(settings=ServiceSettings(**data), **listen)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'file'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SettingsFileError(f"the settings file {path}: {problems}") from exc
