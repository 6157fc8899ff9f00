"""RFC 9457 problem+json for every error the service returns, its own and the framework's.

The client branches on `code` (domain.ProblemCode), never on prose, so every path that can
refuse a request goes through `ProblemError` or one of the handlers installed here.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, runtime_checkable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from reviewer_app.contract import PROBLEM_CONTENT_TYPE, Problem
from reviewer_app.domain import ProblemCode

log = logging.getLogger(__name__)

_TITLES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
    423: "Locked",
    428: "Precondition Required",
    429: "Too Many Requests",
    503: "Service Unavailable",
    500: "Internal Server Error",
}

_CODES_BY_STATUS: dict[int, ProblemCode] = {
    400: ProblemCode.BAD_REQUEST,
    401: ProblemCode.UNAUTHENTICATED,
    403: ProblemCode.FORBIDDEN,
    404: ProblemCode.NOT_FOUND,
    413: ProblemCode.TOO_LARGE,
    422: ProblemCode.VALIDATION,
    429: ProblemCode.RATE_LIMITED,
}


class ProblemError(Exception):
    """Raised anywhere in a request to answer with one problem+json body."""

    def __init__(
        self,
        status: int,
        code: ProblemCode,
        detail: str = "",
        *,
        retry_after_s: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.retry_after_s = retry_after_s
        self.headers = dict(headers or {})

    def problem(self) -> Problem:
        return make_problem(self.status, self.code, self.detail, retry_after_s=self.retry_after_s)


def make_problem(
    status: int, code: ProblemCode, detail: str = "", *, retry_after_s: int | None = None
) -> Problem:
    return Problem(
        type=f"https://reviewer.invalid/problems/{code.value}",
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        retry_after_s=retry_after_s,
    )


def problem_response(
    problem: Problem, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one way a problem leaves the service: right media type, Retry-After when due."""
    all_headers = dict(headers or {})
    if problem.retry_after_s is not None:
        all_headers["Retry-After"] = str(max(1, problem.retry_after_s))
    if problem.status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=all_headers,
    )


def _validation_detail(errors: Any) -> str:
    parts: list[str] = []
    for err in list(errors)[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg")))
    return "; ".join(parts)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.problem(), exc.headers)


@runtime_checkable
class RouteAuthorization(Protocol):
    """A route's authentication and authorization dependency (auth.Access), re-run here."""

    async def authorize(self, request: Request) -> None: ...


async def _authorization_refused(request: Request) -> JSONResponse | None:
    """The 401 or 403 the matched route's authorization gives this request, if any.

    FastAPI parses a JSON body before it runs any dependency, so a body that is not JSON (or
    not UTF-8) is refused before the route's `Access` has run: asking it here, once for
    every route, keeps "no role, 403, whatever you send" true for those bodies too."""
    pending = [getattr(request.scope.get("route"), "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        if isinstance(dependant.call, RouteAuthorization):
            try:
                await dependant.call.authorize(request)
            except ProblemError as exc:
                return problem_response(exc.problem(), exc.headers)
            except OperationalError as exc:
                return await _on_unavailable(request, exc)
        pending.extend(dependant.dependencies)
    return None


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    refused = await _authorization_refused(request)
    if refused is not None:
        return refused
    problem = make_problem(422, ProblemCode.VALIDATION, _validation_detail(exc.errors()))
    return problem_response(problem.model_copy(update={"errors": _safe_errors(exc.errors())}))


def _safe_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input (it may hold a password)."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
         "type": str(e.get("type", ""))}
        for e in list(errors)[:20]
    ]


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code if exc.status_code >= 400 else 400
    if status == 400 and (refused := await _authorization_refused(request)) is not None:
        return refused  # FastAPI's "error parsing the body", raised before any dependency
    code = _CODES_BY_STATUS.get(status, ProblemCode.BAD_REQUEST)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    return problem_response(make_problem(status, code, detail), dict(exc.headers or {}))


async def _on_data_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot store (e.g. a NUL character on PostgreSQL) is bad input."""
    log.info("refused a value the database cannot store on %s", request.url.path)
    return problem_response(make_problem(422, ProblemCode.VALIDATION,
                                         "a value cannot be stored (control characters?)"))


async def _on_conflict(request: Request, exc: Exception) -> JSONResponse:
    """Two requests raced on a unique row (the loser's transaction was rolled back)."""
    log.info("concurrent write conflict on %s", request.url.path)
    return problem_response(make_problem(409, ProblemCode.CONFLICT,
                                         "a concurrent change conflicted; retry",
                                         retry_after_s=1))


async def _on_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database is unreachable or busy past its timeout: not the client's fault."""
    log.warning("database unavailable on %s: %s", request.url.path, type(exc).__name__)
    return problem_response(make_problem(503, ProblemCode.UNAVAILABLE,
                                         "the database is unavailable; retry",
                                         retry_after_s=2))


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s: %s", request.method, request.url.path,
              type(exc).__name__, exc_info=exc)
    return problem_response(make_problem(500, ProblemCode.INTERNAL, "internal error"))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(DataError, _on_data_error)
    app.add_exception_handler(IntegrityError, _on_conflict)
    app.add_exception_handler(OperationalError, _on_unavailable)
    app.add_exception_handler(Exception, _on_crash)
