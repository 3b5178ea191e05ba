"""Run the gateway: ``python -m gateway_service``, or ``serve()`` from a launcher.

uvloop, one process, JSON logs; the access log is the gateway's own one line per request
(written in batches by access_log.py, the last ones at shutdown), so aiohttp's is off. The
server is aiohttp's low-level one with the gateway's single handler (edge.py says why),
with timeouts for slow clients and caps on connections (connections.py).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import resource
import signal

import uvloop
from aiohttp import web

from gateway_service.app import create_app
from gateway_service.settings import GatewaySettings, get_settings
from marketplace_platform.logs import configure_logging

log = logging.getLogger("gateway")


def _check_descriptor_limit(settings: GatewaySettings) -> None:
    """Say so at start if ``max_connections`` cannot be reached: each client connection may
    hold an upstream one too, and past ``ulimit -n`` accepting fails instead of refusing."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and 2 * settings.max_connections > soft:
        log.warning(
            "GATEWAY_MAX_CONNECTIONS=%d needs up to %d file descriptors; ulimit -n is %d",
            settings.max_connections, 2 * settings.max_connections, soft,
        )


async def _serve(settings: GatewaySettings) -> None:
    _check_descriptor_limit(settings)
    gateway = create_app(settings)
    await gateway.start()
    runner = web.ServerRunner(gateway.server(access_log=None), handle_signals=False)
    try:
        await runner.setup()
        # Everything allocated so far lives as long as the process: keep it out of the
        # cyclic collector's full passes, which otherwise walk every import on the request
        # path.
        gc.collect()
        gc.freeze()
        site = web.TCPSite(runner, settings.host, settings.port, backlog=1024)
        await site.start()
        log.info("gateway listening on http://%s:%s", settings.host, settings.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
        await gateway.close()


def serve(settings: GatewaySettings | None = None) -> None:
    settings = settings or get_settings()
    configure_logging("gateway", settings.log_level)
    try:
        uvloop.run(_serve(settings))
    finally:
        logging.shutdown()


def main() -> None:
    serve()
