"""What time alone decides, swept in the background: the unpaid timeout, reconciliation of
orders stuck in ``processing``, the demo's automatic delivery, the stock calls still owed to
the catalog, and expired idempotency keys.

Every replica may sweep at once: each order is changed in its own transaction that locks it
and checks its status again, so two sweepers (or a sweeper and a request) cannot both move it.
Functions take ``now`` so that tests need not wait for time to pass.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from marketplace_platform.clock import utcnow
from marketplace_platform.idempotency import IdempotencyKeys
from marketplace_platform.periodic import Periodic
from orders_service.adapters.payments import PaymentsUnavailable
from orders_service.adapters.unit_of_work import UnitOfWorkFactory
from orders_service.domain.errors import InvalidTransition
from orders_service.domain.limits import PAYMENT_TIMEOUT, Limits
from orders_service.domain.orders import Order
from orders_service.domain.payments import (
    PaymentOutcome,
    PaymentRecord,
    nothing_in_flight,
    settle_order,
)
from orders_service.domain.status_machine import Actor, OrderStatus
from orders_service.service import payments, stock
from orders_service.service.ports import Catalog, Payments

log = logging.getLogger(__name__)

BATCH = 100
PAYMENT_NOT_FOUND = "payment_not_found"
AUTO_DELIVERED = "delivered_automatically"


async def _overdue(
    unit_of_work: UnitOfWorkFactory,
    status: OrderStatus,
    before: datetime,
    *,
    by_creation: bool = False,
) -> list[uuid.UUID]:
    async with unit_of_work(read_only=True) as uow:
        return await uow.orders.ids_in_status_since(
            status, before=before, limit=BATCH, by_creation=by_creation
        )


async def _change_if_still(
    order_id: uuid.UUID,
    change: Callable[[Order], object],
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    status: OrderStatus,
    before: datetime,
    now: datetime,
    by_creation: bool = False,
) -> bool:
    """``change`` the order if it is still in ``status`` since before ``before``."""
    async with unit_of_work() as uow:
        order = await uow.orders.lock(order_id)
        # Checked again under the lock: a payment or a request may have got there first.
        if order is None or order.status is not status:
            return False
        if (order.created_at if by_creation else order.status_changed_at) >= before:
            return False
        change(order)
        await stock.owe(uow, order, at=now, unit_of_work=unit_of_work, catalog=catalog)
        await uow.commit()
    return True


async def cancel_unpaid(
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    unpaid_for: timedelta,
    now: datetime | None = None,
) -> int:
    """Cancel orders still ``created`` ``unpaid_for`` after they were placed (failed
    payments do not restart the clock), releasing their stock."""
    now = now or utcnow()
    before = now - unpaid_for
    cancelled = 0
    for order_id in await _overdue(unit_of_work, OrderStatus.CREATED, before, by_creation=True):
        cancelled += await _change_if_still(
            order_id,
            lambda order: order.cancel(actor=Actor.SYSTEM, at=now, reason=PAYMENT_TIMEOUT),
            unit_of_work=unit_of_work,
            catalog=catalog,
            status=OrderStatus.CREATED,
            before=before,
            now=now,
            by_creation=True,
        )
    return cancelled


async def deliver_paid(
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    after: timedelta,
    now: datetime | None = None,
) -> int:
    """The demo mode: deliver orders paid longer than ``after`` ago."""
    now = now or utcnow()
    before = now - after
    delivered = 0
    for order_id in await _overdue(unit_of_work, OrderStatus.PAID, before):
        delivered += await _change_if_still(
            order_id,
            lambda order: order.deliver(actor=Actor.SYSTEM, at=now, reason=AUTO_DELIVERED),
            unit_of_work=unit_of_work,
            catalog=catalog,
            status=OrderStatus.PAID,
            before=before,
            now=now,
        )
    return delivered


async def reconcile(
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    payments_api: Payments,
    after: timedelta,
    limits: Limits,
    now: datetime | None = None,
) -> int:
    """Settle orders in ``processing`` longer than ``after`` from payments' own records:
    a payment that succeeded pays the order, failed ones send it back to ``created``, one
    still in flight leaves it be. Returns how many orders left ``processing``."""
    now = now or utcnow()
    before = now - after
    settled = 0
    for order_id in await _overdue(unit_of_work, OrderStatus.PROCESSING, before):
        try:
            records = await payments_api.payments_of(order_id)
        except PaymentsUnavailable as error:
            log.warning("reconciliation postponed, payments did not answer: %s", error)
            break
        settled += await _settle(
            order_id,
            records,
            unit_of_work=unit_of_work,
            catalog=catalog,
            before=before,
            limits=limits,
            now=now,
        )
    return settled


async def _settle(
    order_id: uuid.UUID,
    records: list[PaymentRecord],
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    before: datetime,
    limits: Limits,
    now: datetime,
) -> bool:
    async with unit_of_work() as uow:
        order = await uow.orders.lock(order_id)
        if (
            order is None
            or order.status is not OrderStatus.PROCESSING
            or order.status_changed_at >= before
        ):
            return False
        for record in settle_order(records):
            await payments.apply(
                uow,
                unit_of_work=unit_of_work,
                catalog=catalog,
                order_id=order_id,
                payment_id=uuid.UUID(record.payment_id),
                news=record.outcome,
                at=now,
                limits=limits,
                reason=record.reason,
                now=now,
            )
        if order.status is OrderStatus.PROCESSING and nothing_in_flight(records):
            failures = [r.reason for r in records if r.outcome is PaymentOutcome.FAILED]
            reason = next((r for r in reversed(failures) if r), None) or PAYMENT_NOT_FOUND
            order.reopen(reason=reason, at=now)
            await payments.close_if_spent(uow, order, limits, at=now, now=now)
            await stock.owe(uow, order, at=now, unit_of_work=unit_of_work, catalog=catalog)
        settled = order.status is not OrderStatus.PROCESSING
        await uow.commit()
    return settled


@dataclass(frozen=True, slots=True)
class SweepSettings:
    interval: timedelta
    limits: Limits
    reconcile_after: timedelta
    auto_deliver_after: timedelta | None


class Sweeper:
    """Runs ``sweep_once`` every ``interval`` in the background while the service runs."""

    def __init__(
        self,
        *,
        unit_of_work: UnitOfWorkFactory,
        catalog: Catalog,
        payments_api: Payments,
        keys: IdempotencyKeys,
        settings: SweepSettings,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.catalog = catalog
        self.payments_api = payments_api
        self.keys = keys
        self.settings = settings
        self._timer = Periodic(
            self.sweep_once, interval=settings.interval, name="orders-sweeper", run_first=False
        )

    async def sweep_once(self, now: datetime | None = None) -> None:
        """One pass of every sweep; one failing does not keep the others from running."""
        now = now or utcnow()
        common = {"unit_of_work": self.unit_of_work, "catalog": self.catalog}
        sweeps: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            (
                "unpaid timeout",
                lambda: cancel_unpaid(
                    **common, unpaid_for=self.settings.limits.unpaid_timeout, now=now
                ),
            ),
            (
                "reconciliation",
                lambda: reconcile(
                    **common,
                    payments_api=self.payments_api,
                    after=self.settings.reconcile_after,
                    limits=self.settings.limits,
                    now=now,
                ),
            ),
            ("stock calls", lambda: stock.run_due(**common, now=now)),
            ("idempotency keys", lambda: self.keys.prune(now=now)),
        ]
        if self.settings.auto_deliver_after is not None:
            after = self.settings.auto_deliver_after
            sweeps.append(("auto delivery", lambda: deliver_paid(**common, after=after, now=now)))
        for name, sweep in sweeps:
            try:
                await sweep()
            except InvalidTransition:
                continue  # lost a race to a request or an event: nothing to do
            except Exception:
                log.exception("the %s sweep failed; it runs again next time", name)

    def start(self) -> None:
        self._timer.start()

    async def stop(self) -> None:
        await self._timer.stop()
