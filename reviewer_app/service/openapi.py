"""OpenAPI shaping: every error response is documented as problem+json.

FastAPI documents 422 as its own HTTPValidationError; our handlers answer with
`contract.Problem` instead, so the document is rewritten to say what is really sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from reviewer_app.contract import PROBLEM_CONTENT_TYPE, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
COMMON_ERRORS = (400, 401, 404, 409, 413, 422, 503)
"""Any operation may answer these: bad input, no token, unknown id, a lost race, too big,
invalid body, database unavailable."""


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
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                for status in COMMON_ERRORS:
                    responses.setdefault(str(status), {"description": "problem details"})
                for status, response in responses.items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": _PROBLEM_REF}}
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
