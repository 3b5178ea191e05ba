"""The one request handler of the gateway's HTTP server: what every request passes through
on its way in and out (request id and trace context, the rate limit, a problem answer for
anything that went wrong, metrics, the access-log line), and the dispatch by path.

The server is aiohttp's low-level ``web.Server`` with this single handler rather than a
``web.Application``: the gateway has one prefix (``/api/<service>/``) and a handful of fixed
paths, which a string test and a dict look-up resolve, while the application's router,
match-info objects and per-route wrappers cost more per request than the gateway's own work
(docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from gateway_service.access_log import AccessLog
from gateway_service.client_address import TrustedProxies
from gateway_service.metrics import GatewayMetrics
from gateway_service.problem_responses import problem_response
from gateway_service.proxy import Proxy
from gateway_service.rate_limit import RateLimiter
from gateway_service.request_context import request_context
from gateway_service.settings import SERVICES
from marketplace_platform.addresses import address_key
from marketplace_platform.logs import request_id_var
from marketplace_platform.tracing import traceparent_var

error_log = logging.getLogger("marketplace.errors")

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

_SERVICES = frozenset(SERVICES)
# Probes and scrapes are frequent and uninteresting: counted in metrics, not logged, not
# throttled (a load balancer's health checks must never be refused).
_QUIET_PREFIXES = ("/health/", "/metrics")
# Paths the web UI's fallback never answers: a mistyped API or probe path stays a 404 problem,
# and the services' ``/internal/`` API is not there for any method (not a page's 405).
_NOT_UI = ("/health/", "/metrics", "/docs/", "/ws/", "/internal/")
_OWN_METHODS = frozenset({"GET", "HEAD"})
_OWN_ALLOW = "GET, HEAD"


class Edge:
    """``handle`` is the server's request handler.

    ``routes`` are the gateway's own GET (and HEAD) paths; ``prefix_routes`` serve every
    path one segment below their prefix (``/docs/static/`` + a file name); ``fallback``
    (the web UI) answers every other path outside ``/api/``, ``/health/`` and ``/metrics``.
    """

    def __init__(
        self,
        *,
        proxy: Proxy,
        routes: Mapping[str, Handler],
        prefix_routes: Mapping[str, Handler],
        limiter: RateLimiter | None,
        metrics: GatewayMetrics,
        access_log: AccessLog | None,
        trusted_proxies: TrustedProxies | None = None,
        fallback: Handler | None = None,
    ) -> None:
        self.proxy = proxy
        # None when there are none: the common case costs one test per request.
        self.trusted_proxies = trusted_proxies or None
        self.routes = dict(routes)
        self.prefix_routes = dict(prefix_routes)
        self.fallback = fallback
        self.limiter = limiter
        self.metrics = metrics
        self.access_log = access_log

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        started = time.perf_counter()
        headers = request.headers
        request_id, traceparent = request_context(
            headers.get("X-Request-ID"), headers.get("traceparent")
        )
        id_context = request_id_var.set(request_id)
        trace_context = traceparent_var.set(traceparent)
        path = request.path
        method = request.method
        # The client whom limits count and logs name; ``forwarded_for``, the chain to pass
        # on when a trusted proxy is in front (else the proxy appends the peer as usual).
        client = request.remote or ""
        forwarded_for = None
        if self.trusted_proxies is not None and self.trusted_proxies.is_trusted(client):
            client, forwarded_for = self.trusted_proxies.client(
                client, headers.getall("X-Forwarded-For", ())
            )
        # ``route``: the metrics label (a service, or one of a few fixed names).
        service = ""
        if path.startswith("/api/"):
            service = path[5:].partition("/")[0]
            route = service if service in _SERVICES else "unmatched"
            quiet = False
        else:
            route = "ws" if path == "/ws" else "gateway"
            quiet = path.startswith(_QUIET_PREFIXES)
        try:
            retry_after = 0
            if self.limiter is not None and not quiet:
                # An IPv6 client is counted per /64: one host commonly holds a whole one.
                retry_after = self.limiter.check(
                    address_key(client) if ":" in client else client, method, path
                )
            if retry_after:
                self.metrics.rate_limited.inc()
                response: web.StreamResponse = problem_response(
                    429, "Too many requests from this address; slow down.", instance=path,
                    headers={"Retry-After": str(retry_after)},
                )
            else:
                try:
                    if service:
                        response = await self.proxy.handle(
                            request, service, request_id, traceparent, forwarded_for
                        )
                    else:
                        response = await self._own(request, path, method)
                except Exception:
                    error_log.exception("unhandled error on %s %s", method, path)
                    response = problem_response(
                        500, "An unexpected error occurred.", instance=path
                    )
            if not response.prepared:
                response.headers["X-Request-ID"] = request_id
                # A client holding its body back, or one that stalled it (408), is not
                # waited for: aiohttp would otherwise linger to drain the rest.
                if (
                    response.status == 408 or "Expect" in headers
                ) and not request.content.at_eof():
                    await _answer_and_close(request, response)
            elapsed = time.perf_counter() - started
            status = response.status
            self.metrics.observe(route, status, elapsed)
            if self.access_log is not None and not quiet:
                self.access_log.record(
                    method, path, status, elapsed, client, request_id, traceparent
                )
            return response
        finally:
            request_id_var.reset(id_context)
            traceparent_var.reset(trace_context)

    async def _own(
        self, request: web.BaseRequest, path: str, method: str
    ) -> web.StreamResponse:
        handler = self.routes.get(path)
        if handler is None:
            prefix, _, name = path.rpartition("/")
            handler = self.prefix_routes.get(prefix + "/") if name else None
        if handler is None and self.fallback is not None and not path.startswith(_NOT_UI):
            handler = self.fallback
        if handler is None:
            return problem_response(404, None, instance=path)
        if method not in _OWN_METHODS:
            return problem_response(
                405, f"Use {_OWN_ALLOW}.", instance=path, headers={"Allow": _OWN_ALLOW}
            )
        return await handler(request)


async def _answer_and_close(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """Answer a request refused before its "100 Continue", or whose body stalled, then
    close the connection: the server would otherwise wait to drain the body."""
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    if request.transport is not None:
        request.transport.close()
