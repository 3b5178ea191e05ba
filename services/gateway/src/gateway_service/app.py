"""The composition root: ``create_app(settings, verifier=None)`` wires the gateway together
and answers a ``Gateway``; ``server.py`` serves its ``handle`` with aiohttp's low-level server.

Tests pass their own settings (upstreams on free ports, small limits) and may pass a
verifier; without one, the JWKS is fetched from the auth service through the balancer, the
same way any request reaches it.
"""

from __future__ import annotations

from typing import Any, TextIO

import aiohttp
from yarl import URL

from gateway_service.access_log import AccessLog
from gateway_service.authentication import TokenCheck, jwks_fetcher
from gateway_service.balancer import Balancer, HealthProber
from gateway_service.client_address import TrustedProxies
from gateway_service.connections import EdgeServer
from gateway_service.edge import Edge
from gateway_service.health import health_routes
from gateway_service.metrics import GatewayMetrics
from gateway_service.openapi import OpenAPIAggregator
from gateway_service.pages import page_routes
from gateway_service.proxy import Proxy
from gateway_service.public_routes import PublicRouteTable
from gateway_service.rate_limit import Rate, RateLimiter
from gateway_service.settings import GatewaySettings, get_settings
from gateway_service.web_ui import WebUI, find_web_root
from gateway_service.websocket_proxy import WebSocketProxy
from marketplace_platform.forwarded import gateway_token
from marketplace_platform.security.jwks import JWKSVerifier
from marketplace_platform.security.verified_tokens import VerifiedTokenCache

JWKS_PATH = "/api/auth/jwks.json"
OPENAPI_PATH = "/openapi.json"
_SIDE_CALL_TIMEOUT = aiohttp.ClientTimeout(total=3.0)


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
    settings: GatewaySettings | None = None,
    verifier: JWKSVerifier | None = None,
    *,
    access_log_stream: TextIO | None = None,
) -> Gateway:
    """``access_log_stream``: where access-log lines go (standard output by default)."""
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
            refresh_interval=settings.jwks_refresh_seconds,
            max_lifetime=settings.access_token_max_lifetime_seconds,
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
        settings=settings,
    )
    trusted_proxies = TrustedProxies(settings.trusted_proxies)
    websocket = WebSocketProxy(
        balancer=balancer,
        token_check=token_check,
        metrics=metrics,
        upstream_path=settings.notifications_ws_path,
        trusted_proxies=trusted_proxies,
        credential=gateway_token(settings.internal_token),
    )
    aggregator = OpenAPIAggregator(
        list(balancer.pools),
        fetch_openapi,
        public_routes=public_routes,
        ttl=settings.openapi_cache_seconds,
    )

    access_log = (
        AccessLog(settings.service_name, access_log_stream) if settings.access_log else None
    )
    web_root = find_web_root(settings.web_root)
    web_ui = WebUI(web_root, reload=settings.web_reload) if web_root is not None else None
    pages, page_prefixes = page_routes(aggregator, web_ui)
    edge = Edge(
        proxy=proxy,
        routes={"/ws": websocket.handle, **health_routes(balancer, metrics), **pages},
        prefix_routes=page_prefixes,
        fallback=web_ui.handle if web_ui is not None else None,
        limiter=limiter,
        metrics=metrics,
        access_log=access_log,
        trusted_proxies=trusted_proxies,
    )
    return Gateway(
        settings=settings, edge=edge, balancer=balancer, metrics=metrics,
        trusted_proxies=trusted_proxies,
        token_check=token_check, proxy=proxy, websocket=websocket, session_box=session_box,
        access_log=access_log,
    )


class Gateway:
    """The assembled gateway: ``handle`` serves requests (aiohttp's low-level server calls
    it) between ``start()`` (upstream connections, health probes) and ``close()``."""

    def __init__(
        self,
        *,
        settings: GatewaySettings,
        edge: Edge,
        balancer: Balancer,
        metrics: GatewayMetrics,
        token_check: TokenCheck,
        proxy: Proxy,
        websocket: WebSocketProxy,
        session_box: dict[str, aiohttp.ClientSession],
        access_log: AccessLog | None,
        trusted_proxies: TrustedProxies,
    ) -> None:
        self.settings = settings
        self.trusted_proxies = trusted_proxies
        self.access_log = access_log
        self.handle = edge.handle
        self.balancer = balancer
        self.metrics = metrics
        self.token_check = token_check
        self._proxy = proxy
        self._websocket = websocket
        self._session_box = session_box
        self._prober: HealthProber | None = None

    def server(self, **kwargs: Any) -> EdgeServer:
        """The HTTP server of ``handle``, with the client timeouts and connection caps
        (connections.py); ``kwargs`` go to aiohttp's ``web.Server``."""
        return EdgeServer(
            self.handle, settings=self.settings, trusted_proxies=self.trusted_proxies, **kwargs
        )

    @property
    def prober(self) -> HealthProber:
        assert self._prober is not None, "the gateway is not started"
        return self._prober

    async def start(self) -> None:
        settings = self.settings
        # The proxied requests have their own client (upstream_client.py); this session
        # serves the rest: WebSocket upgrades, health probes, the JWKS and OpenAPI fetches.
        session = _upstream_session(settings)
        self._session_box["session"] = self._websocket.session = session
        self._proxy.start()
        metrics = self.metrics
        self._prober = HealthProber(
            self.balancer, session, interval=settings.health_interval,
            timeout=settings.health_timeout,
            on_probe=lambda replica, healthy: metrics.replica_probed(
                replica.service, replica.base, healthy
            ),
        )
        self._prober.start()
        self.token_check.verifier.start()

    async def close(self) -> None:
        await self.token_check.verifier.close()
        if self._prober is not None:
            await self._prober.stop()
        self._proxy.close()
        session = self._session_box.pop("session", None)
        if session is not None:
            await session.close()
        if self.access_log is not None:
            self.access_log.close()
