"""The composition root: ``create_app(settings)`` builds the notifications service from its
parts.

Tests call it with their own settings (a temporary database, a Maildir of their own) and,
when they want a say in the event bus, the token verifier or the mail server, their own
``ServiceRuntime`` and ``mailer``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from marketplace_platform.http import create_service_app
from marketplace_platform.runtime import ServiceRuntime
from notifications_service.api import notifications as notifications_api
from notifications_service.api.realtime import RealtimeChannel
from notifications_service.components import build_components
from notifications_service.consumers import events, live
from notifications_service.service.ports import Mailer
from notifications_service.settings import NotificationsSettings, get_settings

ROUTERS = (notifications_api.router,)

# uvicorn's WebSocket options (``serve``): no per-message compression, whose zlib state would
# cost each idle socket hundreds of kilobytes for JSON messages of a few hundred bytes; small
# messages only (clients send nothing that matters); protocol pings find dead peers.
SERVER_OPTIONS: dict[str, Any] = {
    "ws_per_message_deflate": False,
    "ws_max_size": 64 * 1024,
    "ws_ping_interval": 20.0,
    "ws_ping_timeout": 20.0,
}


def create_app(
    settings: NotificationsSettings | None = None,
    *,
    runtime: ServiceRuntime | None = None,
    mailer: Mailer | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or ServiceRuntime(settings)
    components = build_components(settings, runtime, mailer=mailer)
    events.register(
        runtime.bus, components.unit_of_work, components.outlets,
        batch=settings.consumer_concurrency,
    )
    live.register(runtime.bus, components.fanout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            components.start()
            try:
                yield
            finally:
                await components.close()

    app = create_service_app(
        settings,
        title="Marketplace notifications",
        description="Each user's notifications and preferences, and live pushes over /ws.",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness={"database": runtime.database_ready},
        degraded_readiness={"broker": runtime.broker_ready},
    )
    # Outermost: the real-time channel's handshakes skip the HTTP stack.
    app.add_middleware(RealtimeChannel, components=components, verifier=runtime.verifier)
    app.state.components = components
    return app
