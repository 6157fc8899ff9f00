"""OpenAPI shaping: the document says what the service really does, so that a client
generated from it (openapi-python-client, tests/integration/test_generated_client.py) works
on its first try.

- Every error response is documented as problem+json: FastAPI documents 422 as its own
  HTTPValidationError; our handlers answer with `contract.Problem` instead.
- Idempotency-Key is marked required where the handler refuses a write without it, and its
  rule is written down: it must equal the body's `client_id`.
- Operations get short ids (the handler's name: `post_decision`) and a tag per area.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from reviewer_app.contract import API_PREFIX, IDEMPOTENCY_HEADER, PROBLEM_CONTENT_TYPE, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
COMMON_ERRORS = (400, 401, 404, 409, 413, 422, 503)
"""Any operation may answer these: bad input, no token, unknown id, a lost race, too big,
invalid body, database unavailable."""


IDEMPOTENCY_RULE = (
    "Required. The item's own `client_id` (a UUID the client made once, when the item was "
    "created), so that a retry of the same write carries the same key: a retry with the same "
    "key and body is answered as the first request was; a different body under a used key is "
    "refused with 422 (`idempotency_key_reused`); a key that differs from the body's "
    "`client_id` is refused with 400."
)
TAGS = {
    "auth": "auth", "me": "safeguards", "leases": "queue", "cases": "cases", "media": "cases",
    "sync": "sync", "teams": "teams", "audit": "audit", "metrics": "metrics",
    "reply-templates": "replies", "statements-of-reasons": "transparency",
    "trends": "metrics",
}
"""The tag of an operation, by the first segment of its path after /v1."""


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the extra problem statuses it can answer with."""
    return {status: {"model": Problem, "description": "problem details"} for status in statuses}


def model_reply(model: BaseModel, status_code: int = 200) -> Response:
    """A reply built from its contract model and serialised once. Returning the model would
    have FastAPI validate it again against `response_model`, which the route still declares
    for the OpenAPI document."""
    return Response(model.model_dump_json(), status_code=status_code,
                    media_type="application/json")


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for path, path_item in schema.get("paths", {}).items():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                _tag(operation, path)
                _idempotency_required(operation)
                responses = operation["responses"]
                for status in COMMON_ERRORS:
                    responses.setdefault(str(status), {"description": "problem details"})
                for status, response in responses.items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": _PROBLEM_REF}}
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]


def short_id(route: APIRoute) -> str:
    """The operation id of a route: its handler's name (`post_decision`), which a generated
    client turns into its function name."""
    return route.name


def _tag(operation: dict[str, Any], path: str) -> None:
    area = path.removeprefix(API_PREFIX).strip("/").split("/")[0]
    operation["tags"] = [TAGS.get(area, area)]


KEYED_BY_CLIENT_ID = {"x-idempotency-key": "client_id"}
"""`openapi_extra` of a write whose handler refuses it (400) without an Idempotency-Key equal
to the body's `client_id`: the document then marks the header required and states the rule.
Elsewhere the header stays as the handler declares it (optional, where it is)."""


def _idempotency_required(operation: dict[str, Any]) -> None:
    if operation.pop("x-idempotency-key", None) != "client_id":
        return
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") == IDEMPOTENCY_HEADER:
            parameter["required"] = True
            parameter["description"] = IDEMPOTENCY_RULE
            parameter["schema"] = {"type": "string", "format": "uuid", "maxLength": 200}
