"""A payment's news applied to its order (see ``domain.payments`` for the rules), from
payments' events and from reconciliation alike.

``apply`` is an *effect*: it runs inside the caller's unit of work (the inbox's transaction,
for an event), so the order's change, its events and the record of the news commit together.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from marketplace_platform.clock import utcnow
from marketplace_platform.events.unit_of_work import UnitOfWork
from orders_service.adapters.orm import Order, OrderPayment
from orders_service.adapters.repositories import OrderRepository, PaymentRepository
from orders_service.domain.limits import Limits
from orders_service.domain.payments import PaymentOutcome, decide
from orders_service.domain.status_machine import Actor, OrderStatus, Transition
from orders_service.service import transitions

log = logging.getLogger(__name__)

PAID_AFTER_CANCELLATION = "paid_after_cancellation"


async def apply(
    uow: UnitOfWork,
    *,
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
    cancels it rather than reopening it."""
    order = await OrderRepository(uow.session).lock(order_id)
    if order is None:
        # Not ours to fix, and retrying will not make it exist: noted and dropped.
        log.warning("payment %s names an unknown order %s", payment_id, order_id)
        return None
    payments = PaymentRepository(uow.session)
    record = await payments.get(payment_id)
    if record is not None and record.order_id != order_id:
        log.warning("payment %s named order %s, now %s", payment_id, record.order_id, order_id)
        return order
    known = PaymentOutcome(record.outcome) if record is not None else None
    decision = decide(OrderStatus(order.status), known, news)
    if decision.ignored:
        return order
    if record is None:
        payments.add(
            OrderPayment(
                payment_id=payment_id,
                order_id=order_id,
                outcome=news.value,
                reason=reason,
                updated_at=at,
            )
        )
    else:
        record.outcome, record.reason, record.updated_at = news.value, reason, at
    for target in decision.path:
        why = reason if target is OrderStatus.CREATED else None
        await transitions.move(uow, order, target, actor=Actor.SYSTEM, at=at, reason=why)
    if OrderStatus.CREATED in decision.path:
        await close_if_spent(uow, order, limits, at=at, now=now or utcnow())
    if decision.note is not None:
        transitions.note(order, reason=decision.note, actor=Actor.SYSTEM, at=at)
    if decision.refund:
        # Money came in for an order that was cancelled meanwhile (say, by the unpaid
        # timeout while the charge ran): ask payments to give it back.
        step = Transition(
            OrderStatus.CANCELLED, OrderStatus.CANCELLED, Actor.SYSTEM, PAID_AFTER_CANCELLATION, at
        )
        uow.publish(transitions.cancelled(order, step, refund=True))
    return order


async def close_if_spent(
    uow: UnitOfWork, order: Order, limits: Limits, *, at: datetime, now: datetime
) -> None:
    """For an order a failed payment just sent back to ``created``: cancel it (its stock
    released) if that was its last try or its unpaid time is over."""
    reason = limits.closes_after_failure(
        failed_payments=await PaymentRepository(uow.session).count_failed(order.id),
        created_at=order.created_at,
        now=now,
    )
    if reason is not None:
        await transitions.move(
            uow, order, OrderStatus.CANCELLED, actor=Actor.SYSTEM, at=at, reason=reason
        )
