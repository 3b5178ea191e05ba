"""Reading and writing payments. Repositories never commit: the unit of work does."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_platform.db import dialect_insert
from payments_service.adapters.orm import CancelledOrder, Payment


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    user_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    status: str | None = None

    def apply(self, query: Select) -> Select:  # type: ignore[type-arg]
        if self.user_id is not None:
            query = query.where(Payment.user_id == self.user_id)
        if self.order_id is not None:
            query = query.where(Payment.order_id == self.order_id)
        if self.status is not None:
            query = query.where(Payment.status == self.status)
        return query


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, payment: Payment) -> None:
        self.session.add(payment)

    async def get(self, payment_id: uuid.UUID) -> Payment | None:
        return await self.session.get(Payment, payment_id)

    async def lock(self, payment_id: uuid.UUID) -> Payment | None:
        # PostgreSQL: row lock. SQLite ignores it; its transactions take the write lock at
        # BEGIN (see ``marketplace_platform.db``).
        return await self.session.scalar(
            select(Payment).where(Payment.id == payment_id).with_for_update()
        )

    async def of_order(self, order_id: uuid.UUID, *, lock: bool = False) -> Sequence[Payment]:
        """The order's payments, first try first."""
        query = select(Payment).where(Payment.order_id == order_id).order_by(Payment.attempt)
        if lock:
            query = query.with_for_update()
        return (await self.session.scalars(query)).all()

    async def of_orders(self, order_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Payment]]:
        """The payments of each order, first try first, in one query."""
        ids = set(order_ids)
        found: dict[uuid.UUID, list[Payment]] = defaultdict(list)
        if ids:
            query = (
                select(Payment)
                .where(Payment.order_id.in_(ids))
                .order_by(Payment.order_id, Payment.attempt)
            )
            for payment in (await self.session.scalars(query)).all():
                found[payment.order_id].append(payment)
        return dict(found)

    async def page(
        self, *, where: PaymentFilter, limit: int, before: uuid.UUID | None
    ) -> Sequence[Payment]:
        """Newest first (ids are UUIDv7: time-ordered), after the cursor's id."""
        query = where.apply(select(Payment)).order_by(Payment.id.desc()).limit(limit)
        if before is not None:
            query = query.where(Payment.id < before)
        return (await self.session.scalars(query)).all()

    async def count(self, *, where: PaymentFilter) -> int:
        return int(await self.session.scalar(where.apply(select(func.count(Payment.id)))) or 0)

    async def stale_pending(self, *, older_than: datetime, limit: int) -> Sequence[uuid.UUID]:
        """Pending payments started before ``older_than``."""
        query = (
            select(Payment.id)
            .where(Payment.status == "pending", Payment.updated_at < older_than)
            .order_by(Payment.updated_at)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()


class CancelledOrderRepository:
    """The orders payments has heard are cancelled (see ``orm.CancelledOrder``)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, order_id: uuid.UUID, *, at: datetime) -> None:
        """Record the cancellation; hearing it again (two events, a replay) changes nothing."""
        await self.session.execute(
            dialect_insert(self.session)(CancelledOrder)
            .values(order_id=order_id, cancelled_at=at)
            .on_conflict_do_nothing(index_elements=["order_id"])
        )

    async def contains(self, order_id: uuid.UUID) -> bool:
        return await self.session.get(CancelledOrder, order_id) is not None

    async def open(
        self, *, limit: int, after: tuple[datetime, uuid.UUID] | None = None
    ) -> Sequence[CancelledOrder]:
        """Cancellations not closed yet, oldest first, after the keyset cursor ``after``."""
        query = (
            select(CancelledOrder)
            .where(CancelledOrder.closed_at.is_(None))
            .order_by(CancelledOrder.cancelled_at, CancelledOrder.order_id)
            .limit(limit)
        )
        if after is not None:
            at, order_id = after
            query = query.where(
                (CancelledOrder.cancelled_at > at)
                | ((CancelledOrder.cancelled_at == at) & (CancelledOrder.order_id > order_id))
            )
        return (await self.session.scalars(query)).all()

    async def close(self, order_id: uuid.UUID, *, at: datetime) -> None:
        await self.session.execute(
            update(CancelledOrder)
            .where(CancelledOrder.order_id == order_id, CancelledOrder.closed_at.is_(None))
            .values(closed_at=at)
        )
