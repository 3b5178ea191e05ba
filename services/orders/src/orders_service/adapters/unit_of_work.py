"""The orders service's unit of work: one transaction, and the only door to the service's
state. Use cases reach the repositories through it (``uow.orders``, ``uow.payments``,
``uow.stock_calls``); it writes the events the orders it tracked recorded to the outbox,
commits, and then runs the after-commit actions (the stock calls a decision owes, tried at
once). The runtime makes it: ``runtime.unit_of_work(OrdersUnitOfWork)``."""

from __future__ import annotations

from typing import Any

from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.events.unit_of_work import UnitOfWorkFactory as PlatformUnitOfWorkFactory
from marketplace_platform.idempotency import Claim, KeyedRequest, Replay
from orders_service.adapters.repositories import (
    KnownPaymentRepository,
    OrderRepository,
    StockCallRepository,
)


class OrdersUnitOfWork(UnitOfWork):
    orders: OrderRepository
    payments: KnownPaymentRepository
    stock_calls: StockCallRepository

    def open(self) -> None:
        self.orders = OrderRepository(self.session, track=self.track)
        self.payments = KnownPaymentRepository(self.session)
        self.stock_calls = StockCallRepository(self.session)

    async def _commit(self) -> None:
        # What the repositories write themselves, by Core statements, before the platform
        # writes the outbox and commits.
        await self.orders.write_new()
        await self.orders.write_changes()
        await self.payments.write_changes()
        await self.stock_calls.write_new()
        await super()._commit()

    async def claim_key(self, keyed: KeyedRequest) -> Claim | Replay:
        """Claim an idempotency key in this transaction (``IdempotencyKeys.begin_in``): the
        claim commits with what this transaction writes, or not at all."""
        return await keyed.keys.begin_in(
            self.session, scope=keyed.scope, key=keyed.key, fingerprint=keyed.fingerprint
        )

    async def keep_answer(
        self, keyed: KeyedRequest, claim: Claim, *, status: int, body: Any
    ) -> None:
        """Store an idempotency key's answer in this transaction: it is kept if and only if
        what it answers is."""
        await keyed.keys.complete(self.session, claim, status=status, body=body)


UnitOfWorkFactory = PlatformUnitOfWorkFactory[OrdersUnitOfWork]
