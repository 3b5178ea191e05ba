"""Queries on the orders service's tables. Repositories add, find and change rows in the
session they are given; they never commit (the unit of work does)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orders_service.adapters.orm import Order, OrderItem, OrderPayment, StockAction
from orders_service.domain.payments import PaymentOutcome
from orders_service.domain.status_machine import UNPAID


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order)

    async def get(self, order_id: uuid.UUID) -> Order | None:
        return await self.session.get(Order, order_id)

    async def lock(self, order_id: uuid.UUID) -> Order | None:
        """The order, its row locked for this transaction (PostgreSQL; SQLite's transactions
        take the write lock up front), freshly read: concurrent transitions queue here and
        each sees the status the previous one left."""
        query = (
            select(Order)
            .where(Order.id == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return await self.session.scalar(query)

    async def get_page(
        self,
        *,
        user_id: uuid.UUID | None,
        status: str | None,
        before: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Order]:
        """Newest first (ids are time-ordered), ``limit`` rows after the cursor ``before``."""
        query = select(Order).order_by(Order.id.desc()).limit(limit)
        if user_id is not None:
            query = query.where(Order.user_id == user_id)
        if status is not None:
            query = query.where(Order.status == status)
        if before is not None:
            query = query.where(Order.id < before)
        return (await self.session.scalars(query)).all()

    async def ids_in_status_since(
        self, status: str, *, before: datetime, limit: int, by_creation: bool = False
    ) -> list[uuid.UUID]:
        """Orders that have been in ``status`` since before ``before`` (or, ``by_creation``,
        in ``status`` and placed before ``before``), oldest first."""
        since = Order.created_at if by_creation else Order.status_changed_at
        query = (
            select(Order.id)
            .where(Order.status == status, since < before)
            .order_by(since)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def unpaid_holdings(self, user_id: uuid.UUID) -> tuple[int, int]:
        """The user's unpaid orders and the units they hold, in one query."""
        unpaid = (Order.user_id == user_id) & Order.status.in_([s.value for s in UNPAID])
        units = (
            select(func.coalesce(func.sum(OrderItem.quantity), 0))
            .join(Order, Order.id == OrderItem.order_id)
            .where(unpaid)
            .scalar_subquery()
        )
        row = (await self.session.execute(select(func.count(), units).where(unpaid))).one()
        return int(row[0] or 0), int(row[1] or 0)

    async def lock_user(self, user_id: uuid.UUID) -> None:
        """Make this transaction the only one placing an order for ``user_id`` until it ends,
        so that counting the user's open orders and adding one cannot interleave. PostgreSQL:
        a transaction-level advisory lock on the user id; SQLite's write transactions are one
        at a time already."""
        if self.session.bind.dialect.name == "postgresql":
            key = int.from_bytes(user_id.bytes[:8], "big", signed=True)
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, payment_id: uuid.UUID) -> OrderPayment | None:
        return await self.session.get(OrderPayment, payment_id)

    def add(self, payment: OrderPayment) -> None:
        self.session.add(payment)

    async def count_failed(self, order_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            OrderPayment.order_id == order_id,
            OrderPayment.outcome == PaymentOutcome.FAILED.value,
        )
        return int(await self.session.scalar(query) or 0)


class StockActionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, reservation_id: uuid.UUID) -> StockAction | None:
        return await self.session.get(StockAction, reservation_id)

    def add(self, action: StockAction) -> None:
        self.session.add(action)

    async def due(self, *, now: datetime, limit: int) -> Sequence[StockAction]:
        query = (
            select(StockAction)
            .where(StockAction.due_at <= now)
            .order_by(StockAction.due_at)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()
