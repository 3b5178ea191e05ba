"""Run a service's ASGI app on uvicorn with uvloop and httptools, logging our way."""

from __future__ import annotations

from typing import Any

import uvicorn

from marketplace_platform.logs import configure_logging
from marketplace_platform.settings import ServiceSettings


def serve(app: Any, settings: ServiceSettings) -> None:
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        access_log=False,  # RequestContextMiddleware writes the one line per request
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=10,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )
