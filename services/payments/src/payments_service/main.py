"""The composition root: ``create_app(settings)`` builds the payments service from its parts.

Tests call it with their own settings (a temporary database, a fake orders service, no
processor latency) and, when they want a say in the event bus or the token verifier, their
own ``ServiceRuntime``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from marketplace_platform.http import create_service_app
from marketplace_platform.idempotency import IdempotencyKeys
from marketplace_platform.internal_http import InternalClient
from marketplace_platform.runtime import ServiceRuntime
from payments_service.adapters.orders import OrdersClient
from payments_service.adapters.processor import SimulatedProcessor
from payments_service.adapters.unit_of_work import PaymentsUnitOfWork
from payments_service.api import internal, payments
from payments_service.components import Components
from payments_service.consumers import orders as order_events
from payments_service.service.recovery import Recovery
from payments_service.service.refunds import RefundReconciler
from payments_service.settings import PaymentsSettings, get_settings

ROUTERS = (payments.router, internal.router)


def create_app(
    settings: PaymentsSettings | None = None, *, runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or ServiceRuntime(settings)
    processor = SimulatedProcessor(
        settings.processor_database_url,
        latency=settings.processor_latency.total_seconds(),
        hold_file=settings.processor_hold_file,
    )
    keys = IdempotencyKeys(runtime.db)
    unit_of_work = partial(runtime.unit_of_work, PaymentsUnitOfWork)

    recovery = Recovery(
        unit_of_work=unit_of_work,
        processor=processor,
        keys=keys,
        older_than=settings.recovery_after,
        interval=settings.recovery_interval,
    )
    refunds = RefundReconciler(
        unit_of_work=unit_of_work,
        processor=processor,
        # A payment racing a cancellation is started well within the time after which a
        # pending payment counts as stale.
        grace=settings.recovery_after,
        interval=settings.refund_interval,
    )
    orders = OrdersClient(
        InternalClient(
            settings.orders_url,
            token=settings.internal_token,
            timeout=settings.orders_timeout,
            max_connections=50,
        )
    )
    components = Components(
        settings=settings,
        runtime=runtime,
        unit_of_work=unit_of_work,
        orders=orders,
        processor=processor,
        keys=keys,
        recovery=recovery,
        refunds=refunds,
    )
    order_events.register(runtime.bus, unit_of_work=unit_of_work, processor=processor)
    order_events.listen_for_placed(runtime.bus, orders.heard)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await processor.start()
        try:
            async with runtime.lifespan(app):
                recovery.start()
                refunds.start()
                try:
                    yield
                finally:
                    await refunds.stop()
                    await recovery.stop()
        finally:
            await orders.close()
            await processor.stop()

    app = create_service_app(
        settings,
        title="Marketplace payments",
        description="Card payments of orders, their attempts and refunds; a simulated processor.",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness={"database": runtime.database_ready},
        degraded_readiness={"broker": runtime.broker_ready},
    )
    app.state.components = components
    return app
