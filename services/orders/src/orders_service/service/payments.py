"""A payment's news applied to its order (the rules: ``domain.payments``), from payments'
events and from reconciliation alike.

``apply`` runs inside the caller's unit of work (the inbox's transaction, for an event), so
the order's change, its events, what the order learnt of the payment and the stock call the
change owes all commit together. Several events' ``apply`` may share one (a group commit),
``prepare``-d together.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from datetime import datetime

from marketplace_platform.clock import utcnow
from orders_service.adapters.unit_of_work import OrdersUnitOfWork, UnitOfWorkFactory
from orders_service.domain.limits import Limits
from orders_service.domain.orders import Order
from orders_service.domain.payments import KnownPayment, PaymentOutcome
from orders_service.service import stock
from orders_service.service.ports import Catalog

log = logging.getLogger(__name__)


async def apply(
    uow: OrdersUnitOfWork,
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    order_id: uuid.UUID,
    payment_id: uuid.UUID,
    news: PaymentOutcome,
    at: datetime,
    limits: Limits,
    reason: str | None = None,
    now: datetime | None = None,
) -> Order | None:
    """Apply ``news`` about ``payment_id`` to its order; returns the order if it exists.
    A failure that spends the order's last try, or comes after its deadline (``now``),
    cancels it rather than reopening it. A move that owes the catalog a call has it written
    down, to be tried once ``uow`` commits (``unit_of_work`` and ``catalog`` are for that)."""
    order = await uow.orders.lock(order_id, history=False)
    if order is None:
        # Not ours to fix, and retrying will not make it exist: noted and dropped.
        log.warning("payment %s names an unknown order %s", payment_id, order_id)
        return None
    known = await uow.payments.get(payment_id)
    if known is not None and known.order_id != order_id:
        log.warning("payment %s named order %s, now %s", payment_id, known.order_id, order_id)
        return order
    decision = order.apply_payment(
        news, known=known.outcome if known else None, at=at, reason=reason
    )
    if decision.ignored:
        return order
    if known is None:
        uow.payments.add(KnownPayment(payment_id, order_id, news, updated_at=at, reason=reason))
    else:
        known.learn(news, reason=reason, at=at)
    if decision.reopens:
        await close_if_spent(uow, order, limits, at=at, now=now or utcnow())
    await stock.owe(uow, order, at=at, unit_of_work=unit_of_work, catalog=catalog)
    return order


async def prepare(uow: OrdersUnitOfWork, news: Collection[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Before ``apply`` runs for each of several ``(order id, payment id)`` in one ``uow``
    (a group commit of payments' events): their orders locked and read, and what was known
    of their payments, in one query each instead of one each per event. ``apply`` then reads
    neither again; it works the same without this."""
    await uow.orders.lock_many({order_id for order_id, _ in news})
    await uow.payments.load({payment_id for _, payment_id in news})


async def close_if_spent(
    uow: OrdersUnitOfWork, order: Order, limits: Limits, *, at: datetime, now: datetime
) -> None:
    """For an order a failed payment just sent back to ``created``: cancel it if that was
    its last try or its unpaid time is over."""
    failed = await uow.payments.count_failed(order.id)
    order.close_if_spent(failed_payments=failed, limits=limits, at=at, now=now)
