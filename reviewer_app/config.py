"""Validated client settings: where the service is, where local state lives, and the limits
that keep media in memory bounded. One place, each setting typed with its default and why."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, field_validator

MiB = 1024 * 1024
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("reviewer-app"))


def is_loopback_host(host: str) -> bool:
    """True for names and addresses that never leave this machine."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ClientConfig(BaseModel):
    """What the client core needs to reach the service and keep its local store.

    TLS verification is always on (`ca_bundle` only adds a CA); plain http is accepted for
    loopback hosts only, so tokens never cross a network in clear text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    server_url: str = Field(description="Base URL of the review service, e.g. https://review.example")
    data_dir: Path = Field(default_factory=_default_data_dir,
                           description="Local store (SQLite) and logs; never media, never tokens")
    ca_bundle: Path | None = Field(default=None, description="Extra CA bundle (PEM) for TLS")
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    read_timeout_s: float = Field(default=30.0, gt=0, le=600)
    keyring_service: str = Field(default="reviewer-app", min_length=1, max_length=200,
                                 description="Service name of the refresh token in the OS keyring")
    media_max_bytes: int = Field(default=64 * MiB, gt=0,
                                 description="Largest single media item accepted into memory")
    prefetch_budget_bytes: int = Field(default=256 * MiB, ge=0,
                                       description="Memory for fetched media, prefetch included")

    @field_validator("server_url")
    @classmethod
    def _safe_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"server URL must be https://host[:port], got {value!r}")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise ValueError(
                f"refusing plain http to {parts.hostname}: use https:// (plain http is only "
                "allowed to this machine, e.g. 127.0.0.1)"
            )
        if parts.username or parts.password:
            raise ValueError("server URL must not carry credentials")
        return value.strip().rstrip("/")

    @property
    def store_path(self) -> Path:
        """The SQLite file of the local store."""
        return self.data_dir / "reviewer.sqlite3"
