"""Reading and writing payments. Repositories never commit: the unit of work does.

They live on the unit of work (``uow.payments``, ``uow.cancelled_orders``)
and hand out the domain's own classes, which ``adapters.orm`` maps. Every payment they load
or add is *tracked*: the events it records go out with the commit.

The statements of every payment (an order's payments, a payment's lock, the cancellation
look-up) are built once and run with parameters: SQLAlchemy then finds their compiled form in
its cache without building and hashing a statement per call.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_platform.db import dialect_insert
from payments_service.adapters.orm import cancelled_orders, payments
from payments_service.domain.payments import Payment, PaymentStatus
from payments_service.domain.refunds import CancelledOrder

Track = Callable[[Payment], Payment]

_OF_ORDER = (
    select(Payment)
    .where(payments.c.order_id == bindparam("order_id"))
    .order_by(payments.c.attempt)
)
_OF_ORDER_LOCKED = _OF_ORDER.with_for_update()
_LOCK = select(Payment).where(payments.c.id == bindparam("payment_id")).with_for_update()
_CANCELLED = select(cancelled_orders.c.order_id).where(
    cancelled_orders.c.order_id == bindparam("order_id")
)


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    user_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    status: PaymentStatus | None = None

    def apply(self, query: Select) -> Select:  # type: ignore[type-arg]
        if self.user_id is not None:
            query = query.where(payments.c.user_id == self.user_id)
        if self.order_id is not None:
            query = query.where(payments.c.order_id == self.order_id)
        if self.status is not None:
            query = query.where(payments.c.status == self.status)
        return query


class PaymentRepository:
    def __init__(self, session: AsyncSession, *, track: Track) -> None:
        self.session = session
        self._track = track

    def add(self, payment: Payment) -> None:
        self.session.add(self._track(payment))

    async def get(self, payment_id: uuid.UUID) -> Payment | None:
        payment = await self.session.get(Payment, payment_id)
        return self._track(payment) if payment is not None else None

    async def lock(self, payment_id: uuid.UUID) -> Payment | None:
        # PostgreSQL: row lock. SQLite ignores it; its transactions take the write lock at
        # BEGIN (see ``marketplace_platform.db``).
        payment = await self.session.scalar(_LOCK, {"payment_id": payment_id})
        return self._track(payment) if payment is not None else None

    async def of_order(self, order_id: uuid.UUID, *, lock: bool = False) -> list[Payment]:
        """The order's payments, first try first."""
        query = _OF_ORDER_LOCKED if lock else _OF_ORDER
        return self._tracked(await self.session.scalars(query, {"order_id": order_id}))

    async def of_orders(self, order_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Payment]]:
        """The payments of each order, first try first, in one query."""
        ids = set(order_ids)
        found: dict[uuid.UUID, list[Payment]] = defaultdict(list)
        if ids:
            query = (
                select(Payment)
                .where(payments.c.order_id.in_(ids))
                .order_by(payments.c.order_id, payments.c.attempt)
            )
            for payment in self._tracked(await self.session.scalars(query)):
                found[payment.order_id].append(payment)
        return dict(found)

    async def page(
        self, *, where: PaymentFilter, limit: int, before: uuid.UUID | None
    ) -> list[Payment]:
        """Newest first (ids are UUIDv7: time-ordered), after the cursor's id."""
        query = where.apply(select(Payment)).order_by(payments.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(payments.c.id < before)
        return self._tracked(await self.session.scalars(query))

    async def count(self, *, where: PaymentFilter) -> int:
        return int(await self.session.scalar(where.apply(select(func.count(payments.c.id)))) or 0)

    async def stale_pending(self, *, older_than: datetime, limit: int) -> Sequence[uuid.UUID]:
        """The ids of pending payments last changed before ``older_than``, oldest first."""
        query = (
            select(payments.c.id)
            .where(payments.c.status == PaymentStatus.PENDING, payments.c.updated_at < older_than)
            .order_by(payments.c.updated_at)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    def _tracked(self, found: Iterable[Payment]) -> list[Payment]:
        return [self._track(payment) for payment in found]


class CancelledOrderRepository:
    """The orders payments has heard are cancelled (see ``domain.refunds``)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, order_id: uuid.UUID, *, at: datetime) -> None:
        """Record the cancellation; hearing it again (two events, a replay) changes nothing."""
        await self.session.execute(
            dialect_insert(self.session)(cancelled_orders)
            .values(order_id=order_id, cancelled_at=at)
            .on_conflict_do_nothing(index_elements=["order_id"])
        )

    async def get(self, order_id: uuid.UUID) -> CancelledOrder | None:
        return await self.session.get(CancelledOrder, order_id)

    async def contains(self, order_id: uuid.UUID) -> bool:
        return await self.session.scalar(_CANCELLED, {"order_id": order_id}) is not None

    async def open(
        self, *, limit: int, after: tuple[datetime, uuid.UUID] | None = None
    ) -> Sequence[CancelledOrder]:
        """Cancellations not closed yet, oldest first, after the keyset cursor ``after``."""
        table = cancelled_orders.c
        query = (
            select(CancelledOrder)
            .where(table.closed_at.is_(None))
            .order_by(table.cancelled_at, table.order_id)
            .limit(limit)
        )
        if after is not None:
            at, order_id = after
            query = query.where(
                (table.cancelled_at > at)
                | ((table.cancelled_at == at) & (table.order_id > order_id))
            )
        return (await self.session.scalars(query)).all()
