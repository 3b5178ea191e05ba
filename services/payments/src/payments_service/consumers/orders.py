"""The ``payments`` consumer: translates orders' cancellations into ``service.refunds`` calls.

Both events orders publishes when it cancels an order are followed, so that one of them
parked in the dead letters does not keep the money taken: each records the cancellation
(once per event, in the inbox's transaction; the projection ignores a second one)."""

from __future__ import annotations

from collections.abc import Callable

from marketplace_contracts import Envelope, OrderCancelled, OrderStatusChanged
from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.unit_of_work import UnitOfWork
from payments_service.adapters.processor import SimulatedProcessor
from payments_service.service import refunds

CONSUMER = "payments"
SUBJECTS = (OrderCancelled.TYPE, OrderStatusChanged.TYPE)
CANCELLED = "cancelled"


def register(
    bus: EventBus,
    *,
    db: Database,
    unit_of_work: Callable[[], UnitOfWork],
    processor: SimulatedProcessor,
) -> None:
    async def handle(envelope: Envelope) -> None:
        if envelope.type == OrderCancelled.TYPE:
            order_id = envelope.parse(OrderCancelled).order_id
        elif envelope.type == OrderStatusChanged.TYPE:
            changed = envelope.parse(OrderStatusChanged)
            if changed.to_status != CANCELLED:
                return
            order_id = changed.order_id
        else:
            return
        await refunds.record_cancellation(
            db=db,
            unit_of_work=unit_of_work,
            processor=processor,
            consumer=CONSUMER,
            envelope=envelope,
            order_id=order_id,
        )

    bus.consume(CONSUMER, SUBJECTS, handle)
