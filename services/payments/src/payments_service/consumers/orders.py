"""The ``payments`` consumer of orders' events: the orders payments has seen placed
(``service.placed_orders``), and cancellations, which become ``service.refunds`` calls.

Both events orders publishes when it cancels an order are followed, so that one of them
parked in the dead letters does not keep the money taken: each records the cancellation
(once per event, in the inbox's transaction; the projection ignores a second one). A placed
order is recorded without the inbox: recording it again changes nothing."""

from __future__ import annotations

from marketplace_contracts import Envelope, OrderCancelled, OrderCreated, OrderStatusChanged
from marketplace_platform.events.bus import EventBus
from payments_service.service import placed_orders, refunds
from payments_service.service.ports import Processor, UnitOfWorkFactory

CONSUMER = "payments"
SUBJECTS = (OrderCreated.TYPE, OrderCancelled.TYPE, OrderStatusChanged.TYPE)
CANCELLED = "cancelled"


def register(
    bus: EventBus,
    *,
    unit_of_work: UnitOfWorkFactory,
    processor: Processor,
) -> None:
    async def handle(envelope: Envelope) -> None:
        if envelope.type == OrderCreated.TYPE:
            await placed_orders.record(unit_of_work, event=envelope.parse(OrderCreated))
            return
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
            unit_of_work=unit_of_work,
            processor=processor,
            consumer=CONSUMER,
            envelope=envelope,
            order_id=order_id,
        )

    bus.consume(CONSUMER, SUBJECTS, handle)
