"""Refunds: an order that was paid and then cancelled gets its money back.

The processor's refund is an outside call and cannot share our transaction, so it comes
first and is idempotent there (refunding a refunded charge changes nothing); then the
payment is marked ``refunded`` with ``PaymentRefunded`` in the inbox's transaction. A crash
in between makes the event come again: the processor refund is a no-op the second time and
the payment is marked then.

Any cancelled order with a successful payment is refunded, not only those orders says were
paid (``refund=true``): a user can cancel an order in the instant between our
``PaymentStarted`` and orders moving it to ``processing``, and money must not stay taken for
an order that will never ship. A payment still pending when the cancellation arrives makes
the handler fail, so the event comes back (with backoff) once the charge has settled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from marketplace_contracts import Envelope, OrderCancelled, PaymentRefunded
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.inbox import handle_once
from marketplace_platform.events.unit_of_work import UnitOfWork
from payments_service.adapters.orm import Payment
from payments_service.adapters.processor import SimulatedProcessor
from payments_service.adapters.repositories import PaymentRepository
from payments_service.domain import payments as rules
from payments_service.domain.payments import PaymentStatus

log = logging.getLogger(__name__)


class PaymentNotSettled(RuntimeError):
    """A payment of the order is still pending: try the cancellation again later."""


async def refund_cancelled_order(
    *,
    db: Database,
    unit_of_work: Callable[[], UnitOfWork],
    processor: SimulatedProcessor,
    consumer: str,
    envelope: Envelope,
    event: OrderCancelled,
) -> None:
    async with db.read_session() as session:
        statuses = {
            payment.id: PaymentStatus(payment.status)
            for payment in await PaymentRepository(session).of_order(event.order_id)
        }
    if PaymentStatus.PENDING in statuses.values():
        raise PaymentNotSettled(f"a payment of order {event.order_id} is still pending")
    for payment_id, status in statuses.items():
        if rules.can_refund(status):
            await processor.refund(str(payment_id))  # a payment's id is its charge key

    async def mark_refunded(uow: UnitOfWork) -> None:
        for payment in await PaymentRepository(uow.session).of_order(event.order_id, lock=True):
            # None refundable: nothing was paid, or the refund was recorded already.
            if rules.can_refund(PaymentStatus(payment.status)):
                _mark_refunded(uow, payment, event)

    await handle_once(unit_of_work(), consumer=consumer, envelope=envelope, effect=mark_refunded)


def _mark_refunded(uow: UnitOfWork, payment: Payment, event: OrderCancelled) -> None:
    now = utcnow()
    payment.status = PaymentStatus.REFUNDED.value
    payment.refunded_at = now
    payment.updated_at = now
    uow.publish(
        PaymentRefunded(
            payment_id=payment.id,
            order_id=payment.order_id,
            user_id=payment.user_id,
            amount=payment.amount,
            currency=payment.currency,
        )
    )
    if not event.refund:
        log.warning(
            "refunded a payment of an order cancelled before orders saw it paid",
            extra={"order_id": str(event.order_id), "payment_id": str(payment.id)},
        )
