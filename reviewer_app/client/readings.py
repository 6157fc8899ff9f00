"""What the client knows of the reviewer's safeguards, and from where: the service's reading
(its counters, ledger, break state and the team policy) after every sync, and the local
records that survive the process (the last reading, the break scheduler's state, the exposure
events this machine measured). The UI merges them, only ever towards the stricter."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from reviewer_app import contract, domain
from reviewer_app.client.errors import MalformedReply
from reviewer_app.client.http import ApiClient, read_json
from reviewer_app.store import safeguards as records
from reviewer_app.store.local import LocalStore

EVENTS_KEPT = timedelta(days=8, hours=1)
"""Exposure older than this counts in no window (an ISO week is at most 7 days back)."""


@dataclass(frozen=True)
class ServiceReading:
    """One reading of the authority. `policy` is None when it has not changed since
    `policy_etag` (the service answered 304)."""

    status: contract.ExposureStatus
    policy: dict[str, Any] | None
    policy_etag: str | None
    read_at: datetime


@dataclass(frozen=True)
class LocalSafeguards:
    """What the local store kept: the scheduler's state, the last reading, the policy in
    force, and this machine's own exposure events."""

    scheduler: dict[str, Any] | None
    status: contract.ExposureStatus | None
    policy: dict[str, Any] | None
    policy_etag: str | None
    events: list[domain.ExposureEvent] = field(default_factory=list)


def read_service(api: ApiClient, store: LocalStore, now: datetime) -> ServiceReading:
    """GET /v1/me/exposure and /v1/me/policy (If-None-Match), kept locally for an offline
    start; raises the client's typed errors like any call."""
    status = api.call(contract.ExposureStatus, "GET", "/v1/me/exposure",
                      what="Your exposure counters")
    with store.read() as db:
        kept = records.load(db, records.POLICY)
    headers = {"If-None-Match": kept[1]} if kept and kept[1] else {}
    response = api.request("GET", "/v1/me/policy", headers=headers, not_modified_ok=True,
                           what="Your exposure policy")
    try:
        policy: dict[str, Any] | None = None
        etag = response.headers.get("ETag") or (kept[1] if kept else None)
        if response.status_code != 304:
            value = json.loads(read_json(response))
            if not isinstance(value, dict):
                raise MalformedReply("a policy that is not a JSON object")
            policy = value
    finally:
        response.close()
    with store.write() as db:
        records.save(db, records.SERVICE_STATUS, status.model_dump_json(), now)
        if policy is not None:
            records.save(db, records.POLICY, json.dumps(policy), now, etag=etag)
    return ServiceReading(status=status, policy=policy, policy_etag=etag, read_at=now)


def load_local(store: LocalStore, now: datetime) -> LocalSafeguards:
    with store.read() as db:
        scheduler = records.load(db, records.SCHEDULER)
        status = records.load(db, records.SERVICE_STATUS)
        policy = records.load(db, records.POLICY)
        events = records.exposure_events(db, now - EVENTS_KEPT)
    parsed_status = None
    if status is not None:
        try:
            parsed_status = contract.ExposureStatus.model_validate_json(status[0])
        except ValidationError:
            parsed_status = None  # an older or damaged record: the next reading replaces it
    return LocalSafeguards(
        scheduler=json.loads(scheduler[0]) if scheduler else None,
        status=parsed_status,
        policy=json.loads(policy[0]) if policy else None,
        policy_etag=policy[1] if policy else None,
        events=events,
    )


def save_scheduler(store: LocalStore, state: dict[str, Any], now: datetime) -> None:
    with store.write() as db:
        records.save(db, records.SCHEDULER, json.dumps(state, separators=(",", ":")), now)


def local_events(store: LocalStore, now: datetime) -> list[domain.ExposureEvent]:
    with store.read() as db:
        return records.exposure_events(db, now - EVENTS_KEPT)
