"""Liveness and readiness: `/healthz` says the process serves (and which version), `/readyz`
that this instance can do its work: the database answers, its schema is the one this code
was written for, and the media directory exists and takes writes.

The readiness probe opens a fresh connection each time rather than borrowing one from the
pool: a pooled SQLite connection keeps answering from a file that was deleted or moved away
(the service would then write into a file nobody will see again), and a pooled PostgreSQL
connection says nothing about whether a new one can be made. A SQLite file is opened
`mode=rw`, so a missing file is reported, never silently created empty.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from reviewer_app import __version__
from reviewer_app.domain import ProblemCode
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.db import MIGRATIONS_DIR
from reviewer_app.service.problems import ProblemError

SERVICE_NAME = "reviewer-service"
"""What `/healthz` calls this program, so a port check can tell it from another server."""

MIGRATE = "run `reviewer-service migrate`"
MEDIA_FIX = ("create it, owned by the service's user (the package makes "
             "/var/lib/reviewer-service/media), or set media_dir in the settings")
PROBE_TIMEOUT_S = 3
"""How long one readiness probe may wait for the database (probes run every few seconds)."""


@functools.cache
def _script_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every known revision) of the service's Alembic scripts, read once."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    known = frozenset(rev.revision for rev in script.walk_revisions())
    return frozenset(script.get_heads()), known


def schema_heads() -> frozenset[str]:
    return _script_revisions()[0]


@dataclass(frozen=True)
class Readiness:
    """One readiness reading: when not `ready`, `reason` says what is wrong and `fix` what
    to do about it."""

    ready: bool
    reason: str = ""
    fix: str = ""
    revision: str | None = None

    @property
    def detail(self) -> str:
        return f"{self.reason}: {self.fix}" if self.fix else self.reason


def schema_reading(conn: Connection) -> Readiness:
    """Whether the schema on `conn` is at this code's head revision."""
    heads, known = _script_revisions()
    try:
        rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    except SQLAlchemyError:
        conn.rollback()  # PostgreSQL: the failed statement ended the transaction
        return Readiness(False, "the database has no schema yet", MIGRATE)
    current = ",".join(sorted(rows)) or None
    if set(rows) == set(heads):
        return Readiness(True, revision=current)
    wanted = ",".join(sorted(heads))
    if current is None:
        return Readiness(False, "the database has no schema revision", MIGRATE)
    if set(rows) <= known:
        return Readiness(False, f"the schema is at revision {current}, this service "
                                f"({__version__}) needs {wanted}", MIGRATE, current)
    return Readiness(False, f"the schema is at revision {current}, unknown to this service "
                            f"({__version__}, head {wanted}), so a newer version migrated it",
                     "upgrade this service", current)


def probe_engine(db_url: str) -> Engine:
    """An engine that opens a new connection for every probe (see the module docstring)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise ValueError("an in-memory database cannot be probed from outside")
        url = url.set(database=f"file:{url.database}",
                      query={**url.query, "mode": "rw", "uri": "true"})
        return create_engine(url, poolclass=NullPool, connect_args={"timeout": PROBE_TIMEOUT_S})
    return create_engine(url, poolclass=NullPool,
                         connect_args={"connect_timeout": PROBE_TIMEOUT_S})


def database_reading(engine: Engine) -> Readiness:
    """Connect afresh, then check the schema: the database answers and is at head."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            return schema_reading(conn)
    except SQLAlchemyError as exc:
        return Readiness(False, f"the database does not answer ({_first_line(exc)})")


def _first_line(exc: SQLAlchemyError) -> str:
    """The driver's own message, without SQLAlchemy's statement dump and links: a URL with a
    password is never part of it."""
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0][:200]


class ReadinessProbe:
    """`/readyz`'s probe over one service's database; an in-memory SQLite database (tests
    only) is probed through the service's own pool, as nothing else can reach it."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        try:
            self._engine: Engine | None = probe_engine(ctx.settings.db_url)
        except ValueError:
            self._engine = None

    def reading(self) -> Readiness:
        reading = self._database_reading()
        if not reading.ready:
            return reading
        problem = self._ctx.media.problem()
        if problem is not None:
            return Readiness(False, problem, MEDIA_FIX, reading.revision)
        return reading

    def _database_reading(self) -> Readiness:
        if self._engine is not None:
            return database_reading(self._engine)
        try:
            with self._ctx.db.lookup() as conn:
                return schema_reading(conn)
        except SQLAlchemyError as exc:
            return Readiness(False, f"the database does not answer ({_first_line(exc)})")


class HealthStatus(BaseModel):
    status: str
    service: str
    version: str


class ReadinessStatus(BaseModel):
    status: str
    version: str
    schema_revision: str


def health_router(ctx: ServiceContext) -> APIRouter:
    """`/healthz` and `/readyz` of one service instance (outside /v1: they are for machines
    that watch the service, not part of the review API)."""
    probe = ReadinessProbe(ctx)
    router = APIRouter()

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        """Liveness, for process supervisors: the process serves. Touches nothing else, so a
        slow database never gets a healthy instance restarted."""
        body = HealthStatus(status="ok", service=SERVICE_NAME, version=__version__)
        return Response(body.model_dump_json(), media_type="application/json")

    @router.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        """Readiness, for load balancers: 200 when the database answers and its schema is at
        this code's head; otherwise 503 problem+json saying why."""
        reading = probe.reading()
        if not reading.ready:
            raise ProblemError(503, ProblemCode.UNAVAILABLE, reading.detail, retry_after_s=5)
        body = ReadinessStatus(status="ready", version=__version__,
                               schema_revision=reading.revision or "")
        return Response(body.model_dump_json(), media_type="application/json")

    return router
