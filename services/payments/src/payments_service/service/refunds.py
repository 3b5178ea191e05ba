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
payment is marked refunded (``Payment.refund``, which records ``PaymentRefunded``) under its
row lock, which only the first of racing refunders gets to do. A crash in between leaves
the payment succeeded, and the next round refunds again: a no-op at the processor, and the
payment is marked then.

Why the refund is not an after-commit action of the recording: then the event's inbox row
would be committed before the refund was tried, and "the event was handled" would no longer
mean "what could be refunded at once is refunded". Trying the processor first keeps the two
in one step; the reconciler is the sweeper either way.

A cancellation is *closed* once none of the order's payments is pending or succeeded and
``grace`` has passed since it was recorded (``CancelledOrder.close_if_settled``). The
reconciler reads only open cancellations, so an idle round is one indexed query that finds
nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from datetime import timedelta

from marketplace_contracts import Envelope
from marketplace_platform.clock import utcnow
from marketplace_platform.events.inbox import handle_once
from marketplace_platform.periodic import Periodic
from payments_service.adapters.unit_of_work import PaymentsUnitOfWork
from payments_service.domain.payments import Payment
from payments_service.domain.refunds import CancelledOrder
from payments_service.service.ports import Processor, UnitOfWorkFactory

log = logging.getLogger(__name__)

BATCH = 100


async def record_cancellation(
    *,
    unit_of_work: UnitOfWorkFactory,
    processor: Processor,
    consumer: str,
    envelope: Envelope,
    order_id: uuid.UUID,
) -> bool:
    """Remember that the order is cancelled, and refund what can be refunded now. Once per
    event (``consumer``'s inbox): returns False for an event handled before."""
    try:
        refunded = await _refund_at_processor(unit_of_work, processor, order_id)
    except Exception as error:
        # The reconciler refunds it on a later round; the cancellation is recorded now.
        log.warning(
            "refund deferred to the reconciler: %s",
            type(error).__name__,
            extra={"order_id": str(order_id)},
        )
        refunded = []

    async def record(uow: PaymentsUnitOfWork) -> None:
        await uow.cancelled_orders.add(order_id, at=utcnow())
        await _mark_refunded(uow, order_id=order_id, refunded=refunded)

    return await handle_once(unit_of_work(), consumer=consumer, envelope=envelope, effect=record)


async def reconcile(
    *, unit_of_work: UnitOfWorkFactory, processor: Processor, grace: timedelta
) -> int:
    """Refund every succeeded payment of an open cancellation; returns how many."""
    refunded = 0
    after = None
    while True:
        async with unit_of_work(read_only=True) as uow:
            found = await uow.cancelled_orders.open(limit=BATCH, after=after)
            keys = [(cancellation.cancelled_at, cancellation.order_id) for cancellation in found]
        for _, order_id in keys:
            refunded += await _reconcile_order(
                unit_of_work, processor, order_id=order_id, grace=grace
            )
        if len(keys) < BATCH:
            return refunded
        after = keys[-1]


async def _reconcile_order(
    unit_of_work: UnitOfWorkFactory,
    processor: Processor,
    *,
    order_id: uuid.UUID,
    grace: timedelta,
) -> int:
    refunded_ids = await _refund_at_processor(unit_of_work, processor, order_id)
    async with unit_of_work() as uow:
        marked = await _mark_refunded(uow, order_id=order_id, refunded=refunded_ids)
        cancellation: CancelledOrder | None = await uow.cancelled_orders.get(order_id)
        if cancellation is not None:
            cancellation.close_if_settled(
                await uow.payments.of_order(order_id), now=utcnow(), grace=grace
            )
        await uow.commit()
    for payment in marked:
        log.info(
            "refunded a payment of a cancelled order",
            extra={"order_id": str(order_id), "payment_id": str(payment.id)},
        )
    return len(marked)


async def _refund_at_processor(
    unit_of_work: UnitOfWorkFactory, processor: Processor, order_id: uuid.UUID
) -> list[uuid.UUID]:
    """Refund the order's succeeded payments at the processor; their ids."""
    async with unit_of_work(read_only=True) as uow:
        refundable = [p.id for p in await uow.payments.of_order(order_id) if p.refundable]
    for payment_id in refundable:
        await processor.refund(str(payment_id))  # a payment's id is its charge key
    return refundable


async def _mark_refunded(
    uow: PaymentsUnitOfWork, *, order_id: uuid.UUID, refunded: Collection[uuid.UUID]
) -> list[Payment]:
    """Mark the payments refunded at the processor, under their row locks: of racing
    refunders, only the first finds them refundable and records ``PaymentRefunded``."""
    now = utcnow()
    return [
        payment
        for payment in await uow.payments.of_order(order_id, lock=True)
        if payment.id in refunded and payment.refund(at=now)
    ]


class RefundReconciler:
    """``reconcile`` at start and then every ``interval``."""

    def __init__(
        self,
        *,
        unit_of_work: UnitOfWorkFactory,
        processor: Processor,
        grace: timedelta,
        interval: timedelta,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._processor = processor
        self._grace = grace
        self._timer = Periodic(self.run_once, interval=interval, name="payments-refunds")

    async def run_once(self) -> int:
        return await reconcile(
            unit_of_work=self._unit_of_work, processor=self._processor, grace=self._grace
        )

    def start(self) -> None:
        self._timer.start()

    async def stop(self) -> None:
        await self._timer.stop()
