"""The gateway's settings: where each service runs, how long to wait for it, how hard to
throttle clients.

Everything comes from ``GATEWAY_*`` environment variables. ``GATEWAY_UPSTREAMS`` is JSON,
service name to replica base URLs, e.g.
``{"auth": ["http://127.0.0.1:8101"], "catalog": ["http://127.0.0.1:8102", "http://127.0.0.1:8112"]}``.
A service left out of it is simply not routed (its prefix answers 404).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from yarl import URL

from marketplace_platform.settings import ServiceSettings

SERVICES = ("auth", "catalog", "orders", "payments", "reviews", "notifications", "analytics")

# The embedded runtime's ports (ARCHITECTURE.md); the launcher passes its own map.
LOCAL_UPSTREAMS = {
    name: [f"http://127.0.0.1:{8101 + index}"] for index, name in enumerate(SERVICES)
}


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    port: int = Field(default=8000, ge=0, le=65535)

    upstreams: dict[str, list[str]] = Field(default_factory=lambda: dict(LOCAL_UPSTREAMS))

    # Upstream timeouts. ``read_timeout`` is the longest wait for the upstream's next bytes,
    # the response headers included (nginx's proxy_read_timeout): a slow answer becomes a 504
    # without cutting off a long download that keeps flowing.
    connect_timeout: float = Field(default=2.0, gt=0)
    read_timeout: float = Field(default=10.0, gt=0)
    # Idle keep-alive connections kept per replica, and for how long (nginx's upstream
    # ``keepalive`` and ``keepalive_timeout``); connections in use are not capped.
    pool_size_per_host: int = Field(default=100, ge=1)
    keepalive_timeout: float = Field(default=30.0, gt=0)

    # Health of replicas: active probes of /health/ready, passive ejection on connect errors.
    health_interval: float = Field(default=3.0, gt=0)
    health_timeout: float = Field(default=1.0, gt=0)
    eject_seconds: float = Field(default=5.0, ge=0)

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=0)

    # The proxies in front of the gateway (load balancers), as CIDRs, comma-separated:
    # from them, the client is the right-most X-Forwarded-For address not among them
    # (client_address.py). Empty: the TCP peer is the client, its header is ignored.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()

    # Slow clients (nginx's client_header_timeout, client_body_timeout, keepalive_timeout):
    # a request's head must arrive whole within ``client_header_timeout`` of its first byte
    # (of the connection's start, for the first request), the body's next bytes within
    # ``client_body_timeout`` (else 408), and an idle keep-alive connection is closed after
    # ``client_keepalive_timeout``.
    client_header_timeout: float = Field(default=10.0, gt=0)
    client_body_timeout: float = Field(default=30.0, gt=0)
    client_keepalive_timeout: float = Field(default=75.0, gt=0)
    # Open client connections, in all and per address (an IPv6 client per /64; trusted
    # proxies are not capped per address). Each may hold an upstream connection too, so
    # ``max_connections`` should stay under half of ``ulimit -n``.
    max_connections: int = Field(default=10_000, ge=1)
    max_connections_per_address: int = Field(default=256, ge=1)

    # Empty: fetch /api/auth/jwks.json from a healthy auth replica through the balancer.
    jwks_url: str = ""
    jwks_min_refresh_seconds: float = Field(default=10.0, ge=0)
    # Token buckets per client IP. Every request draws from the general bucket; login and
    # register also draw from their own, much smaller one (password guessing, sign-up spam).
    rate_limit_enabled: bool = True
    rate_limit_per_minute: float = Field(default=1200, gt=0)
    rate_limit_burst: int = Field(default=200, ge=1)
    login_rate_limit_per_minute: float = Field(default=10, gt=0)
    login_rate_limit_burst: int = Field(default=5, ge=1)

    openapi_cache_seconds: float = Field(default=30.0, ge=0)
    # Where notifications accepts the WebSocket that the gateway's /ws is proxied to.
    notifications_ws_path: str = "/api/notifications/ws"

    # The web UI's folder; empty: the repository's ``web/`` (web_ui.py). ``web_reload``
    # re-reads it when a file changed (for working on the UI; off in production).
    web_root: str = ""
    web_reload: bool = False

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return tuple(part.strip() for part in value.split(",")) if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cidrs = []
        for cidr in value:
            if not cidr:
                continue
            try:
                cidrs.append(str(ipaddress.ip_network(cidr, strict=False)))
            except ValueError as exc:
                raise ValueError(f"{cidr!r} is not an IP network (CIDR)") from exc
        return tuple(cidrs)

    @field_validator("upstreams")
    @classmethod
    def _known_services_with_http_urls(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        cleaned: dict[str, list[str]] = {}
        for service, urls in value.items():
            if service not in SERVICES:
                raise ValueError(f"unknown service {service!r}; known: {', '.join(SERVICES)}")
            bases = []
            for raw in urls:
                url = URL(raw.rstrip("/"))
                if url.scheme not in ("http", "https") or not url.host or url.raw_path != "/":
                    raise ValueError(f"{service}: {raw!r} is not an http(s) URL without a path")
                bases.append(str(url.with_path("")).rstrip("/"))
            if bases:
                cleaned[service] = bases
        return cleaned


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
