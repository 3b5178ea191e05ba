"""Refunds: money taken for an order that was cancelled goes back, with no operator step.

Payments keeps a small projection of orders' cancellations (``cancelled_orders``), fed by
both events orders publishes when it cancels (``orders.order.cancelled.v1`` and the
``status_changed`` to ``cancelled``), so one of them parked in the dead letters loses
nothing. Recording it is all an event must achieve; the refund itself never makes an event
fail:

- the handler refunds the order's succeeded payments right away when it can (the usual
  case: the payer sees the money back within moments);
- the reconciler (``RefundReconciler``, on a timer) refunds every succeeded payment of a
  cancelled order that is still not refunded: a refund the processor refused for a while,
  a payment still pending when the cancellation came and charged after it.

The processor's refund is an outside call and cannot share our transaction, so it comes
first and is idempotent there (refunding a refunded charge changes nothing); then the
payment is marked ``refunded`` with ``PaymentRefunded`` under its row lock, which only the
first of racing refunders gets to do. A crash in between leaves the payment succeeded, and
the next round refunds again: a no-op at the processor, and the payment is marked then.

A cancellation is *closed* once none of the order's payments is pending or succeeded and
``grace`` has passed since it was recorded (a payment that raced the cancellation has shown
up by then: ``pay`` also refuses an order known to be cancelled). The reconciler reads only
open cancellations, so an idle round is one indexed query that finds nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection
from datetime import timedelta

from marketplace_contracts import Envelope, PaymentRefunded
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.inbox import handle_once
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.periodic import Periodic
from payments_service.adapters.orm import CancelledOrder, Payment
from payments_service.adapters.processor import SimulatedProcessor
from payments_service.adapters.repositories import CancelledOrderRepository, PaymentRepository
from payments_service.domain import payments as rules
from payments_service.domain.payments import PaymentStatus

log = logging.getLogger(__name__)

BATCH = 100


async def record_cancellation(
    *,
    db: Database,
    unit_of_work: Callable[[], UnitOfWork],
    processor: SimulatedProcessor,
    consumer: str,
    envelope: Envelope,
    order_id: uuid.UUID,
) -> None:
    """Remember that the order is cancelled, and refund what can be refunded now."""
    try:
        refunded = await _refund_at_processor(db=db, processor=processor, order_id=order_id)
    except Exception as error:
        # The reconciler refunds it on a later round; the cancellation is recorded now.
        log.warning(
            "refund deferred to the reconciler: %s",
            type(error).__name__,
            extra={"order_id": str(order_id)},
        )
        refunded = []

    async def remember(uow: UnitOfWork) -> None:
        await CancelledOrderRepository(uow.session).add(order_id, at=utcnow())
        await _mark_refunded(uow, order_id=order_id, refunded=refunded)

    await handle_once(unit_of_work(), consumer=consumer, envelope=envelope, effect=remember)


async def reconcile(
    *,
    db: Database,
    unit_of_work: Callable[[], UnitOfWork],
    processor: SimulatedProcessor,
    grace: timedelta,
) -> int:
    """Refund every succeeded payment of an open cancellation; returns how many."""
    refunded = 0
    after = None
    while True:
        async with db.read_session() as session:
            cancellations = await CancelledOrderRepository(session).open(limit=BATCH, after=after)
        for cancellation in cancellations:
            refunded += await _reconcile_order(
                db=db, unit_of_work=unit_of_work, processor=processor,
                cancellation=cancellation, grace=grace,
            )
        if len(cancellations) < BATCH:
            return refunded
        after = (cancellations[-1].cancelled_at, cancellations[-1].order_id)


async def _reconcile_order(
    *,
    db: Database,
    unit_of_work: Callable[[], UnitOfWork],
    processor: SimulatedProcessor,
    cancellation: CancelledOrder,
    grace: timedelta,
) -> int:
    order_id = cancellation.order_id
    refunded_ids = await _refund_at_processor(db=db, processor=processor, order_id=order_id)
    async with unit_of_work() as uow:
        marked = await _mark_refunded(uow, order_id=order_id, refunded=refunded_ids)
        payments = await PaymentRepository(uow.session).of_order(order_id)
        settled = not any(
            PaymentStatus(p.status) in (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)
            for p in payments
        )
        if settled and cancellation.cancelled_at < utcnow() - grace:
            await CancelledOrderRepository(uow.session).close(order_id, at=utcnow())
        await uow.commit()
    for payment in marked:
        log.info(
            "refunded a payment of a cancelled order",
            extra={"order_id": str(order_id), "payment_id": str(payment.id)},
        )
    return len(marked)


async def _refund_at_processor(
    *, db: Database, processor: SimulatedProcessor, order_id: uuid.UUID
) -> list[uuid.UUID]:
    """Refund the order's succeeded payments at the processor; their ids."""
    async with db.read_session() as session:
        payments = await PaymentRepository(session).of_order(order_id)
    refunded = []
    for payment in payments:
        if rules.can_refund(PaymentStatus(payment.status)):
            await processor.refund(str(payment.id))  # a payment's id is its charge key
            refunded.append(payment.id)
    return refunded


async def _mark_refunded(
    uow: UnitOfWork, *, order_id: uuid.UUID, refunded: Collection[uuid.UUID]
) -> list[Payment]:
    """Mark the payments refunded at the processor, under their row locks: of racing
    refunders, only the first finds them refundable and publishes ``PaymentRefunded``."""
    marked = []
    for payment in await PaymentRepository(uow.session).of_order(order_id, lock=True):
        if payment.id in refunded and rules.can_refund(PaymentStatus(payment.status)):
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
            marked.append(payment)
    return marked


class RefundReconciler:
    """``reconcile`` at start and then every ``interval``."""

    def __init__(
        self,
        *,
        db: Database,
        unit_of_work: Callable[[], UnitOfWork],
        processor: SimulatedProcessor,
        grace: timedelta,
        interval: timedelta,
    ) -> None:
        self._db = db
        self._unit_of_work = unit_of_work
        self._processor = processor
        self._grace = grace
        self._timer = Periodic(self.run_once, interval=interval, name="payments-refunds")

    async def run_once(self) -> int:
        return await reconcile(
            db=self._db,
            unit_of_work=self._unit_of_work,
            processor=self._processor,
            grace=self._grace,
        )

    def start(self) -> None:
        self._timer.start()

    async def stop(self) -> None:
        await self._timer.stop()
