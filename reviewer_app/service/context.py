"""What every request handler needs: settings, the database, the clock, the password hasher,
the media store.

Held on `app.state.ctx`; time always comes from `ctx.now()`, so tests can move the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from argon2 import PasswordHasher
from fastapi import Request

from reviewer_app.service.db import Database
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.service.storage import MediaStore, store_for

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_hasher(settings: ServiceSettings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )


@dataclass
class ServiceContext:
    settings: ServiceSettings
    db: Database
    clock: Clock = utc_now
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    store: MediaStore | None = None
    """None: the settings' media directory (`storage.media_dir_for`)."""

    def __post_init__(self) -> None:
        if self.store is None:
            self.store = store_for(self.settings.db_url, self.settings.media_dir)

    @property
    def media(self) -> MediaStore:
        assert self.store is not None  # set in __post_init__
        return self.store

    def now(self) -> datetime:
        return self.clock()


async def get_ctx(request: Request) -> ServiceContext:
    """Async on purpose: it does no I/O, and FastAPI runs a sync dependency on a worker
    thread, one more hand-off per request."""
    ctx = request.app.state.ctx
    assert isinstance(ctx, ServiceContext)
    return ctx


def client_of(request: Request) -> str:
    """Which client acted, for the audit log: address and user agent, never credentials."""
    host = request.client.host if request.client else "?"
    agent = request.headers.get("user-agent", "")[:200]
    return f"{host} {agent}".strip()
