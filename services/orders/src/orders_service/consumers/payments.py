"""The ``orders`` consumer of payments' events: translates each into ``service.payments``.

One durable consumer for all four subjects, shared by the replicas, so each event is applied
by one of them, once (the inbox: ``consume_once``). Late and repeated news is judged by
``domain.payments``: it is recorded or ignored, never an error, so it is never redelivered
for ever.

The events in work at once (different orders': the bus hands one order's events over one
after another, in stream order) share one transaction, a group commit (``batch``): their
orders are locked and read in one query (``prepare``), and the claims, the changes and the
outbox rows of all of them are written with one commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial

from marketplace_contracts import (
    Envelope,
    PaymentFailed,
    PaymentRefunded,
    PaymentStarted,
    PaymentSucceeded,
)
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import Effect, GroupCommit, consume_once
from orders_service.adapters.unit_of_work import OrdersUnitOfWork, UnitOfWorkFactory
from orders_service.domain.limits import Limits
from orders_service.domain.payments import PaymentOutcome
from orders_service.service import payments
from orders_service.service.ports import Catalog

CONSUMER = "orders"
NEWS = {
    PaymentStarted.TYPE: (PaymentStarted, PaymentOutcome.PENDING),
    PaymentSucceeded.TYPE: (PaymentSucceeded, PaymentOutcome.SUCCEEDED),
    PaymentFailed.TYPE: (PaymentFailed, PaymentOutcome.FAILED),
    PaymentRefunded.TYPE: (PaymentRefunded, PaymentOutcome.REFUNDED),
}
SUBJECTS = tuple(NEWS)


def effect_of(
    envelope: Envelope, *, unit_of_work: UnitOfWorkFactory, catalog: Catalog, limits: Limits
) -> Effect[OrdersUnitOfWork] | None:
    """The payment's news applied to its order; None for an event that is no news.

    A payment that made the order paid owes the catalog a commit, one that closed it a
    release: ``unit_of_work`` and ``catalog`` are for trying it as soon as the effect's unit
    of work commits."""
    if envelope.type not in NEWS:
        return None
    model, news = NEWS[envelope.type]
    event = envelope.parse(model)
    reason = event.reason if isinstance(event, PaymentFailed) else None

    async def effect(uow: OrdersUnitOfWork) -> None:
        await payments.apply(
            uow,
            unit_of_work=unit_of_work,
            catalog=catalog,
            order_id=event.order_id,
            payment_id=event.payment_id,
            news=news,
            at=envelope.time,
            limits=limits,
            reason=reason,
        )

    return effect


async def prepare(uow: OrdersUnitOfWork, envelopes: Sequence[Envelope]) -> None:
    """What a batch's effects will read, in one go (``payments.prepare``)."""
    await payments.prepare(
        uow,
        [
            (uuid.UUID(str(envelope.data["order_id"])), uuid.UUID(str(envelope.data["payment_id"])))
            for envelope in envelopes
            if envelope.type in NEWS
        ],
    )


def register(
    bus: EventBus,
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    limits: Limits,
    batch: int,
) -> GroupCommit[OrdersUnitOfWork] | None:
    """``batch``: the most events in work at once, and sharing one transaction."""
    return consume_once(
        bus,
        CONSUMER,
        SUBJECTS,
        unit_of_work=unit_of_work,
        effect_of=partial(effect_of, unit_of_work=unit_of_work, catalog=catalog, limits=limits),
        batch=batch,
        prepare=prepare,
    )
