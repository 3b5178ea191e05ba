"""What the payments service's routes and consumers work with, built once by the composition
root (``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace_platform.idempotency import IdempotencyKeys
from marketplace_platform.runtime import ServiceRuntime
from payments_service.adapters.orders import OrdersClient
from payments_service.adapters.processor import SimulatedProcessor
from payments_service.service.ports import UnitOfWorkFactory
from payments_service.service.recovery import Recovery
from payments_service.service.refunds import RefundReconciler
from payments_service.settings import PaymentsSettings


@dataclass(frozen=True, slots=True)
class Components:
    settings: PaymentsSettings
    runtime: ServiceRuntime
    # A fresh ``PaymentsUnitOfWork`` per call: the use cases' door to the database.
    unit_of_work: UnitOfWorkFactory
    orders: OrdersClient
    processor: SimulatedProcessor
    keys: IdempotencyKeys
    recovery: Recovery
    refunds: RefundReconciler

