"""What a service process holds for its whole life: database, event bus, outbox relay and
token verifier, started and stopped together in the app's lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from marketplace_platform.db import Database
from marketplace_platform.event_metrics import EventMetrics
from marketplace_platform.events.bus import EVENT_LOGGER, EventBus
from marketplace_platform.events.relay import OutboxRelay
from marketplace_platform.events.unit_of_work import U, UnitOfWork
from marketplace_platform.faults import FailingEventBus
from marketplace_platform.problems import ServiceUnavailable
from marketplace_platform.security.jwks import JWKSVerifier
from marketplace_platform.security.verified_tokens import VerifiedTokenCache
from marketplace_platform.settings import ServiceSettings


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        verifier: JWKSVerifier | None = None,
        database: Database | None = None,
        bus: EventBus | None = None,
    ) -> None:
        self.settings = settings
        self.service = settings.service_name
        self.db = database or Database(settings.database_url, pool_size=settings.db_pool_size)
        self.bus = bus or _event_bus(settings)
        self.relay = OutboxRelay(self.db, self.bus)
        if not settings.access_log:
            # The consumers' access lines (one per event handled) go with the requests'.
            logging.getLogger(EVENT_LOGGER).setLevel(logging.WARNING)
        self.verifier = verifier or JWKSVerifier.from_url(
            settings.jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            algorithms=settings.jwt_algorithms,
            refresh_interval=settings.jwks_refresh_seconds,
            max_lifetime=settings.access_token_max_lifetime_seconds,
            cache=VerifiedTokenCache(
                ttl=settings.token_cache_seconds, max_size=settings.token_cache_size
            ),
        )

    def unit_of_work(
        self,
        kind: type[U] = UnitOfWork,  # type: ignore[assignment]
        *,
        read_only: bool = False,
    ) -> U:
        """A new transaction (``kind``: the service's unit of work, with its repositories);
        events it publishes are relayed as soon as it commits. ``read_only``: a transaction
        that only reads (see ``UnitOfWork``)."""
        return kind(self.db, source=self.service, on_commit=self.relay.notify, read_only=read_only)

    async def database_ready(self) -> None:
        await self.db.ping()

    async def broker_ready(self) -> None:
        if not self.bus.connected:
            raise ServiceUnavailable("not connected to NATS")

    async def start(self) -> None:
        self.verifier.start()
        await self.bus.start()
        await self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()
        await self.bus.close()
        await self.db.dispose()
        await self.verifier.close()

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = self
        metrics = getattr(app.state, "metrics", None)
        if metrics is not None and getattr(app.state, "event_metrics", None) is None:
            # The event pipeline's backlog, lag and dead letters, read at each scrape.
            app.state.event_metrics = EventMetrics(
                metrics.registry, service=self.service, db=self.db, bus=self.bus
            )
        app.state.verifier = self.verifier
        await self.start()
        try:
            yield
        finally:
            await self.stop()


def _event_bus(settings: ServiceSettings) -> EventBus:
    options: dict[str, Any] = {
        "service": settings.service_name,
        "user": settings.nats_user,
        "password": settings.nats_password,
        "consumer_concurrency": settings.consumer_concurrency,
    }
    if settings.fault_fail_events_file is not None:
        return FailingEventBus(
            settings.nats_url, fail_file=settings.fault_fail_events_file, **options
        )
    return EventBus(settings.nats_url, **options)
