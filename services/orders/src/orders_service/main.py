"""The composition root: ``create_app(settings)`` builds the orders service from its parts.

Tests call it with their own settings (a temporary database, short timeouts, a fake
catalog's URL) and, when they want a say in the event bus or the token verifier, their own
``ServiceRuntime``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from marketplace_platform.http import create_service_app
from marketplace_platform.runtime import ServiceRuntime
from orders_service.api import internal
from orders_service.api import orders as orders_api
from orders_service.components import build_components
from orders_service.consumers import payments as payment_events
from orders_service.settings import OrdersSettings, get_settings

ROUTERS = (orders_api.router, internal.router)


def create_app(
    settings: OrdersSettings | None = None, *, runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or ServiceRuntime(settings)
    components = build_components(settings, runtime)
    payment_events.register(
        runtime.bus,
        unit_of_work=components.unit_of_work,
        catalog=components.catalog,
        limits=settings.limits,
        batch=settings.consumer_concurrency,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            components.sweeper.start()
            try:
                yield
            finally:
                await components.sweeper.stop()
                await components.close()

    app = create_service_app(
        settings,
        title="Marketplace orders",
        description="Orders, their status machine and history; the orders side of the saga.",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness={"database": runtime.database_ready},
        degraded_readiness={"broker": runtime.broker_ready},
    )
    app.state.components = components
    return app
