"""Repositories of the analytics service's facts, projections and rollups. They never
commit (the unit of work does).

Rollups change only by ``add``: ``INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x``,
one statement, so concurrent transactions adding to one row never lose an update on either
engine. Facts are read ``FOR UPDATE`` (PostgreSQL; SQLite has one writer anyway): two
events of one order, or an order's line and its product's move to another category, are
applied one after the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics_service.adapters.orm import (
    PRODUCT_FIGURES,
    UNKNOWN_CATEGORY,
    active_counts,
    active_users,
    category_days,
    order_lines,
    orders,
    product_days,
    products,
    reviews,
    users,
)
from analytics_service.domain.facts import Figures, Line, OrderFact, ReviewFact
from analytics_service.domain.periods import Granularity, start_of
from marketplace_platform.db import UTCDateTime, dialect_insert


class Rollups:
    """Additions to rollup rows, gathered during the transaction and written at its end
    (``flush``, called by the unit of work's commit): one statement per row however many
    events of the transaction touched it, and rows always written in the same order (by
    table, then key), so two transactions never wait for each other's rows in a circle."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._pending: dict[tuple[str, tuple[tuple[str, Any], ...]], Figures] = {}
        self._tables: dict[str, Table] = {}

    def add(self, table: Table, key: Mapping[str, Any], figures: Figures) -> None:
        """Add ``figures`` to the row of ``key`` (made if missing), at the flush."""
        if not figures:
            return
        self._tables[table.name] = table
        pending = self._pending.setdefault((table.name, tuple(key.items())), {})
        for name, value in figures.items():
            pending[name] = pending.get(name, 0) + value

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for (name, key), figures in sorted(pending.items(), key=lambda item: item[0]):
            figures = {figure: value for figure, value in figures.items() if value}
            if figures:
                await self._add_now(self._tables[name], dict(key), figures)

    async def _add_now(self, table: Table, key: Mapping[str, Any], figures: Figures) -> None:
        insert = dialect_insert(self.session)(table).values(**key, **figures)
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=list(key),
                set_={name: table.c[name] + insert.excluded[name] for name in figures},
            )
        )

    async def move_product(self, product_id: uuid.UUID, old: uuid.UUID, new: uuid.UUID) -> None:
        """The product now belongs to ``new``: its daily figures leave ``old``'s rows for
        ``new``'s, so a category's rows stay the sum of its products' rows."""
        await self.flush()
        rows = (
            await self.session.execute(
                select(product_days).where(product_days.c.product_id == product_id)
            )
        ).mappings()
        for row in rows.all():
            figures = {name: row[name] for name in PRODUCT_FIGURES if row[name]}
            self.add(category_days, {"category_id": new, "day": row["day"]}, figures)
            self.add(
                category_days,
                {"category_id": old, "day": row["day"]},
                {name: -value for name, value in figures.items()},
            )


class ProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def learn(
        self, product_id: uuid.UUID, *, category_id: uuid.UUID, title: str | None, as_of: datetime
    ) -> uuid.UUID | None:
        """Keep what the newest catalog event says; the category it had before if this
        moved it to another, else None."""
        current = await self._locked(product_id)
        if current.as_of is not None and current.as_of >= as_of:
            return None
        await self.session.execute(
            update(products)
            .where(products.c.product_id == product_id)
            .values(category_id=category_id, title=title or current.title, as_of=as_of)
        )
        return current.category_id if current.category_id != category_id else None

    async def categories_of(self, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Each product's category, its row held against a move until the commit (in id
        order, so two transactions never wait for each other in a circle)."""
        found: dict[uuid.UUID, uuid.UUID] = {}
        for product_id in sorted(set(product_ids)):
            found[product_id] = (await self._locked(product_id)).category_id
        return found

    async def _locked(self, product_id: uuid.UUID) -> Any:
        await self.session.execute(
            dialect_insert(self.session)(products)
            .values(product_id=product_id, category_id=UNKNOWN_CATEGORY)
            .on_conflict_do_nothing()
        )
        query = select(products).where(products.c.product_id == product_id).with_for_update()
        return (await self.session.execute(query)).one()


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: uuid.UUID) -> OrderFact:
        """The order's fact as events told it so far (an empty one if none did), held
        until the commit."""
        insert = dialect_insert(self.session)(orders).values(
            order_id=order_id, total=0, paid=False, cancelled=False, refunded=0, failed_payments=0
        )
        await self.session.execute(insert.on_conflict_do_nothing())
        query = select(orders).where(orders.c.order_id == order_id).with_for_update()
        row = (await self.session.execute(query)).mappings().one()
        lines = (
            await self.session.execute(
                select(order_lines)
                .where(order_lines.c.order_id == order_id)
                .order_by(order_lines.c.product_id)
            )
        ).mappings()
        return OrderFact(
            order_id=order_id,
            user_id=row["user_id"],
            placed_at=row["placed_at"],
            total=row["total"],
            lines=tuple(
                Line(line["product_id"], line["quantity"], line["unit_price"])
                for line in lines.all()
            ),
            paid=row["paid"],
            cancelled=row["cancelled"],
            refunded=row["refunded"],
            failed_payments=row["failed_payments"],
        )

    async def save(self, before: OrderFact, after: OrderFact) -> None:
        await self.session.execute(
            update(orders)
            .where(orders.c.order_id == after.order_id)
            .values(
                user_id=after.user_id,
                placed_at=after.placed_at,
                total=after.total,
                paid=after.paid,
                cancelled=after.cancelled,
                refunded=after.refunded,
                failed_payments=after.failed_payments,
            )
        )
        if after.lines and not before.lines:
            await self.session.execute(
                order_lines.insert(),
                [
                    {
                        "order_id": after.order_id,
                        "product_id": line.product_id,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                    }
                    for line in after.lines
                ],
            )


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, review_id: uuid.UUID, product_id: uuid.UUID) -> ReviewFact:
        insert = dialect_insert(self.session)(reviews).values(
            review_id=review_id, product_id=product_id, rating=0, deleted=False, hidden=False
        )
        await self.session.execute(insert.on_conflict_do_nothing())
        query = select(reviews).where(reviews.c.review_id == review_id).with_for_update()
        row = (await self.session.execute(query)).mappings().one()
        return ReviewFact(**row)

    async def save(self, fact: ReviewFact) -> None:
        values = {
            "created_at": fact.created_at,
            "rating": fact.rating,
            "rating_as_of": fact.rating_as_of,
            "deleted": fact.deleted,
            "hidden": fact.hidden,
            "hidden_as_of": fact.hidden_as_of,
        }
        await self.session.execute(
            update(reviews).where(reviews.c.review_id == fact.review_id).values(**values)
        )


class UserRepository:
    def __init__(self, session: AsyncSession, rollups: Rollups) -> None:
        self.session = session
        self._rollups = rollups

    def add(self, user_id: uuid.UUID, figures: Figures) -> None:
        self._rollups.add(users, {"user_id": user_id}, figures)

    async def first_paid(self, user_id: uuid.UUID) -> tuple[datetime, uuid.UUID] | None:
        """The buyer's first paid order, the row held until the commit."""
        await self._ensure(user_id)
        query = (
            select(users.c.first_paid_at, users.c.first_paid_order)
            .where(users.c.user_id == user_id)
            .with_for_update()
        )
        at, order_id = (await self.session.execute(query)).one()
        return None if at is None else (at, order_id)

    async def set_first_paid(self, user_id: uuid.UUID, key: tuple[datetime, uuid.UUID]) -> None:
        await self.session.execute(
            update(users)
            .where(users.c.user_id == user_id)
            .values(first_paid_at=key[0], first_paid_order=key[1])
        )

    async def saw(
        self,
        user_id: uuid.UUID,
        at: datetime,
        *,
        registered: bool = False,
        placed_order: bool = False,
    ) -> None:
        """The user did something at ``at``: the newest such time is their last activity."""
        await self._ensure(user_id)
        column = users.c.last_active
        values: dict[str, Any] = {
            "last_active": func.coalesce(
                _greatest(self.session, column, at), literal(at, UTCDateTime())
            )
        }
        if registered:
            values["registered_at"] = at
        if placed_order:
            values["first_order_at"] = func.coalesce(
                _least(self.session, users.c.first_order_at, at), literal(at, UTCDateTime())
            )
        await self.session.execute(update(users).where(users.c.user_id == user_id).values(**values))

    async def _ensure(self, user_id: uuid.UUID) -> None:
        await self.session.execute(
            dialect_insert(self.session)(users).values(user_id=user_id).on_conflict_do_nothing()
        )


def _greatest(session: AsyncSession, column: Any, at: datetime) -> Any:
    value = literal(at, UTCDateTime())
    # SQLite spells GREATEST as a two-argument max(); both ignore nothing but NULL differently,
    # hence the coalesce around it.
    if session.get_bind().dialect.name == "sqlite":
        return func.max(column, value)
    return func.greatest(column, value)


def _least(session: AsyncSession, column: Any, at: datetime) -> Any:
    value = literal(at, UTCDateTime())
    if session.get_bind().dialect.name == "sqlite":
        return func.min(column, value)
    return func.least(column, value)


class ActivityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark(self, user_id: uuid.UUID, day: date) -> None:
        """The user was active on ``day``: counted once per day, week and month."""
        for granularity in Granularity:
            period = start_of(day, granularity)
            inserted = await self.session.execute(
                dialect_insert(self.session)(active_users)
                .values(granularity=granularity.value, period=period, user_id=user_id)
                .on_conflict_do_nothing()
            )
            if inserted.rowcount == 1:  # type: ignore[attr-defined]
                insert = dialect_insert(self.session)(active_counts).values(
                    granularity=granularity.value, period=period, users=1
                )
                await self.session.execute(
                    insert.on_conflict_do_update(
                        index_elements=["granularity", "period"],
                        set_={"users": active_counts.c.users + 1},
                    )
                )


async def delete_all(session: AsyncSession, tables: Sequence[Table]) -> None:
    for table in tables:
        await session.execute(delete(table))
