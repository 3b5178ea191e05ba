"""The composition root: ``create_app(settings)`` builds the analytics service from its
parts.

Tests call it with their own settings (a temporary database) and, when they want a say in
the event bus or the token verifier, their own ``ServiceRuntime``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from analytics_service.api import analytics as analytics_api
from analytics_service.components import build_components
from analytics_service.consumers import events
from analytics_service.settings import AnalyticsSettings, get_settings
from marketplace_platform.http import create_service_app
from marketplace_platform.runtime import ServiceRuntime

ROUTERS = (analytics_api.router,)


def create_app(
    settings: AnalyticsSettings | None = None, *, runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or ServiceRuntime(settings)
    components = build_components(settings, runtime)
    events.register(runtime.bus, components.unit_of_work, batch=settings.ingest_batch)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            try:
                yield
            finally:
                await components.close()

    app = create_service_app(
        settings,
        title="Marketplace analytics",
        description="Users' activity, products' popularity and sales, fed by events.",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness={"database": runtime.database_ready},
        degraded_readiness={"broker": runtime.broker_ready},
    )
    app.state.components = components
    return app
