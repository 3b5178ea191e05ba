"""Settling payments that were left ``pending``: the process died between recording the
payment and recording its outcome, or the processor did not answer in time.

The processor is asked through ``void(charge key)``, which answers the charge if one was made
and otherwise closes the key so that no late charge request can succeed any more. So:

- the processor charged (or declined) the card → the payment takes that outcome;
- it never saw the charge → the payment fails with ``processing_error``.

The charge is not retried: the card details needed for it were never stored, by design. The
payer sees the failure and pays again (a new payment), as after a declined card. Either way
the outcome event goes out, and orders follows: both end ``paid``, or the order is back in
``created`` with the payment ``failed``.

Every replica runs this loop; it is safe to race: ``void`` is idempotent at the processor and
``settle`` changes only a payment that is still pending.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from marketplace_platform.clock import utcnow
from marketplace_platform.idempotency import IdempotencyKeys
from marketplace_platform.periodic import Periodic
from payments_service.service.payments import settle
from payments_service.service.ports import Processor, UnitOfWorkFactory

log = logging.getLogger(__name__)

BATCH = 100


async def settle_stale(
    *, unit_of_work: UnitOfWorkFactory, processor: Processor, older_than: timedelta
) -> int:
    """Settle the payments pending for longer than ``older_than``; returns how many."""
    settled = 0
    cutoff = utcnow() - older_than
    while True:
        async with unit_of_work(read_only=True) as uow:
            stale = await uow.payments.stale_pending(older_than=cutoff, limit=BATCH)
        for payment_id in stale:
            # The payment's id is its charge key at the processor.
            charge = await processor.void(str(payment_id))
            result = await settle(unit_of_work, payment_id=payment_id, outcome=charge.outcome)
            settled += 1
            log.info(
                "recovered a pending payment from the processor's record",
                extra={"payment_id": str(payment_id), "status": result.payment.status},
            )
        if len(stale) < BATCH:
            return settled


class Recovery:
    """The periodic task: at start, then every ``interval``; also prunes old idempotency
    keys, which is housekeeping of the same kind."""

    def __init__(
        self,
        *,
        unit_of_work: UnitOfWorkFactory,
        processor: Processor,
        keys: IdempotencyKeys,
        older_than: timedelta,
        interval: timedelta,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._processor = processor
        self._keys = keys
        self._older_than = older_than
        self._timer = Periodic(self.run_once, interval=interval, name="payments-recovery")

    async def run_once(self) -> int:
        settled = await settle_stale(
            unit_of_work=self._unit_of_work,
            processor=self._processor,
            older_than=self._older_than,
        )
        await self._keys.prune()
        return settled

    def start(self) -> None:
        self._timer.start()

    async def stop(self) -> None:
        await self._timer.stop()
