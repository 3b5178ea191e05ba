"""A service app on real uvicorn, configured as ``serve`` configures it, inside a test.

For what an in-process client cannot show: whatever the server does with a request before
the app sees it (which peer it is from, which headers it believes).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from marketplace_platform.server import uvicorn_config
from marketplace_platform.settings import ServiceSettings


@asynccontextmanager
async def served(
    app: Any, settings: ServiceSettings, *, lifespan: str = "off"
) -> AsyncIterator[str]:
    """Serve ``app`` on a free loopback port; answer its base URL. ``lifespan`` is off by
    default: the test usually runs the app's lifespan itself (its client fixture does)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn_config(app, settings, host="127.0.0.1", port=port, lifespan=lifespan)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # raises what stopped it
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
