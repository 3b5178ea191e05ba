"""The composition root: ``create_app(settings)`` builds the reviews service from its parts.

Tests call it with their own settings (a temporary database, a fake catalog's URL) and, when
they want a say in the event bus or the token verifier, their own ``ServiceRuntime``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from marketplace_platform.http import create_service_app
from marketplace_platform.runtime import ServiceRuntime
from reviews_service.api import comments as comments_api
from reviews_service.api import reviews as reviews_api
from reviews_service.components import build_components
from reviews_service.consumers import events
from reviews_service.settings import ReviewsSettings, get_settings

ROUTERS = (reviews_api.router, comments_api.router)


def create_app(
    settings: ReviewsSettings | None = None, *, runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or ServiceRuntime(settings)
    components = build_components(settings, runtime)
    events.register(runtime.bus, components.unit_of_work, batch=settings.consumer_concurrency)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            try:
                yield
            finally:
                await components.close()

    app = create_service_app(
        settings,
        title="Marketplace reviews",
        description="Reviews with 1-5 ratings, comments, likes, and products' rating figures.",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness={"database": runtime.database_ready},
        degraded_readiness={"broker": runtime.broker_ready},
    )
    app.state.components = components
    return app
