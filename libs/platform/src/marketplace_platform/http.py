"""The service app factory: one ``create_service_app`` builds every service's FastAPI app.

What every service gets from it, so that none of them writes it again:
- ``X-Request-ID`` taken from the caller (the gateway) or made, echoed on the answer, put in
  every log line; the W3C ``traceparent`` likewise;
- one JSON access-log line per request, and Prometheus metrics per route template;
- RFC 9457 problem answers for validation errors (every wrong field at once), a body that is
  not JSON (415), unknown routes and methods (the gateway's 404/405 shape), ``DomainError``s,
  and a problem (never a stack trace) for anything unexpected;
- ``/health/live``, ``/health/ready`` and ``/metrics``;
- ``/api/<service>/dead-letters``: its consumers' dead letters and their replay, for admins
  (marketplace_platform.dead_letter_routes);
- OpenAPI operation ids of the form ``<tag>-<function name>``, and a document that shows
  what is really answered (marketplace_platform.openapi).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace_platform.dead_letter_routes import dead_letters_router
from marketplace_platform.logs import request_id_var
from marketplace_platform.openapi import install_openapi
from marketplace_platform.problems import (
    PROBLEM_JSON,
    STATUS_SLUGS,
    STATUS_TITLES,
    DomainError,
    UnsupportedMediaType,
    problem,
)
from marketplace_platform.settings import ServiceSettings
from marketplace_platform.tracing import new_traceparent, traceparent_var, valid_traceparent

access_log = logging.getLogger("marketplace.access")
error_log = logging.getLogger("marketplace.errors")

ReadinessCheck = Callable[[], Awaitable[None]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return ProblemResponse(body, status_code=body["status"], headers=headers)


def operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


class Metrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests served",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to serve a request",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.service = service


class RequestContextMiddleware:
    """Request id, trace context, access log and metrics, as plain ASGI (no per-request
    BaseHTTPMiddleware task, which would cost more than the rest of this put together)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, access_log_enabled: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_id = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = raw_id if _REQUEST_ID.match(raw_id) else os.urandom(16).hex()
        traceparent = valid_traceparent(headers.get(b"traceparent", b"").decode("latin-1"))
        id_token = request_id_var.set(request_id)
        trace_token = traceparent_var.set(traceparent or new_traceparent())
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            if not template.startswith("/metrics"):
                self.metrics.requests.labels(self.metrics.service, method, template, status).inc()
                self.metrics.latency.labels(self.metrics.service, method, template).observe(elapsed)
            if self.access_log_enabled and not template.startswith("/health"):
                access_log.info(
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={"status": status, "duration_ms": round(elapsed * 1000, 2)},
                )
            request_id_var.reset(id_token)
            traceparent_var.reset(trace_token)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Never echo the offending input back: it may be a password or a card number.
    return [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]


def _field_name(loc: Sequence[Any]) -> str:
    # ("body", "items", 0, "quantity") -> "items[0].quantity"; where it is, unless the body.
    where, *rest = [*loc] or ["request"]
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    path = path.lstrip(".")
    if where == "body":
        return path or "body"
    return f"{where} {path}" if path else str(where)


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    names = list(dict.fromkeys(_field_name(err["loc"]) for err in errors))
    listed = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
    return f"{len(errors)} problem(s) with the request, each in 'errors': {listed}."


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _json_body_sent_as_something_else(request: Request) -> str | None:
    """The content type of a body that a JSON route was sent under another (or no) type,
    as ``curl -d`` does (application/x-www-form-urlencoded); None otherwise."""
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    if body_field is None or isinstance(body_field.field_info, Form):
        return None
    headers = request.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return None
    content_type = headers.get("content-type", "")
    return None if _is_json(content_type) else content_type or "none"


def _is_refused_value(exc: DBAPIError) -> bool:
    """SQLSTATE class 22 ("data exception"), raised by the server or by asyncpg's encoder."""
    if isinstance(exc, DataError):
        return True
    cause: BaseException | None = exc.orig
    while cause is not None:
        if isinstance(cause, asyncpg.exceptions.DataError):
            return True
        if str(getattr(cause, "sqlstate", "") or "").startswith("22"):
            return True
        cause = cause.__cause__
    return False


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return problem_response(exc.to_problem(instance=request.url.path), exc.headers() or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        sent_as = _json_body_sent_as_something_else(request)
        if sent_as is not None:
            # Otherwise the answer would be "Input should be a valid dictionary", which
            # does not say that the JSON was fine and only its label was wrong.
            refused = UnsupportedMediaType(
                f"The body must be JSON sent with 'Content-Type: application/json', not "
                f"{sent_as!r} (with curl: --json '{{...}}', or -H 'Content-Type: "
                "application/json' -d '{...}').",
                accepts="application/json",
            )
            return await domain_error(request, refused)
        errors = _validation_errors(exc)
        [only, *others] = exc.errors() or [{}]
        title = (only.get("ctx") or {}).get("problem_title")
        if title and not others:
            # One field broke one domain rule (``problems.field_error``): its own type and
            # reason, as when the use case itself refuses it.
            type_slug, title, detail = only["type"], title, only["msg"]
        else:
            type_slug, title, detail = "validation-error", "Invalid input", None
        return problem_response(
            problem(
                422,
                title,
                detail or _validation_detail(errors),
                type_slug=type_slug,
                instance=request.url.path,
                errors=errors,
            )
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        title = STATUS_TITLES.get(status, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = getattr(exc, "headers", None)
        if status == 404 and detail == "Not Found":  # the router's, not a route's own
            detail = f"No route of this service matches {request.method} {request.url.path}."
        elif status == 405 and detail == "Method Not Allowed":
            allowed = (headers or {}).get("Allow", "")
            detail = f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}."
        return problem_response(
            problem(
                status, title, detail, type_slug=STATUS_SLUGS.get(status), instance=request.url.path
            ),
            headers=headers,
        )

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> Response:
        # The database refused a value that passed validation: a NUL character in text on
        # PostgreSQL, a number out of a column's range. That is the caller's input, not our bug.
        if not _is_refused_value(exc):
            return await unexpected_error(request, exc)
        return problem_response(
            problem(
                422,
                "Invalid input",
                "The input holds a value that cannot be stored.",
                type_slug="validation-error",
                instance=request.url.path,
            )
        )

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        error_log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            problem(
                500,
                "Internal server error",
                "An unexpected error occurred.",
                instance=request.url.path,
            )
        )


def health_router(
    checks: dict[str, ReadinessCheck], degraded: dict[str, ReadinessCheck]
) -> APIRouter:
    """``checks`` must pass for the service to be ready; ``degraded`` ones are reported but
    do not fail readiness (the broker: while it is down the outbox keeps every event, so the
    service can still take writes and should stay in rotation)."""
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "ok"}

    @router.get("/health/ready")
    async def ready() -> Response:
        """Dependencies answer: database (required) and broker (reported)."""
        results: dict[str, str] = {}
        failed = False
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"down: {type(exc).__name__}"
                failed = True
        degraded_any = False
        for name, check in degraded.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"down: {type(exc).__name__}"
                degraded_any = True
        status = "down" if failed else ("degraded" if degraded_any else "ok")
        return JSONResponse(
            {"status": status, "checks": results}, status_code=503 if failed else 200
        )

    return router


NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    routers: Sequence[APIRouter],
    lifespan: Lifespan | None = None,
    readiness: dict[str, ReadinessCheck] | None = None,
    degraded_readiness: dict[str, ReadinessCheck] | None = None,
    version: str = "0.1.0",
    description: str = "",
) -> FastAPI:
    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        if lifespan is None:
            yield
        else:
            async with lifespan(app):
                yield

    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=_lifespan,
        generate_unique_id_function=operation_id,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        # FastAPI's own OpenTelemetry hooks, which nothing here uses (traces are our
        # ``traceparent``, metrics ``Metrics``): on, they ask OpenTelemetry for its providers
        # on every request, which read the environment each time (~6 % of a like's CPU).
        telemetry=NO_TELEMETRY,
    )
    app.state.settings = settings
    metrics = Metrics(settings.service_name)
    app.state.metrics = metrics
    install_problem_handlers(app)
    install_openapi(app)
    # The dead letters' routes first: ``/api/<service>/dead-letters`` would otherwise be
    # taken for an id by a service's ``/api/<service>/{id}``.
    own = [dead_letters_router(settings.service_name)]
    for router in [*own, *routers, health_router(readiness or {}, degraded_readiness or {})]:
        for route in router.routes:
            # A route's one-line docstring is its OpenAPI summary.
            if isinstance(route, APIRoute) and not route.summary and route.endpoint.__doc__:
                route.summary = route.endpoint.__doc__.strip().splitlines()[0]
        app.include_router(router)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        # Figures read at the scrape (the runtime's ``EventMetrics``: outbox, lag, dead letters).
        event_metrics = getattr(request.app.state, "event_metrics", None)
        if event_metrics is not None:
            await event_metrics.observe()
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, access_log_enabled=settings.access_log
    )
    return app
