"""Run a service's ASGI app on uvicorn with uvloop and httptools, logging our way.

uvicorn's own proxy-header handling is off: it trusts ``X-Forwarded-For`` by peer address,
and every process on the host shares the gateway's address. ``GatewayForwardedMiddleware``
believes the forwarded client only from a request carrying the gateway's credential
(marketplace_platform.forwarded).
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import uvicorn
from uvicorn.main import STARTUP_FAILURE

from marketplace_platform.forwarded import GatewayForwardedMiddleware
from marketplace_platform.logs import configure_logging
from marketplace_platform.settings import ServiceSettings


def uvicorn_config(app: Any, settings: ServiceSettings, **overrides: Any) -> uvicorn.Config:
    """How every service is served; tests pass ``overrides`` (a ``lifespan`` they run
    themselves, say)."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": "httptools",
        "access_log": False,  # RequestContextMiddleware writes the one line per request
        "log_config": None,
        "server_header": False,
        "timeout_graceful_shutdown": 10,
        "proxy_headers": False,
        **overrides,
    }
    wrapped = GatewayForwardedMiddleware(app, internal_token=settings.internal_token)
    return uvicorn.Config(wrapped, **options)


def serve(app: Any, settings: ServiceSettings, **overrides: Any) -> None:
    """``overrides``: uvicorn options a service needs of its own (the WebSocket ones)."""
    configure_logging(settings.service_name, settings.log_level)
    server = uvicorn.Server(uvicorn_config(app, settings, **overrides))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
