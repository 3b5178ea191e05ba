"""The ``auth`` consumer of the orders service's events: the profile's order history.

One durable consumer for both subjects, shared by auth's replicas; each event is applied once
(the inbox) by ``service.order_history``. The events in work at once share one transaction
(a group commit, ``consume_once(batch=...)``): under load a saga's three events cost a
fraction of a commit each, and the orders they are about are read and locked in one
statement first (``prepare``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from auth_service.adapters.unit_of_work import AuthUnitOfWork, UnitOfWorkFactory
from auth_service.service import order_history
from marketplace_contracts import Envelope, OrderCreated, OrderStatusChanged
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import Effect, consume_once

CONSUMER = "auth"
SUBJECTS = (OrderCreated.TYPE, OrderStatusChanged.TYPE)


def effect_of(envelope: Envelope) -> Effect[AuthUnitOfWork] | None:
    """What the event does to the order history; None for an event it does not know."""
    if envelope.type == OrderCreated.TYPE:
        created = envelope.parse(OrderCreated)
        return lambda uow: order_history.record_created(uow, event=created)
    if envelope.type == OrderStatusChanged.TYPE:
        changed = envelope.parse(OrderStatusChanged)
        return lambda uow: order_history.record_status(uow, event=changed)
    return None


async def prepare(uow: AuthUnitOfWork, envelopes: Sequence[Envelope]) -> None:
    """The orders of a batch's events, read and locked at once (an orders event's
    ``subject`` is its order's id; an effect reads any order this missed itself)."""
    await order_history.lock(uow, order_ids=[*filter(None, map(_order_id, envelopes))])


def _order_id(envelope: Envelope) -> uuid.UUID | None:
    try:
        return uuid.UUID(envelope.subject or "")
    except ValueError:
        return None


def register(bus: EventBus, unit_of_work: UnitOfWorkFactory, *, batch: int) -> None:
    """``batch``: how many events in work at once share a transaction."""
    consume_once(
        bus,
        CONSUMER,
        SUBJECTS,
        unit_of_work=unit_of_work,
        effect_of=effect_of,
        batch=batch,
        prepare=prepare,
    )
