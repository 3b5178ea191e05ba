"""``/openapi.json``: every service's API as one document, plus the gateway's own paths.

Each service publishes its spec at ``/openapi.json``. Only its paths under
``/api/<service>`` are kept (its ``/health`` and ``/metrics`` are not reachable through the
gateway), and of those none marked ``x-internal`` (guarded by the services' internal token:
the gateway never routes them, and the public has no business knowing them). Components that
two services define differently under one name are renamed ``<service>_<name>`` in the
later service's document, references included; identical ones (the ``Problem`` schema of
every service's error answers) are shared. Operations that the gateway will refuse without a
token are marked with the ``bearerAuth`` scheme, so Swagger UI's "Authorize" button covers
them, and show the gateway's 401 problem. A service that is down is listed under
``x-unavailable`` and the document is still served.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from gateway_service.public_routes import PublicRouteTable
from gateway_service.settings import SERVICES
from marketplace_platform.openapi import problem_content
from marketplace_platform.problems import PROBLEM_SCHEMA

log = logging.getLogger("gateway.openapi")

Spec = dict[str, Any]
SpecFetcher = Callable[[str], Awaitable[Spec]]

_REF_PREFIX = "#/components/"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from POST /api/auth/login.",
}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": problem_content()}


GATEWAY_PATHS: dict[str, Any] = {
    "/health/live": {
        "get": {
            "tags": ["gateway"], "operationId": "gateway-live",
            "summary": "The gateway process is up.",
            "responses": {"200": {"description": "Alive"}},
        }
    },
    "/health/ready": {
        "get": {
            "tags": ["gateway"], "operationId": "gateway-ready",
            "summary": "Every configured service has a healthy replica.",
            "responses": {
                "200": {"description": "Ready, with each upstream's replicas"},
                "503": {"description": "Some service has no healthy replica"},
            },
        }
    },
    "/metrics": {
        "get": {
            "tags": ["gateway"], "operationId": "gateway-metrics",
            "summary": "Prometheus metrics of the gateway.",
            "responses": {"200": {"description": "Prometheus text format"}},
        }
    },
    "/openapi.json": {
        "get": {
            "tags": ["gateway"], "operationId": "gateway-openapi",
            "summary": "This document.",
            "responses": {"200": {"description": "OpenAPI document"}},
        }
    },
    "/ws": {
        "get": {
            "tags": ["gateway"], "operationId": "gateway-websocket",
            "summary": "Real-time notifications over a WebSocket.",
            "description": "Browsers pass the access token as the `token` query parameter; "
                           "`since` (a notification id) replays what came after it. "
                           "Messages: docs/notifications.md.",
            "parameters": [
                {"name": "token", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "since", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "uuid"}},
            ],
            "security": [{"bearerAuth": []}],
            "responses": {
                "101": {"description": "Switching protocols"},
                "401": _problem_response("Missing or invalid token"),
                "503": _problem_response("Notifications unavailable"),
            },
        }
    },
}

def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _collisions(
    service: str, spec_components: Mapping[str, Any], merged: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """The component references of ``service`` to rename: those whose name is taken by a
    different definition. Repeated until stable, since renaming one component changes
    every component that refers to it."""
    renames: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for section, entries in spec_components.items():
            if not isinstance(entries, dict):
                continue
            taken = merged.get(section, {})
            for name, definition in entries.items():
                ref = f"{_REF_PREFIX}{section}/{name}"
                if ref in renames or name not in taken:
                    continue
                if taken[name] != _rewrite_refs(definition, renames):
                    renames[ref] = f"{_REF_PREFIX}{section}/{service}_{name}"
                    changed = True
    return renames


def merge_specs(
    specs: Mapping[str, Spec],
    *,
    unavailable: list[str],
    public_routes: PublicRouteTable,
    title: str = "Marketplace API",
    version: str = "0.1.0",
) -> Spec:
    """Merge the services' documents (``specs``: service name -> its OpenAPI document)."""
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {
        "schemas": {"Problem": PROBLEM_SCHEMA},
        "securitySchemes": {"bearerAuth": BEARER_SCHEME},
    }
    tags: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()

    for service, spec in specs.items():
        renames = _collisions(service, spec.get("components") or {}, components)
        spec = _rewrite_refs(spec, renames) if renames else copy.deepcopy(spec)
        for section, entries in (spec.get("components") or {}).items():
            if not isinstance(entries, dict):
                continue
            merged = components.setdefault(section, {})
            for name, definition in entries.items():
                renamed = renames.get(f"{_REF_PREFIX}{section}/{name}")
                merged[renamed.rsplit("/", 1)[1] if renamed else name] = definition

        prefix = f"/api/{service}"
        for path, item in (spec.get("paths") or {}).items():
            if not (path == prefix or path.startswith(prefix + "/")) or not isinstance(item, dict):
                continue
            for method in _HTTP_METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                if operation.get("x-internal"):
                    del item[method]
                    continue
                op_id = operation.get("operationId")
                if op_id in operation_ids:
                    operation["operationId"] = f"{service}-{op_id}"
                if op_id:
                    operation_ids.add(operation["operationId"])
                if "security" not in operation and not public_routes.is_public(
                    method.upper(), service, _example_path(path)
                ):
                    operation["security"] = [{"bearerAuth": []}]
                    operation.setdefault("responses", {}).setdefault(
                        "401", _problem_response("Missing, expired or refused access token")
                    )
            if any(method in item for method in _HTTP_METHODS):
                paths[path] = item
        for tag in spec.get("tags") or []:
            if isinstance(tag, dict) and "name" in tag:
                tags.setdefault(tag["name"], tag)

    for path, item in GATEWAY_PATHS.items():
        paths.setdefault(path, copy.deepcopy(item))
    tags.setdefault("gateway", {"name": "gateway", "description": "The gateway's own routes"})

    document: Spec = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "Every service's API behind the gateway. Routes marked with a lock need "
                "`Authorization: Bearer <access token>` (POST /api/auth/login)."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": components,
        "tags": list(tags.values()),
        "x-unavailable": sorted(unavailable),
    }
    return document


def _example_path(template: str) -> str:
    """``/api/reviews/{id}/comments`` -> ``/api/reviews/x/comments``: a concrete path the
    public-route patterns can judge."""
    return "/".join("x" if s.startswith("{") and s.endswith("}") else s
                    for s in template.split("/"))


class OpenAPIAggregator:
    """Fetches and merges the services' documents, at most once per ``ttl`` seconds (a
    document missing a service is kept for at most 5 s, so it fills in soon)."""

    def __init__(
        self,
        services: list[str],
        fetch: SpecFetcher,
        *,
        public_routes: PublicRouteTable,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._services = [s for s in SERVICES if s in services]
        self._fetch = fetch
        self._public_routes = public_routes
        self._ttl = ttl
        self._clock = clock
        self._cached: Spec | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def document(self) -> Spec:
        if self._cached is not None and self._clock() < self._expires:
            return self._cached
        async with self._lock:
            if self._cached is not None and self._clock() < self._expires:
                return self._cached
            results = await asyncio.gather(
                *(self._fetch(service) for service in self._services), return_exceptions=True
            )
            specs: dict[str, Spec] = {}
            unavailable: list[str] = []
            for service, result in zip(self._services, results, strict=True):
                if isinstance(result, dict) and isinstance(result.get("paths"), dict):
                    specs[service] = result
                else:
                    if isinstance(result, BaseException) and not isinstance(result, Exception):
                        raise result
                    log.info("no OpenAPI document from %s: %r", service, result)
                    unavailable.append(service)
            self._cached = merge_specs(
                specs, unavailable=unavailable, public_routes=self._public_routes
            )
            self._expires = self._clock() + (min(self._ttl, 5.0) if unavailable else self._ttl)
            return self._cached
