"""A service's ``/openapi.json`` as it really answers, not as FastAPI guesses.

FastAPI documents a 422 as its own ``HTTPValidationError`` and knows nothing of the problem
documents the app factory sends, of who needs a token, or of headers a dependency reads
itself. So the document is rewritten once, from what each route depends on:

- every error answer (the 422, and any a route declares in ``responses=``) is the shared
  ``Problem`` schema as ``application/problem+json``;
- a route that needs (or takes) a token answers 401 (and 403 if it needs the admin role); one with a
  path parameter answers 404; one with a JSON body answers 415;
- a route using ``IdempotencyKeyHeader`` shows the ``Idempotency-Key`` header;
- a route guarded by the internal token is marked ``x-internal``, which the gateway leaves
  out of the public, merged document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.params import Form
from fastapi.routing import APIRoute, iter_route_contexts

from marketplace_platform.idempotency import HEADER as IDEMPOTENCY_HEADER
from marketplace_platform.idempotency import MAX_KEY_LENGTH, idempotency_key
from marketplace_platform.problems import PROBLEM_JSON, PROBLEM_SCHEMA, STATUS_TITLES
from marketplace_platform.security.dependencies import (
    INTERNAL_TOKEN_HEADER,
    admin_principal,
    current_principal,
    internal_caller,
    optional_principal,
)

PROBLEM_REF = "#/components/schemas/Problem"
# FastAPI's own validation schemas: unused once every 422 is a problem.
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")

_DESCRIPTIONS = {
    401: "No valid access token: missing, expired (refresh it with POST /api/auth/refresh) "
    "or refused.",
    403: "The token is valid but its role may not do this.",
    404: "Nothing with that id (or not yours to see).",
    415: "The body was not sent as 'Content-Type: application/json'.",
    422: "Invalid input: every wrong field is listed in 'errors'.",
}


def problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _error_responses(route: Any, calls: set[Any]) -> list[int]:
    statuses = []
    # A public route that takes an optional token still refuses a bad one.
    if {current_principal, admin_principal, internal_caller, optional_principal} & calls:
        statuses.append(401)
    if admin_principal in calls:
        statuses.append(403)
    if route.dependant.path_params:
        statuses.append(404)
    if route.body_field is not None and not isinstance(route.body_field.field_info, Form):
        statuses.append(415)
    return statuses


def _document_operation(operation: dict[str, Any], route: Any) -> None:
    calls = set(_calls(route.dependant))
    responses = operation.setdefault("responses", {})
    for status in _error_responses(route, calls):
        responses.setdefault(str(status), {"description": ""})
    if internal_caller in calls:
        responses["401"]["description"] = f"No valid {INTERNAL_TOKEN_HEADER}."
    for code, response in responses.items():
        if code[:1] in ("4", "5"):
            # A route's own description wins; FastAPI's generic ones do not.
            if code == "422" or not response.get("description"):
                response["description"] = _DESCRIPTIONS.get(
                    int(code), STATUS_TITLES.get(int(code), "Error")
                )
            response["content"] = problem_content()
    operation["responses"] = dict(sorted(responses.items()))
    parameters = operation.setdefault("parameters", [])
    if idempotency_key in calls:
        parameters.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": "Makes a retry safe: the same key and body within the retention "
                "time replay the first answer instead of acting twice; the same key with another "
                "body is a 422.",
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
            }
        )
    if internal_caller in calls:
        operation["x-internal"] = True
        parameters.append(
            {
                "name": INTERNAL_TOKEN_HEADER,
                "in": "header",
                "required": True,
                "description": "The shared secret of the services; never routed by the gateway.",
                "schema": {"type": "string"},
            }
        )
    if not parameters:
        del operation["parameters"]


def document(spec: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Rewrite FastAPI's ``spec`` of ``routes`` in place (see the module docstring)."""
    paths = spec.get("paths", {})
    # Routes of included routers are reached through their contexts (as FastAPI's own
    # document does); a context answers for its route, prefix included.
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        item = paths.get(route.path_format, {})
        for method in route.methods:
            operation = item.get(method.lower())
            if operation is not None:
                _document_operation(operation, route)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_SCHEMAS:
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    return spec


def install_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
