"""Prometheus metrics of one service instance, and the access log.

What is measured: requests and their latency per route (the route's template, never the raw
path: no ids in labels), lease and sync latency, 423 refusals by reason (`ProblemCode`),
the outbox lag clients report on `/v1/sync`, and, read from the database at scrape time,
the cases waiting per queue and the cases under lease per team. No label ever carries a
username, a case id or a lease id, so the exposition tells an operator how the service
does, never who reviewed what.

Every app has a `CollectorRegistry` of its own (tests run several apps in one process), and
`/metrics` is served to an admin's bearer token or to this machine only
(`ServiceSettings.metrics_access`).
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import time
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reviewer_app.config import is_loopback_host
from reviewer_app.contract import API_PREFIX, OUTBOX_AGE_HEADER
from reviewer_app.domain import CaseStatus, ProblemCode
from reviewer_app.service.auth import Admin
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import CaseRow, User
from reviewer_app.service.problems import ProblemError
from reviewer_app.service.settings import ServiceSettings

log = logging.getLogger(__name__)
access_log = logging.getLogger("reviewer_app.service.access")

METRICS_PATH = "/metrics"
UNMATCHED_ROUTE = "unmatched"
"""The route label of a request no route matched: its raw path could hold anything."""
ROUTE_PREFIXES = ("", API_PREFIX)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_LAG_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 12 * 3600.0,
                24 * 3600.0, 3 * 24 * 3600.0, 7 * 24 * 3600.0)
MAX_REPORTED_LAG_S = 30 * 24 * 3600.0
"""A reported outbox age above this (or not a number) is ignored, not clamped: a client clock
gone wrong must not look like a month-old backlog."""

_LEASE_OPERATIONS = {
    ("POST", "/v1/leases"): "create",
    ("POST", "/v1/leases/{lease_id}/renew"): "renew",
    ("DELETE", "/v1/leases/{lease_id}"): "release",
}
_SYNC_ROUTE = ("POST", "/v1/sync")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_REFUSAL_BODY_LIMIT = 8192
_KNOWN_CODES = frozenset(c.value for c in ProblemCode)
_REFUSAL_CODES = (ProblemCode.ON_BREAK, ProblemCode.CAP_REACHED, ProblemCode.SHIFT_LIMIT)


class QueueCollector(Collector):
    """Gauges read from the database at scrape time, with two grouped counts over indexed
    columns: cases waiting per queue, cases under an unexpired lease per team (of the
    reviewer holding them). `reviewer_database_up` is 0 when the reading failed."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def describe(self) -> Iterable[Metric]:
        return []  # nothing to read at registration; the families come from collect()

    def collect(self) -> Iterable[Metric]:
        queued = GaugeMetricFamily("reviewer_queue_depth", "Cases waiting in each queue",
                                   labels=["queue"])
        leased = GaugeMetricFamily("reviewer_cases_leased",
                                   "Cases under an unexpired lease, by the team of the "
                                   "reviewer holding them", labels=["team"])
        up = GaugeMetricFamily("reviewer_database_up",
                               "1 when the last scrape could read the database")
        try:
            with self._ctx.db.read() as s:
                waiting = s.execute(
                    select(CaseRow.queue, func.count())
                    .where(CaseRow.status == CaseStatus.QUEUED.value)
                    .group_by(CaseRow.queue)).all()
                held = s.execute(
                    select(User.team, func.count())
                    .select_from(CaseRow)
                    .join(User, User.id == CaseRow.leased_by)
                    .where(and_(CaseRow.status == CaseStatus.LEASED.value,
                                CaseRow.lease_expires_at > self._ctx.now()))
                    .group_by(User.team)).all()
        except SQLAlchemyError as exc:
            log.warning("metrics: the database could not be read (%s)", type(exc).__name__)
            up.add_metric([], 0)
            return [up]
        for queue, count in waiting:
            queued.add_metric([str(queue)], count)
        for team, count in held:
            leased.add_metric([str(team)], count)
        up.add_metric([], 1)
        return [queued, leased, up]


class Telemetry:
    """The metrics of one app, on a registry of their own."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "reviewer_http_requests", "HTTP requests answered, by route template and status",
            ["method", "route", "status"], registry=r)
        self.latency = Histogram(
            "reviewer_http_request_duration_seconds",
            "Time from the request's arrival to the last byte of its reply, by route template",
            ["method", "route"], buckets=_LATENCY_BUCKETS, registry=r)
        self.lease_latency = Histogram(
            "reviewer_lease_duration_seconds",
            "Time to answer a lease request (create, renew, release), refusals included",
            ["operation"], buckets=_LATENCY_BUCKETS, registry=r)
        self.sync_latency = Histogram(
            "reviewer_sync_duration_seconds", "Time to answer one POST /v1/sync batch",
            buckets=_LATENCY_BUCKETS, registry=r)
        self.refusals = Counter(
            "reviewer_refusals", "423 refusals (breaks, caps, limits), by reason",
            ["reason"], registry=r)
        self.outbox_lag = Histogram(
            "reviewer_client_outbox_lag_seconds",
            "Age of the oldest unsent item in a client's outbox, as each signed-in client "
            f"reports it on POST /v1/sync (header {OUTBOX_AGE_HEADER})",
            buckets=_LAG_BUCKETS, registry=r)
        for code in _REFUSAL_CODES:  # present from the start, so rate() sees the first one
            self.refusals.labels(code.value)
        for operation in _LEASE_OPERATIONS.values():
            self.lease_latency.labels(operation)
        r.register(QueueCollector(ctx))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float, *,
                refusal: str | None, outbox_age: str | None) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        operation = _LEASE_OPERATIONS.get((method, route))
        if operation is not None:
            self.lease_latency.labels(operation).observe(seconds)
        elif (method, route) == _SYNC_ROUTE:
            self.sync_latency.observe(seconds)
            lag = _reported_lag(outbox_age) if status < 400 else None
            if lag is not None:  # only a signed-in specialist's sync that was answered
                self.outbox_lag.observe(lag)
        if status == 423:
            self.refusals.labels(refusal or "unknown").inc()


def _reported_lag(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0 or value > MAX_REPORTED_LAG_S:
        return None
    return value


def route_template(scope: Scope) -> str:
    """The matched route's path template with its router's prefix ("/v1/cases/{case_id}").

    FastAPI hands over the route as declared, whose `path` may lack the prefix of the
    router it was included under (newer FastAPI keeps included routers nested): the prefix
    is then the literal head of the request's path before the part the route matched, and
    is taken only when it is one of the app's known prefixes, so no id can slip into a
    label. A request refused before routing (a 413) or matched by no route is `unmatched`."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    regex = getattr(route, "path_regex", None)
    path = scope.get("path", "")
    if isinstance(template, str) and regex is not None and isinstance(path, str):
        for prefix in ROUTE_PREFIXES:
            if path.startswith(prefix) and regex.match(path[len(prefix):]):
                return prefix + template
    return UNMATCHED_ROUTE


def _refusal_code(body: bytes) -> str | None:
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return None
    return code if code in _KNOWN_CODES else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class TelemetryMiddleware:
    """Pure ASGI middleware, outermost: times every request to its reply's last byte, counts
    it under its route template, reads a 423's reason from its problem body as it passes,
    sets `X-Request-ID` (a well-formed one from a proxy is kept) and writes the access log."""

    def __init__(self, app: ASGIApp, telemetry: Telemetry, *, access: bool) -> None:
        self.app = app
        self.telemetry = telemetry
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = _header(scope, b"x-request-id")
        request_id = (incoming if incoming and _REQUEST_ID.fullmatch(incoming)
                      else secrets.token_hex(8))
        status = 500
        refused_body: list[bytes] = []

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"x-request-id"]
                message = {**message,
                           "headers": [*headers, (b"x-request-id", request_id.encode())]}
            elif (message["type"] == "http.response.body" and status == 423
                  and sum(map(len, refused_body)) < _REFUSAL_BODY_LIMIT):
                refused_body.append(bytes(message.get("body", b"")))
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            seconds = time.perf_counter() - started
            method = str(scope.get("method", "GET"))
            route = route_template(scope)
            refusal = _refusal_code(b"".join(refused_body)) if status == 423 else None
            self.telemetry.observe(method, route, status, seconds, refusal=refusal,
                                   outbox_age=_header(scope, OUTBOX_AGE_HEADER.lower().encode()))
            if self.access and access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    "%s %s %d %.1f ms", method, route, status, seconds * 1000,
                    extra={"request_id": request_id, "method": method, "route": route,
                           "status": status, "duration_ms": round(seconds * 1000, 2),
                           "client": client[0] if client else None})


def _local_peer(request: Request) -> None:
    """`metrics_access = "localhost"`: the peer must be this machine, and not a proxy on it
    passing on someone else's request (a forwarding header says so)."""
    host = request.client.host if request.client else ""
    forwarded = any(h in request.headers for h in ("forwarded", "x-forwarded-for",
                                                   "x-real-ip"))
    if not is_loopback_host(host) or forwarded:
        raise ProblemError(403, ProblemCode.FORBIDDEN,
                           "metrics are served to this machine only (metrics_access=localhost)")


LocalPeer = Annotated[None, Depends(_local_peer)]


def _metrics_reply(request: Request) -> Response:
    telemetry = request.app.state.telemetry
    assert isinstance(telemetry, Telemetry)
    return Response(telemetry.exposition(), media_type=CONTENT_TYPE_LATEST)


def metrics_router(settings: ServiceSettings) -> APIRouter:
    """`/metrics`, guarded as `settings.metrics_access` says. Outside /v1 and the OpenAPI
    document: it is for Prometheus, not for the review clients. Scrapes are not audited
    (they read no content and change nothing, every 15 s)."""
    router = APIRouter()
    if settings.metrics_access == "admin":
        @router.get(METRICS_PATH, include_in_schema=False)
        def admin_metrics(_user: Admin, request: Request) -> Response:
            """Prometheus exposition, for an admin's bearer token."""
            return _metrics_reply(request)
    else:
        @router.get(METRICS_PATH, include_in_schema=False)
        def local_metrics(_local: LocalPeer, request: Request) -> Response:
            """Prometheus exposition, for a scraper on this machine."""
            return _metrics_reply(request)
    return router


def install_telemetry(app: FastAPI, ctx: ServiceContext, settings: ServiceSettings) -> Telemetry:
    """Metrics and the access log for `app`; call after every other middleware is added, so
    this one is outermost and times what they do too."""
    telemetry = Telemetry(ctx)
    app.state.telemetry = telemetry
    app.include_router(metrics_router(settings))
    app.add_middleware(TelemetryMiddleware, telemetry=telemetry, access=settings.access_log)
    return telemetry

