"""A thin HTTP helper for the service tests: plain requests, no client core, so these tests
check the wire contract itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import requests

from reviewer_app.contract import IDEMPOTENCY_HEADER


class Api:
    def __init__(self, base_url: str, session: requests.Session | None = None) -> None:
        self.base = base_url.rstrip("/") + "/v1"
        self.http = session or requests.Session()
        self.token: str | None = None
        self.refresh_token: str | None = None

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def call(self, method: str, path: str, *, json: Any = None,
             headers: dict[str, str] | None = None) -> requests.Response:
        return self.http.request(method, self.base + path, json=json,
                                 headers=self._headers(headers), timeout=30)

    def login(self, username: str, password: str) -> requests.Response:
        resp = self.call("POST", "/auth/login", json={"username": username, "password": password})
        if resp.status_code == 200:
            self.token = resp.json()["access_token"]
            self.refresh_token = resp.json()["refresh_token"]
        return resp

    def lease(self, max_cases: int = 5, **extra: Any) -> requests.Response:
        return self.call("POST", "/leases", json={"max_cases": max_cases, **extra})

    @staticmethod
    def decision_body(case_id: str, lease_id: str, *, action: str = "remove",
                      client_id: str | None = None, **extra: Any) -> dict[str, Any]:
        return {"client_id": client_id or str(uuid.uuid4()), "case_id": case_id,
                "lease_id": lease_id, "action": action, "policy_refs": ["CS-VIO-1"],
                "reason": "test", "decided_at": datetime.now(UTC).isoformat(),
                "handle_ms": 1500, **extra}

    def sync(self, decisions: list[dict[str, Any]]) -> requests.Response:
        return self.call("POST", "/sync", json={"decisions": decisions})

    def decide(self, case_id: str, lease_id: str, *, action: str = "remove",
               client_id: str | None = None, key: str | None = "same",
               **extra: Any) -> requests.Response:
        body = self.decision_body(case_id, lease_id, action=action, client_id=client_id,
                                  **extra)
        cid = body["client_id"]
        headers = {} if key is None else {IDEMPOTENCY_HEADER: cid if key == "same" else key}
        return self.call("POST", f"/cases/{case_id}/decisions", json=body, headers=headers)
