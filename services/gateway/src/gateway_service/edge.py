"""What every request passes through on its way in and out: request id and trace context,
the rate limit, a problem answer for anything that went wrong, metrics, and the access-log
line.

It wraps each route's handler rather than being an aiohttp middleware: a middleware costs
two extra coroutine layers per request (aiohttp adds one of its own next to each), and the
gateway's whole budget per request is a few tens of microseconds (docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway_service.metrics import GatewayMetrics
from gateway_service.problem_responses import problem_response
from gateway_service.rate_limit import RateLimiter
from gateway_service.request_context import request_id_from, traceparent_from
from gateway_service.settings import SERVICES
from marketplace_platform.logs import request_id_var
from marketplace_platform.tracing import traceparent_var

access_log = logging.getLogger("marketplace.access")
error_log = logging.getLogger("marketplace.errors")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SERVICES = frozenset(SERVICES)
# Probes and scrapes are frequent and uninteresting: counted in metrics, not logged, not
# throttled (a load balancer's health checks must never be refused).
_QUIET_PREFIXES = ("/health/", "/metrics")


def route_label(path: str) -> str:
    """The metrics label of a path: its service, or one of a few fixed names."""
    if path.startswith("/api/"):
        service = path[5:].partition("/")[0]
        return service if service in _SERVICES else "unmatched"
    if path == "/ws":
        return "ws"
    return "gateway"


class Edge:
    def __init__(
        self, *, limiter: RateLimiter | None, metrics: GatewayMetrics, access_log_enabled: bool
    ) -> None:
        self.limiter = limiter
        self.metrics = metrics
        self.access_log_enabled = access_log_enabled

    def wrap(self, handler: Handler) -> Handler:
        limiter = self.limiter
        metrics = self.metrics
        log_requests = self.access_log_enabled

        async def edge(request: web.Request) -> web.StreamResponse:
            started = time.perf_counter()
            headers = request.headers
            request_id = request_id_from(headers.get("X-Request-ID"))
            id_context = request_id_var.set(request_id)
            trace_context = traceparent_var.set(traceparent_from(headers.get("traceparent")))
            path = request.path
            quiet = path.startswith(_QUIET_PREFIXES)
            try:
                retry_after = 0
                if limiter is not None and not quiet:
                    retry_after = limiter.check(request.remote or "", request.method, path)
                if retry_after:
                    metrics.rate_limited.inc()
                    response: web.StreamResponse = problem_response(
                        429, "Too many requests from this address; slow down.", instance=path,
                        headers={"Retry-After": str(retry_after)},
                    )
                else:
                    try:
                        response = await handler(request)
                    except Exception:
                        error_log.exception("unhandled error on %s %s", request.method, path)
                        response = problem_response(
                            500, "An unexpected error occurred.", instance=path
                        )
                if not response.prepared:
                    response.headers["X-Request-ID"] = request_id
                elapsed = time.perf_counter() - started
                status = response.status
                metrics.observe(route_label(path), status, elapsed)
                if log_requests and not quiet:
                    access_log.info(
                        "%s %s %s", request.method, path, status,
                        extra={
                            "status": status, "duration_ms": round(elapsed * 1000, 2),
                            "client": request.remote,
                        },
                    )
                return response
            finally:
                request_id_var.reset(id_context)
                traceparent_var.reset(trace_context)

        return edge

    def not_found(self) -> Handler:
        async def not_found(request: web.Request) -> web.Response:
            return problem_response(404, None, instance=request.path)

        return self.wrap(not_found)

    def method_not_allowed(self, allowed: str) -> Handler:
        async def method_not_allowed(request: web.Request) -> web.Response:
            return problem_response(
                405, f"Use {allowed}.", instance=request.path, headers={"Allow": allowed}
            )

        return self.wrap(method_not_allowed)
