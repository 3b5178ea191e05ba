"""What the orders service's routes, consumers and sweeper work with, built once by the
composition root (``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import httpx

from marketplace_platform.idempotency import IdempotencyKeys
from marketplace_platform.internal_http import InternalClient
from marketplace_platform.runtime import ServiceRuntime
from orders_service.adapters.catalog import CatalogClient
from orders_service.adapters.payments import PaymentsClient
from orders_service.adapters.unit_of_work import OrdersUnitOfWork, UnitOfWorkFactory
from orders_service.service.sweeps import Sweeper, SweepSettings
from orders_service.settings import OrdersSettings


@dataclass(frozen=True, slots=True)
class Components:
    settings: OrdersSettings
    runtime: ServiceRuntime
    unit_of_work: UnitOfWorkFactory
    catalog: CatalogClient
    payments: PaymentsClient
    keys: IdempotencyKeys
    sweeper: Sweeper

    async def close(self) -> None:
        await self.catalog.client.close()
        await self.payments.client.close()


def build_components(
    settings: OrdersSettings,
    runtime: ServiceRuntime,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Components:
    """``transport`` lets tests route the internal calls where they like."""
    catalog = CatalogClient(
        InternalClient(
            settings.catalog_url,
            token=settings.internal_token,
            timeout=settings.catalog_timeout,
            transport=transport,
        )
    )
    payments = PaymentsClient(
        InternalClient(
            settings.payments_url,
            token=settings.internal_token,
            timeout=settings.payments_timeout,
            transport=transport,
        )
    )
    keys = IdempotencyKeys(runtime.db, retention=settings.idempotency_retention)
    unit_of_work: UnitOfWorkFactory = partial(runtime.unit_of_work, OrdersUnitOfWork)
    sweeper = Sweeper(
        unit_of_work=unit_of_work,
        catalog=catalog,
        payments_api=payments,
        keys=keys,
        settings=SweepSettings(
            interval=settings.sweep_interval,
            limits=settings.limits,
            reconcile_after=settings.reconcile_after,
            auto_deliver_after=settings.auto_deliver_after,
        ),
    )
    return Components(
        settings=settings,
        runtime=runtime,
        unit_of_work=unit_of_work,
        catalog=catalog,
        payments=payments,
        keys=keys,
        sweeper=sweeper,
    )
