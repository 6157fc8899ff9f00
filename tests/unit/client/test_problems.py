"""Replies that are not a success map to one typed error each, from status, code and body."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from reviewer_app.client import errors
from reviewer_app.client.problems import Refused, error_for, retry_after_s

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _reply(status: int, body: bytes, ctype: str | None = "application/problem+json",
           **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    if ctype:
        response.headers["Content-Type"] = ctype
    response.headers.update(headers)
    return response


def _problem(status: int, code: str, **extra: object) -> bytes:
    return json.dumps({"title": code, "status": status, "code": code, **extra}).encode()


@pytest.mark.parametrize(("status", "code", "expected"), [
    (423, "on_break", errors.OnBreak), (423, "cap_reached", errors.CapReached),
    (423, "shift_limit", errors.ShiftLimit), (409, "lease_lost", errors.LeaseLost),
    (409, "already_decided", errors.LeaseLost), (404, "not_found", errors.NotFound),
    (422, "validation_error", Refused), (503, "internal_error", errors.ServiceUnavailable),
    (503, "unavailable", errors.ServiceUnavailable), (409, "conflict", errors.ServiceUnavailable),
    (429, "rate_limited", errors.ServiceUnavailable),
])
def test_problem_codes_map_to_types(status: int, code: str, expected: type) -> None:
    assert type(error_for(_reply(status, _problem(status, code)), case_id="c1")) is expected


@pytest.mark.parametrize(("status", "expected"), [(400, errors.MalformedReply),
                                                  (409, errors.MalformedReply),
                                                  (502, errors.ServiceUnavailable)])
def test_html_error_pages_are_typed(status: int, expected: type) -> None:
    error = error_for(_reply(status, b"<html><h1>oops</h1></html>", "text/html"))
    assert type(error) is expected


def test_lease_lost_names_the_case() -> None:
    error = error_for(_reply(409, _problem(409, "lease_lost", detail="re-leased")), case_id="c7")
    assert isinstance(error, errors.LeaseLost)
    assert error.case_id == "c7"
    assert "c7" in str(error)


def test_retry_after_in_seconds_date_or_body() -> None:
    assert retry_after_s(_reply(423, b"", **{"Retry-After": "90"})) == 90
    later = format_datetime(NOW + timedelta(minutes=5), usegmt=True)
    assert retry_after_s(_reply(423, b"", **{"Retry-After": later}), NOW) == 300
    assert retry_after_s(_reply(423, b"", **{"Retry-After": "soon"})) is None
    from_body = error_for(_reply(423, _problem(423, "on_break", retry_after_s=42)))
    assert isinstance(from_body, errors.OnBreak)
    assert from_body.retry_after_s == 42
