"""Queries on the orders service's tables. Repositories add, find and change rows in the
session they are given; they never commit (the unit of work does)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orders_service.adapters.orm import Order, OrderPayment, StockAction


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
        self, status: str, *, before: datetime, limit: int
    ) -> list[uuid.UUID]:
        """Orders that have been in ``status`` since before ``before``, oldest first."""
        query = (
            select(Order.id)
            .where(Order.status == status, Order.status_changed_at < before)
            .order_by(Order.status_changed_at)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, payment_id: uuid.UUID) -> OrderPayment | None:
        return await self.session.get(OrderPayment, payment_id)

    def add(self, payment: OrderPayment) -> None:
        self.session.add(payment)


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
