"""The ``auth`` consumer of the orders service's events: the profile's order history.

One durable consumer for both subjects, shared by auth's replicas; each event is applied once
(the inbox) by ``service.order_history``.
"""

from __future__ import annotations

from auth_service.adapters.unit_of_work import UnitOfWorkFactory
from auth_service.service import order_history
from marketplace_contracts import Envelope, OrderCreated, OrderStatusChanged
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import Effect, consume_once

CONSUMER = "auth"
SUBJECTS = (OrderCreated.TYPE, OrderStatusChanged.TYPE)


def effect_of(envelope: Envelope) -> Effect | None:
    """What the event does to the order history; None for an event it does not know."""
    if envelope.type == OrderCreated.TYPE:
        created = envelope.parse(OrderCreated)
        return lambda uow: order_history.record_created(uow, event=created)
    if envelope.type == OrderStatusChanged.TYPE:
        changed = envelope.parse(OrderStatusChanged)
        return lambda uow: order_history.record_status(uow, event=changed)
    return None


def register(bus: EventBus, unit_of_work: UnitOfWorkFactory) -> None:
    consume_once(bus, CONSUMER, SUBJECTS, unit_of_work=unit_of_work, effect_of=effect_of)
