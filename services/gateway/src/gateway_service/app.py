"""The composition root: ``create_app(settings, verifier=None)`` wires the gateway together.

Tests pass their own settings (upstreams on free ports, small limits) and may pass a
verifier; without one, the JWKS is fetched from the auth service through the balancer, the
same way any request reaches it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from gateway_service.authentication import TokenCheck, VerifiedTokenCache, jwks_fetcher
from gateway_service.balancer import Balancer, HealthProber
from gateway_service.edge import Edge
from gateway_service.health import health_routes
from gateway_service.metrics import GatewayMetrics
from gateway_service.openapi import OpenAPIAggregator
from gateway_service.pages import page_routes
from gateway_service.proxy import Proxy
from gateway_service.public_routes import PublicRouteTable
from gateway_service.rate_limit import Rate, RateLimiter
from gateway_service.settings import GatewaySettings, get_settings
from gateway_service.websocket_proxy import WebSocketProxy
from marketplace_platform.security.jwks import JWKSVerifier

JWKS_PATH = "/api/auth/jwks.json"
OPENAPI_PATH = "/openapi.json"
_SIDE_CALL_TIMEOUT = aiohttp.ClientTimeout(total=3.0)

BALANCER = web.AppKey("balancer", Balancer)
METRICS = web.AppKey("metrics", GatewayMetrics)
PROBER = web.AppKey("prober", HealthProber)
TOKEN_CHECK = web.AppKey("token_check", TokenCheck)


def _upstream_session(settings: GatewaySettings) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=0,
        limit_per_host=settings.pool_size_per_host,
        keepalive_timeout=settings.keepalive_timeout,
        ttl_dns_cache=60,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=None, connect=settings.connect_timeout, sock_read=settings.read_timeout
        ),
        # Bodies pass through as the upstream encoded them (the proxy sends the client's
        # Accept-Encoding, or "identity", never the client library's default).
        auto_decompress=False,
        # A shared jar would hand one user's cookies to the next user's requests.
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
    )


def create_app(
    settings: GatewaySettings | None = None, verifier: JWKSVerifier | None = None
) -> web.Application:
    settings = settings or get_settings()
    metrics = GatewayMetrics()
    balancer = Balancer(settings.upstreams, eject_seconds=settings.eject_seconds)
    public_routes = PublicRouteTable()
    session_box: dict[str, aiohttp.ClientSession] = {}

    async def get_json(url: URL | str) -> Any:
        async with session_box["session"].get(
            url, timeout=_SIDE_CALL_TIMEOUT, allow_redirects=False
        ) as response:
            response.raise_for_status()
            return await response.json(content_type=None)

    async def fetch_jwks() -> Any:
        if settings.jwks_url:
            return await get_json(settings.jwks_url)
        pool = balancer.pool("auth")
        replica = pool.pick() if pool is not None else None
        if replica is None:
            raise ValueError("no auth replica to fetch the JWKS from")
        return await get_json(replica.url.with_path(JWKS_PATH))

    async def fetch_openapi(service: str) -> Any:
        pool = balancer.pool(service)
        replica = pool.pick() if pool is not None else None
        if replica is None:
            raise LookupError(f"no replica of {service}")
        return await get_json(replica.url.with_path(OPENAPI_PATH))

    if verifier is None:
        verifier = JWKSVerifier(
            jwks_fetcher(fetch_jwks),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            algorithms=settings.jwt_algorithms,
            min_refresh_interval=settings.jwks_min_refresh_seconds,
        )
    token_check = TokenCheck(
        verifier,
        VerifiedTokenCache(ttl=settings.token_cache_seconds, max_size=settings.token_cache_size),
    )
    limiter = (
        RateLimiter(
            Rate(settings.rate_limit_per_minute, settings.rate_limit_burst),
            Rate(settings.login_rate_limit_per_minute, settings.login_rate_limit_burst),
        )
        if settings.rate_limit_enabled
        else None
    )
    proxy = Proxy(
        balancer=balancer,
        public_routes=public_routes,
        token_check=token_check,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
    )
    websocket = WebSocketProxy(
        balancer=balancer,
        token_check=token_check,
        metrics=metrics,
        upstream_path=settings.notifications_ws_path,
    )
    aggregator = OpenAPIAggregator(
        list(balancer.pools),
        fetch_openapi,
        public_routes=public_routes,
        ttl=settings.openapi_cache_seconds,
    )

    edge = Edge(limiter=limiter, metrics=metrics, access_log_enabled=settings.access_log)
    app = web.Application()
    app[BALANCER] = balancer
    app[METRICS] = metrics
    app[TOKEN_CHECK] = token_check

    async def upstream_clients(app: web.Application) -> AsyncIterator[None]:
        session = _upstream_session(settings)
        session_box["session"] = proxy.session = websocket.session = session
        prober = HealthProber(
            balancer, session, interval=settings.health_interval, timeout=settings.health_timeout,
            on_probe=lambda replica, healthy: metrics.replica_probed(
                replica.service, replica.base, healthy
            ),
        )
        app[PROBER] = prober
        prober.start()
        try:
            yield
        finally:
            await prober.stop()
            await session.close()

    app.cleanup_ctx.append(upstream_clients)

    router = app.router
    proxied = edge.wrap(proxy.handle)
    router.add_route("*", "/api/{service}", proxied)
    router.add_route("*", "/api/{service}/{tail:.*}", proxied)
    own_routes = {
        "/ws": websocket.handle,
        **health_routes(balancer, metrics),
        **page_routes(aggregator),
    }
    wrong_method = edge.method_not_allowed("GET, HEAD")
    for path, handler in own_routes.items():
        resource = router.add_resource(path)
        wrapped = edge.wrap(handler)
        resource.add_route("GET", wrapped)
        resource.add_route("HEAD", wrapped)
        resource.add_route("*", wrong_method)
    # Last: whatever matched nothing gets a problem document too.
    router.add_route("*", "/{tail:.*}", edge.not_found())
    return app
