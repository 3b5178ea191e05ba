"""Repositories of the analytics service's facts, projections and rollups. They never
commit (the unit of work does).

Rollups change only by ``add``: ``INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x``,
one statement, so concurrent transactions adding to one row never lose an update on either
engine.

Statements that write many rows are built once per engine's dialect
(``marketplace_platform.db.dialect_statement``) and executed with a list of rows (the driver's
executemany, or SQLAlchemy's "insertmanyvalues" for those that return rows): their shape
never depends on how many rows a batch has, so SQLAlchemy compiles each once and takes it
from its cache after that, where a multi-row ``VALUES`` was compiled anew for every batch (a
third of the consumer's CPU).

Facts are read ``FOR UPDATE`` (PostgreSQL; SQLite has one writer anyway): two events of one
order, or an order's line and its product's move to another category, are applied one after
the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics_service.adapters.orm import (
    PRODUCT_FIGURES,
    SALES_FIGURES,
    UNKNOWN_CATEGORY,
    USER_FIGURES,
    active_counts,
    active_users,
    category_days,
    order_lines,
    orders,
    product_days,
    product_months,
    product_totals,
    product_weeks,
    products,
    reviews,
    sales_days,
    users,
)
from analytics_service.domain.facts import Figures, Line, OrderFact, ReviewFact
from analytics_service.domain.periods import Granularity, start_of
from marketplace_platform.db import dialect_insert, dialect_statement

# Each rollup table's figures: a flush writes all of them (0 for those no event of the batch
# changed), so each table has one statement whatever figures a batch touched.
FIGURES: dict[str, tuple[str, ...]] = {
    sales_days.name: SALES_FIGURES,
    users.name: USER_FIGURES,
    product_days.name: PRODUCT_FIGURES,
    product_weeks.name: PRODUCT_FIGURES,
    product_months.name: PRODUCT_FIGURES,
    product_totals.name: PRODUCT_FIGURES,
    category_days.name: PRODUCT_FIGURES,
    active_counts.name: ("users",),
}


def _upsert_figures(session: AsyncSession, table: Table, attributes: tuple[str, ...]) -> Any:
    """``INSERT INTO table ... ON CONFLICT (key) DO UPDATE SET figure = figure +
    excluded.figure, attribute = excluded.attribute``, for rows of the key, every figure of
    the table and ``attributes``."""

    def build(insert_into: Any) -> Any:
        insert = insert_into(table)
        return insert.on_conflict_do_update(
            index_elements=[column.name for column in table.primary_key.columns],
            set_={
                **{
                    figure: table.c[figure] + insert.excluded[figure]
                    for figure in FIGURES[table.name]
                },
                **{attribute: insert.excluded[attribute] for attribute in attributes},
            },
        )

    return dialect_statement(session, ("figures", table.name, attributes), build)


def _insert_missing(session: AsyncSession, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` into ``table``, for a list of rows."""
    return dialect_statement(
        session, ("missing", table.name), lambda insert: insert(table).on_conflict_do_nothing()
    )


class Rollups:
    """Additions to rollup rows, gathered during the transaction and written at its end
    (``flush``, called by the unit of work's commit): each row once however many events of
    the transaction touched it, one statement per table run with its rows, in key order, so
    two transactions never wait for each other's rows in a circle."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._pending: dict[str, dict[tuple[Any, ...], Figures]] = {}
        self._attributes: dict[str, dict[tuple[Any, ...], Mapping[str, Any]]] = {}
        self._tables: dict[str, Table] = {}

    def add(
        self,
        table: Table,
        key: Mapping[str, Any],
        figures: Figures,
        *,
        attributes: Mapping[str, Any] | None = None,
    ) -> None:
        """Add ``figures`` to the row of ``key`` (made if missing), at the flush; the row's
        ``attributes`` (a product's category: the same in every call for a table) are set
        to the values given."""
        if not figures:
            return
        self._tables[table.name] = table
        row_key = tuple(key.values())
        pending = self._pending.setdefault(table.name, {}).setdefault(row_key, {})
        for name, value in figures.items():
            pending[name] = pending.get(name, 0) + value
        if attributes:
            self._attributes.setdefault(table.name, {})[row_key] = attributes

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        attributes, self._attributes = self._attributes, {}
        for name in sorted(pending):
            table = self._tables[name]
            keys = [column.name for column in table.primary_key.columns]
            names = FIGURES[name]
            attributes_of = attributes.get(name, {})
            kept = tuple(sorted({attribute for row in attributes_of.values() for attribute in row}))
            rows = [
                {
                    **dict(zip(keys, key, strict=True)),
                    **{figure: figures.get(figure, 0) for figure in names},
                    **attributes_of.get(key, {}),
                }
                for key, figures in sorted(pending[name].items())
                if any(figures.values())
            ]
            if rows:
                await self.session.execute(_upsert_figures(self.session, table, kept), rows)

    async def move_product(self, product_id: uuid.UUID, old: uuid.UUID, new: uuid.UUID) -> None:
        """The product now belongs to ``new``: its daily figures leave ``old``'s rows for
        ``new``'s, so a category's rows stay the sum of its products' rows, and its weekly,
        monthly and total rows are marked ``new``'s (found by their product index)."""
        await self.flush()
        for table in (product_weeks, product_months, product_totals):
            await self.session.execute(
                update(table).where(table.c.product_id == product_id).values(category_id=new)
            )
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
        self._held: dict[uuid.UUID, uuid.UUID] = {}  # locked in this transaction: category

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
        self._held[product_id] = category_id
        return current.category_id if current.category_id != category_id else None

    async def categories_of(self, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Each product's category, its row held against a move until the commit (rows made
        for products no catalog event has named yet, locked in id order, so two
        transactions never wait for each other in a circle)."""
        wanted = set(product_ids)
        missing = sorted(wanted - self._held.keys())
        if missing:
            await self.session.execute(
                _insert_missing(self.session, products),
                [{"product_id": p, "category_id": UNKNOWN_CATEGORY} for p in missing],
            )
            query = (
                select(products.c.product_id, products.c.category_id)
                .where(products.c.product_id.in_(missing))
                .order_by(products.c.product_id)
                .with_for_update()
            )
            self._held.update({row[0]: row[1] for row in await self.session.execute(query)})
        return {product_id: self._held[product_id] for product_id in wanted}

    async def _locked(self, product_id: uuid.UUID) -> Any:
        await self.categories_of([product_id])
        query = select(products).where(products.c.product_id == product_id)
        return (await self.session.execute(query)).one()


class ConcurrentFact(RuntimeError):
    """Another transaction stored this fact first: the event is applied again (and then
    finds it)."""


_ORDER_READ = (
    select(
        orders,
        order_lines.c.product_id.label("line_product"),
        order_lines.c.quantity,
        order_lines.c.unit_price,
    )
    .outerjoin(order_lines, order_lines.c.order_id == orders.c.order_id)
    .with_for_update(of=orders)
)
_ORDER_UPDATE = update(orders).where(orders.c.order_id == bindparam("the_order"))
_FIRST_PAID_UPDATE = update(users).where(users.c.user_id == bindparam("the_user"))


class OrderRepository:
    """Order facts: read (rows held) in one statement per batch, written at the flush: the
    new ones in one statement, the changed ones in another, the new lines in a third,
    however many events of the transaction changed them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Facts read (or stored) in this transaction, their rows held; those missing from
        # the table are in ``_new`` until stored.
        self._facts: dict[uuid.UUID, OrderFact] = {}
        self._new: set[uuid.UUID] = set()
        # Written at the flush: the facts changed, and the orders whose lines are new.
        self._changed: set[uuid.UUID] = set()
        self._lines_new: set[uuid.UUID] = set()

    async def load(self, order_ids: Iterable[uuid.UUID]) -> None:
        """Read the facts of these orders in one statement (a batch's, before its events)."""
        wanted = sorted(set(order_ids) - self._facts.keys())
        if not wanted:
            return
        query = _ORDER_READ.where(orders.c.order_id.in_(wanted)).order_by(orders.c.order_id)
        rows: dict[uuid.UUID, list[Any]] = {}
        for row in await self.session.execute(query):
            rows.setdefault(row.order_id, []).append(row)
        for order_id in wanted:
            if order_id in rows:
                self._facts[order_id] = _order_fact(order_id, rows[order_id])
            else:
                self._facts[order_id] = OrderFact(order_id)
                self._new.add(order_id)

    def loaded(self) -> list[OrderFact]:
        return list(self._facts.values())

    async def get(self, order_id: uuid.UUID) -> OrderFact:
        """The order's fact as events told it so far (an empty one if none did), its row
        held until the commit."""
        if order_id not in self._facts:
            await self.load([order_id])
        return self._facts[order_id]

    async def save(self, before: OrderFact, after: OrderFact) -> None:
        """Keep ``after`` as the order's fact: written at the flush."""
        self._facts[after.order_id] = after
        self._changed.add(after.order_id)
        if after.lines and not before.lines:
            self._lines_new.add(after.order_id)

    async def flush(self) -> None:
        """Write the facts changed in this transaction. ``ConcurrentFact`` if another
        transaction stored one of the new ones first (the transaction is then abandoned and
        its events applied again, one transaction each: they find it)."""
        changed, self._changed = sorted(self._changed), set()
        lines_new, self._lines_new = sorted(self._lines_new), set()
        new = [order_id for order_id in changed if order_id in self._new]
        self._new.difference_update(new)
        if new:
            stored = await self.session.execute(
                dialect_statement(
                    self.session,
                    ("orders-new",),
                    lambda insert: (
                        insert(orders).on_conflict_do_nothing().returning(orders.c.order_id)
                    ),
                ),
                [{"order_id": order_id, **_order_row(self._facts[order_id])} for order_id in new],
            )
            missing = set(new) - set(stored.scalars())
            if missing:
                raise ConcurrentFact(f"orders {sorted(missing)} were stored meanwhile")
        updated = [
            {"the_order": order_id, **_order_row(self._facts[order_id])}
            for order_id in changed
            if order_id not in new
        ]
        if updated:
            await self.session.execute(_ORDER_UPDATE, updated)
        lines = [
            {
                "order_id": order_id,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for order_id in lines_new
            for line in self._facts[order_id].lines
        ]
        if lines:
            await self.session.execute(order_lines.insert(), lines)


def _order_row(fact: OrderFact) -> dict[str, Any]:
    """The columns of an order's fact but its id."""
    return {
        "user_id": fact.user_id,
        "placed_at": fact.placed_at,
        "total": fact.total,
        "paid": fact.paid,
        "cancelled": fact.cancelled,
        "refunded": fact.refunded,
        "failed_payments": fact.failed_payments,
    }


def _order_fact(order_id: uuid.UUID, rows: list[Any]) -> OrderFact:
    row = rows[0]
    lines = sorted(
        (Line(r.line_product, r.quantity, r.unit_price) for r in rows if r.line_product),
        key=lambda line: line.product_id,
    )
    return OrderFact(
        order_id=order_id,
        user_id=row.user_id,
        placed_at=row.placed_at,
        total=row.total,
        lines=tuple(lines),
        paid=row.paid,
        cancelled=row.cancelled,
        refunded=row.refunded,
        failed_payments=row.failed_payments,
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
        self._touched: dict[uuid.UUID, dict[str, Any]] = {}
        self._buyers: dict[uuid.UUID, tuple[datetime, uuid.UUID] | None] = {}
        # Buyers' new first paid orders, written at the flush.
        self._first_paid_changed: dict[uuid.UUID, tuple[datetime, uuid.UUID]] = {}

    def add(self, user_id: uuid.UUID, figures: Figures) -> None:
        self._rollups.add(users, {"user_id": user_id}, figures)

    async def load_buyers(self, user_ids: Iterable[uuid.UUID]) -> None:
        """Hold these users' rows and read their first paid orders, in two statements (a
        batch's buyers, before its events)."""
        wanted = sorted(set(user_ids) - self._buyers.keys())
        if not wanted:
            return
        await self.session.execute(
            _insert_missing(self.session, users), [{"user_id": user_id} for user_id in wanted]
        )
        query = (
            select(users.c.user_id, users.c.first_paid_at, users.c.first_paid_order)
            .where(users.c.user_id.in_(wanted))
            .order_by(users.c.user_id)
            .with_for_update()
        )
        for user_id, at, order_id in await self.session.execute(query):
            self._buyers[user_id] = None if at is None else (at, order_id)

    async def first_paid(self, user_id: uuid.UUID) -> tuple[datetime, uuid.UUID] | None:
        """The buyer's first paid order, the row held until the commit."""
        if user_id not in self._buyers:
            await self.load_buyers([user_id])
        return self._buyers[user_id]

    async def set_first_paid(self, user_id: uuid.UUID, key: tuple[datetime, uuid.UUID]) -> None:
        """The buyer's first paid order is now ``key``'s (its row, held since
        ``first_paid``, is written at the flush)."""
        self._buyers[user_id] = key
        self._first_paid_changed[user_id] = key

    def saw(
        self,
        user_id: uuid.UUID,
        at: datetime,
        *,
        registered: bool = False,
        placed_order: bool = False,
    ) -> None:
        """The user did something at ``at`` (registered, placed an order): their last
        activity is the newest such time, their first order the oldest; written at the
        flush."""
        touch = self._touched.setdefault(
            user_id, {"last_active": at, "registered_at": None, "first_order_at": None}
        )
        touch["last_active"] = max(touch["last_active"], at)
        if registered:
            touch["registered_at"] = at
        if placed_order:
            first = touch["first_order_at"]
            touch["first_order_at"] = at if first is None else min(first, at)

    async def flush(self) -> None:
        changed, self._first_paid_changed = self._first_paid_changed, {}
        if changed:
            await self.session.execute(
                _FIRST_PAID_UPDATE,
                [
                    {"the_user": user_id, "first_paid_at": at, "first_paid_order": order_id}
                    for user_id, (at, order_id) in sorted(changed.items())
                ],
            )
        touched, self._touched = self._touched, {}
        if not touched:
            return
        rows = [{"user_id": user_id, **touch} for user_id, touch in sorted(touched.items())]
        await self.session.execute(_touch_users(self.session), rows)


def _touch_users(session: AsyncSession) -> Any:
    """The upsert of users' last activity, registration and first order (``saw``)."""

    def build(insert_into: Any) -> Any:
        insert = insert_into(users)
        new = insert.excluded
        return insert.on_conflict_do_update(
            index_elements=["user_id"],
            set_={
                "last_active": _greatest(
                    session,
                    func.coalesce(users.c.last_active, new.last_active),
                    new.last_active,
                ),
                "registered_at": func.coalesce(new.registered_at, users.c.registered_at),
                "first_order_at": _least(
                    session,
                    func.coalesce(users.c.first_order_at, new.first_order_at),
                    func.coalesce(new.first_order_at, users.c.first_order_at),
                ),
            },
        )

    return dialect_statement(session, ("touch", users.name), build)


def _greatest(session: AsyncSession, first: Any, second: Any) -> Any:
    # SQLite spells GREATEST and LEAST as max() and min() of two arguments.
    if session.get_bind().dialect.name == "sqlite":
        return func.max(first, second)
    return func.greatest(first, second)


def _least(session: AsyncSession, first: Any, second: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.min(first, second)
    return func.least(first, second)


class ActivityRepository:
    """Who was active when, written at the flush: the day, week and month of each activity
    are inserted if new (one statement), and each period's count grows by the rows that
    were."""

    def __init__(self, session: AsyncSession, rollups: Rollups) -> None:
        self.session = session
        self._rollups = rollups
        self._marked: set[tuple[str, date, uuid.UUID]] = set()

    def mark(self, user_id: uuid.UUID, day: date) -> None:
        for granularity in Granularity:
            self._marked.add((granularity.value, start_of(day, granularity), user_id))

    async def flush(self) -> None:
        marked, self._marked = sorted(self._marked), set()
        if not marked:
            return
        inserted = await self.session.execute(
            dialect_statement(
                self.session,
                ("activity", active_users.name),
                lambda insert: (
                    insert(active_users)
                    .on_conflict_do_nothing()
                    .returning(active_users.c.granularity, active_users.c.period)
                ),
            ),
            [
                {"granularity": granularity, "period": period, "user_id": user_id}
                for granularity, period, user_id in marked
            ],
        )
        for granularity, period in inserted.all():
            self._rollups.add(
                active_counts, {"granularity": granularity, "period": period}, {"users": 1}
            )


async def delete_all(session: AsyncSession, tables: Sequence[Table]) -> None:
    for table in tables:
        await session.execute(delete(table))
