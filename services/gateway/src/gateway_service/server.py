"""Run the gateway: ``python -m gateway_service``, or ``serve()`` from a launcher.

uvloop, one process, JSON logs; the access log is the gateway's own one line per request
(written in batches, see access_log.py), so aiohttp's is off.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

import uvloop
from aiohttp import web

from gateway_service.access_log import buffer_access_log
from gateway_service.app import create_app
from gateway_service.settings import GatewaySettings, get_settings
from marketplace_platform.logs import configure_logging

log = logging.getLogger("gateway")


async def _serve(settings: GatewaySettings) -> None:
    runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    # Everything allocated so far lives as long as the process: keep it out of the cyclic
    # collector's full passes, which otherwise walk every import on the request path.
    gc.collect()
    gc.freeze()
    site = web.TCPSite(runner, settings.host, settings.port, backlog=1024)
    await site.start()
    log.info("gateway listening on http://%s:%s", settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def serve(settings: GatewaySettings | None = None) -> None:
    settings = settings or get_settings()
    configure_logging("gateway", settings.log_level)
    root_handlers = logging.getLogger().handlers
    buffer_access_log(
        "marketplace.access", formatter=root_handlers[0].formatter if root_handlers else None
    )
    try:
        uvloop.run(_serve(settings))
    finally:
        logging.shutdown()  # writes what the access log still holds


def main() -> None:
    serve()
