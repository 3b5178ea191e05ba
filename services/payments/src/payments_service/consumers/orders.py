"""The ``payments`` consumer: translates orders' events into ``service.refunds`` calls."""

from __future__ import annotations

from collections.abc import Callable

from marketplace_contracts import Envelope, OrderCancelled
from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.unit_of_work import UnitOfWork
from payments_service.adapters.processor import SimulatedProcessor
from payments_service.service import refunds

CONSUMER = "payments"
SUBJECTS = (OrderCancelled.TYPE,)


def register(
    bus: EventBus,
    *,
    db: Database,
    unit_of_work: Callable[[], UnitOfWork],
    processor: SimulatedProcessor,
) -> None:
    async def handle(envelope: Envelope) -> None:
        if envelope.type == OrderCancelled.TYPE:
            await refunds.refund_cancelled_order(
                db=db,
                unit_of_work=unit_of_work,
                processor=processor,
                consumer=CONSUMER,
                envelope=envelope,
                event=envelope.parse(OrderCancelled),
            )

    bus.consume(CONSUMER, SUBJECTS, handle)
