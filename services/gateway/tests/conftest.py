"""Real HTTP on free ports: fake upstream services (small aiohttp apps), a fake auth service
that serves a JWKS of Ed25519 keys made here, and the gateway in front of them."""

from __future__ import annotations

import asyncio
import io
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import jwt
import pytest
import uvloop
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from gateway_service.app import Gateway, create_app
from gateway_service.settings import GatewaySettings

ISSUER = "marketplace-auth"

# The loops a test module's async tests run on: ``EVENT_LOOPS = ("asyncio", "uvloop")`` in
# a module runs each of its tests on both (the gateway serves on uvloop: server.py), which
# matters where the loop's transports behave differently (closing a connection, say).
_LOOP_FACTORIES = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    names = getattr(getattr(item, "module", None), "EVENT_LOOPS", ("asyncio",))
    return {name: _LOOP_FACTORIES[name] for name in names}

AUDIENCE = "marketplace"


@dataclass
class SigningKeys:
    """The fake auth service's keys: ``jwks()`` is what it serves, ``token()`` signs with the
    newest key. ``rotate()`` adds a key with a new kid, as a key rotation would."""

    keys: list[tuple[str, Ed25519PrivateKey]] = field(default_factory=list)

    def rotate(self) -> str:
        kid = f"key-{len(self.keys) + 1}"
        self.keys.append((kid, Ed25519PrivateKey.generate()))
        return kid

    def jwks(self) -> dict[str, Any]:
        entries = []
        for kid, private in self.keys:
            jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
            entries.append({**jwk, "kid": kid, "use": "sig", "alg": "EdDSA"})
        return {"keys": entries}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "sub": str(uuid.uuid4()),
            "role": "user",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return claims

    def token(self, *, kid: str | None = None, **overrides: Any) -> str:
        kid = kid or self.keys[-1][0]
        private = dict(self.keys)[kid]
        return jwt.encode(
            self.claims(**overrides), private, algorithm="EdDSA", headers={"kid": kid}
        )


@pytest.fixture
def keys() -> SigningKeys:
    signing = SigningKeys()
    signing.rotate()
    return signing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_url() -> str:
    """A base URL where nothing listens: connecting is refused."""
    return f"http://127.0.0.1:{free_port()}"


def echo_app(
    name: str,
    *,
    spec: dict[str, Any] | None = None,
    routes: tuple[web.RouteDef, ...] = (),
    max_body: int = 64 * 1024 * 1024,
    ready: Callable[[], bool] = lambda: True,
) -> web.Application:
    """An upstream that answers every /api request with what it received; ``routes`` are
    matched before that catch-all."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {
                "replica": name,
                "method": request.method,
                "raw_path": request.raw_path,
                "headers": dict(request.headers.items()),
                "header_counts": {k: len(request.headers.getall(k)) for k in request.headers},
                "body": body.decode("latin-1"),
            },
            headers={"X-Upstream": name, "Set-Cookie": f"replica={name}"},
        )

    async def readiness(_: web.Request) -> web.Response:
        is_ready = ready()
        return web.json_response(
            {"status": "ok" if is_ready else "down"}, status=200 if is_ready else 503
        )

    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(spec or {"openapi": "3.1.0", "paths": {}})

    app = web.Application(client_max_size=max_body)
    app.router.add_get("/health/ready", readiness)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_routes(routes)
    app.router.add_route("*", "/api/{tail:.*}", echo)
    return app


def auth_app(keys: SigningKeys) -> web.Application:
    async def jwks(_: web.Request) -> web.Response:
        return web.json_response(keys.jwks())

    return echo_app("auth", routes=(web.get("/api/auth/jwks.json", jwks),))


StartServer = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Start an aiohttp app on a free port; answer its base URL. All stop at teardown."""
    servers: list[TestServer] = []

    async def start(app: web.Application) -> str:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("")).rstrip("/")

    yield start
    for server in reversed(servers):
        await server.close()


class GatewayTestServer(BaseTestServer):
    """The gateway's own HTTP server (``Gateway.server``: its timeouts and caps) on a free
    port."""

    def __init__(self, gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gateway = gateway

    async def _make_runner(self, **kwargs: Any) -> web.ServerRunner:
        return web.ServerRunner(self._gateway.server(**kwargs), **kwargs)


class GatewayClient(TestClient):
    """A test client of a running gateway; ``core`` is the gateway itself (its balancer,
    prober, token check)."""

    def __init__(self, gateway: Gateway) -> None:
        super().__init__(GatewayTestServer(gateway, host="127.0.0.1"))
        self.core = gateway


StartGateway = Callable[..., Awaitable[GatewayClient]]


@pytest.fixture
async def start_gateway() -> AsyncIterator[StartGateway]:
    """Start the gateway with ``upstreams`` and any other settings; answer a test client."""
    clients: list[GatewayClient] = []

    async def start(
        upstreams: dict[str, list[str]],
        access_log_stream: TextIO | None = None,
        **overrides: Any,
    ) -> GatewayClient:
        values: dict[str, Any] = {
            "upstreams": upstreams,
            "rate_limit_enabled": False,
            "health_interval": 3600.0,  # one probe at start; tests probe on demand
            "jwks_min_refresh_seconds": 0.0,
            "environment": "test",
        }
        values.update(overrides)
        settings = GatewaySettings(**values)
        gateway = create_app(settings, access_log_stream=access_log_stream or io.StringIO())
        await gateway.start()
        client = GatewayClient(gateway)
        clients.append(client)
        await client.start_server()
        return client

    yield start
    for client in reversed(clients):
        await client.close()
        await client.core.close()


@pytest.fixture
async def auth_url(keys: SigningKeys, start_server: StartServer) -> str:
    """A fake auth service serving ``keys``' JWKS (and echoing its other routes)."""
    return await start_server(auth_app(keys))


@pytest.fixture
def make_upstream() -> Callable[..., web.Application]:
    """``echo_app``: tests add their own routes to a healthy echo upstream."""
    return echo_app


StartEcho = Callable[[str], Awaitable[str]]


@pytest.fixture
def start_echo(start_server: StartServer) -> StartEcho:
    """Start an echo upstream named ``name``; answer its base URL."""

    async def start(name: str) -> str:
        return await start_server(echo_app(name))

    return start
