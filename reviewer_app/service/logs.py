"""The service's log output: plain text for a person at a terminal, or one JSON object per
line for a log collector (`ServiceSettings.log_format`, env `REVIEWER_SERVICE_LOG_FORMAT`).

Nothing secret is ever logged: the access log carries the route template, the status and the
duration, never the raw path, a query string, a header or a body; the service's own messages
name exception types, not their arguments. A JSON line has `time` (UTC), `level`, `logger`,
`message`, and for access lines `request_id`, `method`, `route`, `status`, `duration_ms` and
`client` (the peer address).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
LOG_FORMAT_ENV = "REVIEWER_SERVICE_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
ACCESS_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "client")


def log_format_from_env(default: LogFormat = "text") -> LogFormat:
    """The format `REVIEWER_SERVICE_LOG_FORMAT` asks for; an unknown value is refused."""
    raw = os.environ.get(LOG_FORMAT_ENV, "").strip().lower()
    if not raw:
        return default
    if raw not in ("text", "json"):
        raise ValueError(f"{LOG_FORMAT_ENV} must be text or json, not {raw!r}")
    return "json" if raw == "json" else "text"


class JsonLogFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in ACCESS_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(fmt: LogFormat, level: int = logging.INFO) -> None:
    """The process's logging, once at start: every logger (uvicorn's too, which the server
    leaves unconfigured) writes through one handler on stderr in `fmt`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces every plugin it sets up, at INFO, on every command.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(level, logging.WARNING))
