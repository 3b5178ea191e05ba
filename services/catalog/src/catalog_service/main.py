"""The composition root: ``create_app(settings)`` builds the catalog service from its parts.

Tests call it with their own settings (a temporary database, a short view-flush interval)
and, when they want a say in the event bus or the token verifier, their own
``ServiceRuntime``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from catalog_service.api import categories, images, products, stock
from catalog_service.components import build_components
from catalog_service.consumers import figures
from catalog_service.settings import CatalogSettings, get_settings
from marketplace_platform.http import create_service_app
from marketplace_platform.runtime import ServiceRuntime

ROUTERS = (categories.router, products.router, images.router, stock.router)


def create_app(
    settings: CatalogSettings | None = None, *, runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or ServiceRuntime(settings)
    components = build_components(settings, runtime)
    views = components.views
    figures.register(runtime.bus, components.unit_of_work, batch=settings.consumer_concurrency)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            await views.start()
            try:
                yield
            finally:
                # Before the runtime stops: the last counts go to the outbox, and the relay
                # may still get them out now (else at the next start).
                await views.stop()

    app = create_service_app(
        settings,
        title="Marketplace catalog",
        description="Categories, products and services, search, stock reservations.",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness={"database": runtime.database_ready},
        degraded_readiness={"broker": runtime.broker_ready},
    )
    app.state.components = components
    return app
