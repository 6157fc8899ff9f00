"""A hostile peer on loopback: answers each path with whatever the test programs (HTML
error pages, wrong types, truncated JSON, wrong content types). Not a model of the service:
only the few well-formed replies a client needs to get going are canned."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None
    """Announce this Content-Length (e.g. more than is sent, then hang up)."""


def json_reply(value: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(value).encode())


def canned_case(case_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"id": case_id, "source": "user_report", "policy_area": "community_standards",
            "harm_category": "other", "severity": 1, "priority": 50,
            "received_at": now.isoformat(), "sla_due_at": (now + timedelta(hours=1)).isoformat()}


def canned_replies() -> dict[str, Reply]:
    expires = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    return {
        "POST /v1/auth/login": json_reply({"access_token": "hostile-access",
                                           "refresh_token": "hostile-refresh",
                                           "expires_in": 900}),
        "GET /v1/me": json_reply({"username": "demo", "role": "specialist", "team": "t"}),
        "POST /v1/leases": json_reply({"lease_id": "L1", "expires_at": expires,
                                       "cases": [canned_case("c1"), canned_case("c2")]}, 201),
    }


class HostileServer:
    def __init__(self) -> None:
        self.replies: dict[str, Reply] = canned_replies()
        self.seen: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                key = f"{self.command} {self.path}"
                owner.seen.append(key)
                reply = owner.replies.get(key, Reply(404, b"<html>nope</html>", "text/html"))
                self.send_response(reply.status)
                if reply.content_type:
                    self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(reply.declared_length or len(reply.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)
                self.close_connection = True

            do_GET = do_POST = do_DELETE = _answer  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
