"""The ``payments`` consumer of orders' events: cancellations, which become ``service.refunds``
calls; and, apart from it, the orders payments hears placed (``listen_for_placed``).

Both events orders publishes when it cancels an order are followed, so that one of them
parked in the dead letters does not keep the money taken: each records the cancellation
(once per event, in the inbox's transaction; the projection ignores a second one)."""

from __future__ import annotations

import logging

from marketplace_contracts import Envelope, OrderCancelled, OrderCreated, OrderStatusChanged
from marketplace_platform.events.bus import EventBus
from payments_service.adapters.orders import PlacedOrders
from payments_service.domain.orders import PlacedOrder
from payments_service.service import refunds
from payments_service.service.ports import Processor, UnitOfWorkFactory

log = logging.getLogger(__name__)

CONSUMER = "payments"
SUBJECTS = (OrderCancelled.TYPE, OrderStatusChanged.TYPE)
CANCELLED = "cancelled"


def register(
    bus: EventBus,
    *,
    unit_of_work: UnitOfWorkFactory,
    processor: Processor,
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
            unit_of_work=unit_of_work,
            processor=processor,
            consumer=CONSUMER,
            envelope=envelope,
            order_id=order_id,
        )

    bus.consume(CONSUMER, SUBJECTS, handle)


def listen_for_placed(bus: EventBus, placed: PlacedOrders) -> None:
    """Every replica hears every ``orders.order.created.v1`` on core NATS as orders publishes
    it, and remembers the order's facts (``adapters.orders``): no durable consumer, no
    transaction, no acknowledgement, since a message missed only means a call to orders."""

    async def heard(subject: str, payload: bytes) -> None:
        try:
            created = Envelope.model_validate_json(payload).parse(OrderCreated)
        except ValueError as error:  # pydantic's ValidationError is one too
            log.debug("an order creation that does not parse: %s", error)
            return
        placed.remember(
            PlacedOrder(
                order_id=created.order_id, user_id=created.user_id, total=created.total,
                currency=created.currency, placed_at=created.created_at,
            )
        )

    bus.subscribe(OrderCreated.TYPE, heard)
