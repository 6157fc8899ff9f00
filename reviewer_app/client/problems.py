"""Turning the service's non-success replies into the core's typed errors: one table, so the
UI and the CLI branch on types and never on status numbers or text."""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, datetime

import requests
from pydantic import ValidationError

from reviewer_app import contract
from reviewer_app.client.errors import (
    CapReached,
    ClientError,
    LeaseLost,
    MalformedReply,
    NotFound,
    OnBreak,
    ServiceUnavailable,
    ShiftLimit,
)
from reviewer_app.domain import ProblemCode


class Refused(ClientError):
    """The service understood the request and refused it for a reason the reviewer can read."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"The review service refused this: {detail or code} ({status}).")
        self.status = status
        self.code = code
        self.detail = detail


def _http_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        when = email.utils.parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def retry_after_s(response: requests.Response, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), None when absent. A
    date is read against service time: `now` (the session's clock), else the reply's own
    `Date`; never the machine's clock."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    when = _http_date(raw)
    reference = now or _http_date(response.headers.get("Date"))
    if when is None or reference is None:
        return None
    return max(0.0, (when - reference).total_seconds())


def parse_problem(response: requests.Response) -> contract.Problem | None:
    ctype = response.headers.get("Content-Type", "")
    if "json" not in ctype:
        return None
    try:
        return contract.Problem.model_validate_json(response.content)
    except (ValidationError, ValueError):
        return None


def _until(problem: contract.Problem) -> datetime | None:
    extra = problem.model_extra or {}
    raw = extra.get("until")
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def error_for(response: requests.Response, *, case_id: str | None = None,
              what: str = "The item", now: datetime | None = None) -> ClientError:
    """The typed error for a reply that is not a success."""
    status = response.status_code
    problem = parse_problem(response)
    wait = retry_after_s(response, now)
    if problem is not None and wait is None and problem.retry_after_s is not None:
        wait = float(problem.retry_after_s)
    if status >= 500 or status in (408, 429):
        return ServiceUnavailable(retry_after_s=wait)
    if problem is None:
        ctype = response.headers.get("Content-Type", "no content type") or "no content type"
        return MalformedReply(f"HTTP {status} with {ctype.split(';')[0]}")
    code, detail = problem.code, problem.detail or problem.title
    if code is ProblemCode.CONFLICT:  # a concurrent change won a race: retrying is right
        return ServiceUnavailable(retry_after_s=wait)
    if code is ProblemCode.ON_BREAK:
        return OnBreak(wait, _until(problem))
    if code is ProblemCode.CAP_REACHED:
        return CapReached(wait, problem.detail, _until(problem))
    if code is ProblemCode.SHIFT_LIMIT:
        return ShiftLimit(wait, problem.detail)
    if code in (ProblemCode.LEASE_LOST, ProblemCode.ALREADY_DECIDED):
        return LeaseLost(case_id or "?", detail)
    if code is ProblemCode.NOT_FOUND or status == 404:
        return NotFound(what)
    return Refused(status, code.value, detail)


def problem_reason(problem: contract.Problem | None) -> tuple[str | None, str]:
    """(code, readable reason) for an outbox item the service would not apply."""
    if problem is None:
        return None, ""
    return problem.code.value, problem.detail or problem.title


def require_json(response: requests.Response) -> bytes:
    """The body of a success reply that must be JSON, else MalformedReply."""
    ctype = response.headers.get("Content-Type", "")
    if "json" not in ctype.split(";")[0]:
        raise MalformedReply(f"content type {ctype.split(';')[0] or 'missing'}, not JSON")
    body = response.content
    try:
        json.loads(body)
    except ValueError:
        raise MalformedReply("a body that is not valid JSON") from None
    return body
