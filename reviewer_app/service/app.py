"""The FastAPI application of the review service: routers, errors, limits, OpenAPI.

`create_app` is the one composition point; the server, the tests and the desktop demo all
build the service through it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, FastAPI

from reviewer_app import __version__
from reviewer_app.contract import API_PREFIX
from reviewer_app.service import (
    appeals,
    audit_api,
    auth,
    cases,
    clusters,
    corrections,
    dashboard,
    decisions,
    exposure,
    groups,
    housekeeping,
    intake,
    kpis,
    leases,
    matching,
    media,
    metrics,
    overrides,
    policy_versions,
    quality,
    replies,
    sor_api,
    sync,
    trends,
)
from reviewer_app.service.context import Clock, ServiceContext, make_hasher, utc_now
from reviewer_app.service.db import Database, upgrade_head
from reviewer_app.service.health import health_router
from reviewer_app.service.limits import BodyLimit, ServiceDate
from reviewer_app.service.openapi import install_openapi, short_id
from reviewer_app.service.problems import install_problem_handlers
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.service.telemetry import install_telemetry


def create_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """A ready service over `settings.db_url` (migrated to head unless told otherwise)."""
    if settings.migrate_on_start:
        upgrade_head(settings.db_url)
    ctx = ServiceContext(
        settings=settings,
        db=Database(settings.db_url, pool_size=settings.db_pool_size),
        clock=clock or utc_now,
        hasher=make_hasher(settings),
    )
    housekeeping.purge(ctx)
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Fewer worker threads than anyio's 40: past a few, threads only fight for the GIL
        # (and, on SQLite, for the one writer lock: 4 threads ran lease+decide 25% faster
        # than 8 in the service benchmark).
        to_thread.current_default_thread_limiter().total_tokens = settings.handler_threads()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Reviewer service",
        version=__version__,
        description="Leased review queue, decisions, exposure enforcement and audit.",
    )
    app.state.ctx = ctx
    app.include_router(api_router())

    app.include_router(health_router(ctx))
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ServiceDate, now=ctx.now)
    install_telemetry(app, ctx, settings)  # last: the outermost middleware times the others
    return app


def api_router() -> APIRouter:
    """Every /v1 route; building it touches no database (used to list the operations)."""
    api = APIRouter(prefix=API_PREFIX, generate_unique_id_function=short_id)
    for module in (auth, leases, cases, media, decisions, sync, exposure, dashboard,
                   overrides, audit_api, metrics, matching, groups, intake, replies,
                   quality, corrections, policy_versions, appeals, sor_api, trends, clusters,
                   kpis):
        api.include_router(module.router)
    return api
