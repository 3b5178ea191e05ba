"""The orders service's repositories: the domain's objects found, added and changed in the
unit of work's session. They never commit (the unit of work does), and every order they load
or add is ``track``-ed, so the events it records go out with the commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload, raiseload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace_platform.db import dialect_insert
from orders_service.adapters.orm import (
    order_history,
    order_items,
    order_payments,
    orders,
    stock_actions,
)
from orders_service.domain.orders import HistoryEntry, Order, OrderItem
from orders_service.domain.payments import KnownPayment, PaymentOutcome
from orders_service.domain.status_machine import UNPAID, OrderStatus
from orders_service.domain.stock import StockAction, StockCall

Track = Callable[[Order], Order]
# The mapped relationship (``adapters.orm``), for loader options.
_HISTORY = inspect(Order).relationships["history"].class_attribute
# How an order outside the session is made (``_order_of``): with the ORM's instance state,
# so that the domain's changes to it work as on any other order.
_ORDER_CLASS = inspect(Order).class_manager


# The statements every saga runs, built once and run with parameters: building a statement
# costs more than SQLAlchemy's compiled cache saves (docs/benchmarks.md, Saga).
def _unpaid_holdings() -> Any:
    user_id = bindparam("user_id", type_=orders.c.user_id.type)
    unpaid = (orders.c.user_id == user_id) & orders.c.status.in_(list(UNPAID))
    units = (
        select(func.coalesce(func.sum(order_items.c.quantity), 0))
        .join(orders, orders.c.id == order_items.c.order_id)
        .where(unpaid)
        .scalar_subquery()
    )
    return select(func.count(), units).where(unpaid)


def _locked(*, history: bool) -> Any:
    query = (
        select(Order)
        .where(orders.c.id == bindparam("order_id"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return query if history else query.options(lazyload(_HISTORY))


_ORDER_IDS = bindparam("order_ids", expanding=True)
# In the order of their ids, so two transactions locking overlapping sets on PostgreSQL take
# the locks in the same order.
_LOCKED_ROWS = (
    select(orders).where(orders.c.id.in_(_ORDER_IDS)).order_by(orders.c.id).with_for_update()
)
_ITEMS_OF = (
    select(order_items)
    .where(order_items.c.order_id.in_(_ORDER_IDS))
    .order_by(order_items.c.order_id, order_items.c.position)
)
# What a locked order's moves change (``Order._move``, ``Order.note``); the rest of an order
# never changes once placed.
_CHANGING = ("status", "payment_failure", "updated_at", "status_changed_at")
_UPDATE_ORDER = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"))
    .values({column: bindparam(column, type_=orders.c[column].type) for column in _CHANGING})
)
_PAYMENT_CHANGING = ("outcome", "reason", "updated_at")
_UPDATE_PAYMENT = (
    update(order_payments)
    .where(order_payments.c.payment_id == bindparam("known_payment_id"))
    .values(
        {
            column: bindparam(column, type_=order_payments.c[column].type)
            for column in _PAYMENT_CHANGING
        }
    )
)
_INSERT_PAYMENTS = insert(order_payments)
_KNOWN_PAYMENTS = select(order_payments).where(
    order_payments.c.payment_id.in_(bindparam("payment_ids", expanding=True))
)


_UNPAID_HOLDINGS = _unpaid_holdings()
_HEADER = select(Order).where(orders.c.id == bindparam("order_id")).options(raiseload("*"))
_LOCKED = {True: _locked(history=True), False: _locked(history=False)}
_UNCLAIMED_INTENT = (
    stock_actions.c.reservation_id == bindparam("reservation"),
    stock_actions.c.action == StockAction.RELEASE,
    stock_actions.c.attempts == 0,
)
_DROP_UNCLAIMED_INTENT = delete(stock_actions).where(*_UNCLAIMED_INTENT)
_INSERT_ORDERS = insert(orders)
_INSERT_ITEMS = insert(order_items)
_INSERT_HISTORY = insert(order_history)
_INSERT_STOCK_CALLS = insert(stock_actions)
_DONE = delete(stock_actions).where(
    stock_actions.c.reservation_id == bindparam("reservation"),
    stock_actions.c.action == bindparam("owed_action"),
)


class OrderRepository:
    def __init__(self, session: AsyncSession, *, track: Track) -> None:
        self.session = session
        self.track = track
        # Orders ``lock_many`` locked in this transaction (None: there is no such order),
        # with what their changing columns held when read.
        self._locked: dict[uuid.UUID, Order | None] = {}
        self._read_as: dict[uuid.UUID, tuple[Any, ...]] = {}
        self._history_written: dict[uuid.UUID, int] = {}  # entries of theirs stored
        self._new: list[Order] = []

    def add(self, order: Order) -> None:
        """A new order, written as it is when the unit of work commits (``write_new``)."""
        self._new.append(self.track(order))

    async def write_new(self) -> None:
        """Insert the orders added since the last call, with their lines and history: three
        prebuilt Core statements, which cost a fraction of the ORM's flush of the same
        objects (docs/benchmarks.md, Saga). The order stays outside the session."""
        new, self._new = self._new, []
        if not new:
            return
        connection = await self.session.connection()
        await connection.execute(_INSERT_ORDERS, [_order_row(order) for order in new])
        items = [
            {
                "order_id": order.id,
                "product_id": item.product_id,
                "position": position,
                "quantity": item.quantity,
                "unit_price": item.unit_price,
                "title": item.title,
            }
            for order in new
            for position, item in enumerate(order.items)
        ]
        if items:
            await connection.execute(_INSERT_ITEMS, items)
        history = [_history_row(order.id, entry) for order in new for entry in order.history]
        if history:
            await connection.execute(_INSERT_HISTORY, history)

    async def get(self, order_id: uuid.UUID) -> Order | None:
        order = await self.session.get(Order, order_id)
        return None if order is None else self.track(order)

    async def get_header(self, order_id: uuid.UUID) -> Order | None:
        """The order without its lines and history, which raise if touched: for a look at
        its owner, status and total only (one query instead of three)."""
        order = await self.session.scalar(_HEADER, {"order_id": order_id})
        return None if order is None else self.track(order)

    async def lock(self, order_id: uuid.UUID, *, history: bool = True) -> Order | None:
        """The order, its row locked for this transaction (PostgreSQL; SQLite's transactions
        take the write lock up front), freshly read: concurrent transitions queue here and
        each sees the status the previous one left.

        ``history=False`` for a change that shows nothing of the order (a payment event, a
        sweep): its history is not read, and ``order.history`` holds only the entries
        this transaction appends, which are stored as usual. The order only ever appends
        to its history, so nothing it decides depends on the entries left unread.

        An order ``lock_many`` locked in this transaction is not read again (without its
        history only: that is how ``lock_many`` loads it)."""
        if not history and order_id in self._locked:
            return self._locked[order_id]
        # Read by the ORM, which also stores the changes (the unit of work's flush).
        order = await self.session.scalar(_LOCKED[history], {"order_id": order_id})
        if order is None:
            return None
        if not history:
            # Loaded as empty, so appends are new rows and nothing is read for them.
            set_committed_value(order, "history", [])
        return self.track(order)

    async def lock_many(self, order_ids: Collection[uuid.UUID]) -> None:
        """Lock and read the orders without their history (as ``lock(history=False)``) in
        one query (and one for their lines), for the changes this transaction will make to
        them: ``lock(order_id, history=False)`` then answers from what was read.

        Read and stored by prebuilt Core statements, not the ORM (its loading and its flush
        cost a multiple of the SQL, docs/benchmarks.md, Saga): the orders are built from
        their rows outside the session, and ``write_changes`` (at commit) updates the
        columns their moves changed and inserts the history entries they appended. Such an
        order is not to be read again by ``lock(history=True)`` in the same transaction."""
        wanted = sorted(set(order_ids) - self._locked.keys())
        if not wanted:
            return
        connection = await self.session.connection()
        rows = (await connection.execute(_LOCKED_ROWS, {"order_ids": wanted})).all()
        items: dict[uuid.UUID, list[OrderItem]] = {row.id: [] for row in rows}
        if rows:
            for item in await connection.execute(_ITEMS_OF, {"order_ids": list(items)}):
                items[item.order_id].append(
                    OrderItem(item.product_id, item.quantity, item.unit_price, item.title)
                )
        for row in rows:
            order = _order_of(row, items[row.id])
            self._locked[order.id] = self.track(order)
            self._read_as[order.id] = tuple(getattr(row, column) for column in _CHANGING)
        for order_id in wanted:
            self._locked.setdefault(order_id, None)

    async def write_changes(self) -> None:
        """Store what the orders ``lock_many`` read have changed since: the changed columns
        (one ``UPDATE`` for them all) and the history entries appended (one ``INSERT``)."""
        changed, history = [], []
        for order_id, read_as in self._read_as.items():
            order = self._locked[order_id]
            assert order is not None
            now = tuple(getattr(order, column) for column in _CHANGING)
            if now != read_as:
                changed.append({"order_id": order_id, **dict(zip(_CHANGING, now, strict=True))})
                self._read_as[order_id] = now
            written = self._history_written.get(order_id, 0)
            history += [_history_row(order_id, entry) for entry in order.history[written:]]
            self._history_written[order_id] = len(order.history)
        if not changed and not history:
            return
        connection = await self.session.connection()
        if changed:
            await connection.execute(_UPDATE_ORDER, changed)
        if history:
            await connection.execute(_INSERT_HISTORY, history)

    async def get_page(
        self,
        *,
        user_id: uuid.UUID | None,
        status: OrderStatus | None,
        before: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Order]:
        """Newest first (ids are time-ordered), ``limit`` orders after the cursor ``before``."""
        query = select(Order).order_by(orders.c.id.desc()).limit(limit)
        if user_id is not None:
            query = query.where(orders.c.user_id == user_id)
        if status is not None:
            query = query.where(orders.c.status == status)
        if before is not None:
            query = query.where(orders.c.id < before)
        return [self.track(order) for order in (await self.session.scalars(query)).all()]

    async def ids_in_status_since(
        self, status: OrderStatus, *, before: datetime, limit: int, by_creation: bool = False
    ) -> list[uuid.UUID]:
        """Orders that have been in ``status`` since before ``before`` (or, ``by_creation``,
        in ``status`` and placed before ``before``), oldest first."""
        since = orders.c.created_at if by_creation else orders.c.status_changed_at
        query = (
            select(orders.c.id)
            .where(orders.c.status == status, since < before)
            .order_by(since)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def unpaid_holdings(self, user_id: uuid.UUID) -> tuple[int, int]:
        """The user's unpaid orders and the units they hold, in one query."""
        row = (await self.session.execute(_UNPAID_HOLDINGS, {"user_id": user_id})).one()
        return int(row[0] or 0), int(row[1] or 0)

    async def lock_user(self, user_id: uuid.UUID) -> None:
        """Make this transaction the only one placing an order for ``user_id`` until it ends,
        so that counting the user's open orders and adding one cannot interleave. PostgreSQL:
        a transaction-level advisory lock on the user id; SQLite's write transactions are one
        at a time already."""
        if self.session.bind.dialect.name == "postgresql":
            key = int.from_bytes(user_id.bytes[:8], "big", signed=True)
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))


class KnownPaymentRepository:
    """What each order learnt of its payments."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # What ``load`` read in this transaction (None: nothing known of that payment), with
        # what their changing columns held; payments added, not written yet.
        self._loaded: dict[uuid.UUID, KnownPayment | None] = {}
        self._read_as: dict[uuid.UUID, tuple[Any, ...]] = {}
        self._new: list[KnownPayment] = []

    async def get(self, payment_id: uuid.UUID) -> KnownPayment | None:
        if payment_id in self._loaded:
            return self._loaded[payment_id]
        for known in self._new:
            if known.payment_id == payment_id:
                return known
        return await self.session.get(KnownPayment, payment_id)

    async def load(self, payment_ids: Collection[uuid.UUID]) -> None:
        """Read what is known of these payments in one prebuilt Core query, for ``get`` to
        answer without one; their changes are stored by ``write_changes``."""
        wanted = [payment_id for payment_id in payment_ids if payment_id not in self._loaded]
        if not wanted:
            return
        connection = await self.session.connection()
        for row in await connection.execute(_KNOWN_PAYMENTS, {"payment_ids": wanted}):
            self._loaded[row.payment_id] = KnownPayment(
                row.payment_id, row.order_id, row.outcome, row.updated_at, row.reason
            )
            self._read_as[row.payment_id] = tuple(getattr(row, c) for c in _PAYMENT_CHANGING)
        for payment_id in wanted:
            self._loaded.setdefault(payment_id, None)

    def add(self, payment: KnownPayment) -> None:
        """A payment learnt of, written at commit (or before a count that must see it)."""
        self._new.append(payment)
        self._loaded[payment.payment_id] = payment
        self._read_as.pop(payment.payment_id, None)

    async def write_changes(self) -> None:
        """Insert the payments added and update those ``load`` read that changed since."""
        new, self._new = self._new, []
        changed = []
        for payment_id, read_as in self._read_as.items():
            known = self._loaded[payment_id]
            assert known is not None
            now = tuple(getattr(known, column) for column in _PAYMENT_CHANGING)
            if now != read_as:
                changed.append(
                    {
                        "known_payment_id": payment_id,
                        **dict(zip(_PAYMENT_CHANGING, now, strict=True)),
                    }
                )
                self._read_as[payment_id] = now
        for known in new:
            self._read_as[known.payment_id] = tuple(
                getattr(known, column) for column in _PAYMENT_CHANGING
            )
        if not new and not changed:
            return
        connection = await self.session.connection()
        if new:
            await connection.execute(
                _INSERT_PAYMENTS,
                [
                    {
                        "payment_id": known.payment_id,
                        "order_id": known.order_id,
                        "outcome": known.outcome,
                        "reason": known.reason,
                        "updated_at": known.updated_at,
                    }
                    for known in new
                ],
            )
        if changed:
            await connection.execute(_UPDATE_PAYMENT, changed)

    async def count_failed(self, order_id: uuid.UUID) -> int:
        await self.write_changes()  # the count must see what this transaction learnt
        query = select(func.count()).where(
            order_payments.c.order_id == order_id,
            order_payments.c.outcome == PaymentOutcome.FAILED,
        )
        return int(await self.session.scalar(query) or 0)


def _this_call(call: StockCall) -> tuple:
    return (
        stock_actions.c.reservation_id == call.reservation_id,
        stock_actions.c.action == call.action,
    )


class StockCallRepository:
    """The calls owed to the catalog (``stock_actions``). Besides finding and adding them,
    it changes them with conditional statements: each acts only if the row is still as the
    caller saw it, which is how a request, a sweeper and a newer decision never both win
    (see ``service.stock``)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._new: list[StockCall] = []

    def add(self, call: StockCall) -> None:
        """A call owed, written as it is when the unit of work commits (``write_new``)."""
        self._new.append(call)

    async def write_new(self) -> None:
        """Insert the calls added since the last call, by one prebuilt Core statement."""
        new, self._new = self._new, []
        if new:
            connection = await self.session.connection()
            await connection.execute(
                _INSERT_STOCK_CALLS,
                [
                    {
                        "reservation_id": call.reservation_id,
                        "action": call.action,
                        "attempts": call.attempts,
                        "last_error": call.last_error,
                        "created_at": call.created_at,
                        "due_at": call.due_at,
                    }
                    for call in new
                ],
            )

    async def add_unless_owed(self, call: StockCall) -> bool:
        """Add ``call`` unless a call is owed for its reservation already (False then), in
        one ``INSERT ... ON CONFLICT DO NOTHING``: the usual case, nothing owed before,
        costs no read. The row is written at once; ``call`` stays outside the session."""
        statement = (
            dialect_insert(self.session)(stock_actions)
            .values(
                reservation_id=call.reservation_id,
                action=call.action,
                attempts=call.attempts,
                last_error=call.last_error,
                created_at=call.created_at,
                due_at=call.due_at,
            )
            .on_conflict_do_nothing(index_elements=["reservation_id"])
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def get(self, reservation_id: uuid.UUID) -> StockCall | None:
        return await self.session.get(StockCall, reservation_id)

    async def lock(self, reservation_id: uuid.UUID) -> StockCall | None:
        """The call, its row locked and freshly read: a call completing meanwhile waits for
        this transaction, then finds the decision it makes (``done`` deletes only the call it
        made)."""
        return await self.session.get(
            StockCall, reservation_id, with_for_update=True, populate_existing=True
        )

    async def due(self, *, now: datetime, limit: int) -> Sequence[StockCall]:
        query = (
            select(StockCall)
            .where(stock_actions.c.due_at <= now)
            .order_by(stock_actions.c.due_at)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def drop_unclaimed_intent(self, reservation_id: uuid.UUID) -> bool:
        """Delete the reservation's intent unless a sweeper claimed it; False if it did (or
        there was none)."""
        result = await self.session.execute(_DROP_UNCLAIMED_INTENT, {"reservation": reservation_id})
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def hasten_unclaimed_intent(self, reservation_id: uuid.UUID, *, now: datetime) -> None:
        await self.session.execute(
            update(stock_actions).where(*_UNCLAIMED_INTENT).values(due_at=now),
            {"reservation": reservation_id},
        )

    async def claim(self, call: StockCall, *, next_due: datetime) -> bool:
        """Take ``call`` (as read earlier) for one try if its row is still as read: the same
        action, no try taken since. The next try is due at ``next_due`` in case this one never
        reports back. False if something changed the row meanwhile."""
        result = await self.session.execute(
            update(stock_actions)
            .where(*_this_call(call), stock_actions.c.attempts == call.attempts)
            .values(attempts=call.attempts + 1, due_at=next_due)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def note_failure(self, call: StockCall, error: str) -> None:
        await self.session.execute(
            update(stock_actions).where(*_this_call(call)).values(last_error=error[:500])
        )

    async def done(self, call: StockCall) -> None:
        """The call was made: nothing is owed for it any more. Only this call: a decision
        taken meanwhile (a release replacing a commit) stays owed."""
        await self.session.execute(
            _DONE, {"reservation": call.reservation_id, "owed_action": call.action}
        )


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "user_id": order.user_id,
        "status": order.status,
        "currency": order.currency,
        "total": order.total,
        "address": order.address,
        "payment_failure": order.payment_failure,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "status_changed_at": order.status_changed_at,
    }


def _history_row(order_id: uuid.UUID, entry: HistoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "order_id": order_id,
        "status": entry.status,
        "from_status": entry.from_status,
        "reason": entry.reason,
        "actor": entry.actor,
        "at": entry.at,
    }


def _order_of(row: Any, items: list[OrderItem]) -> Order:
    """An order built from its row and lines, outside the session, its history unread
    (empty: what it appends is new)."""
    order: Order = _ORDER_CLASS.new_instance()
    order.__dict__.update(
        {
            "id": row.id,
            "user_id": row.user_id,
            "status": row.status,
            "currency": row.currency,
            "total": row.total,
            "address": row.address,
            "payment_failure": row.payment_failure,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "status_changed_at": row.status_changed_at,
            "items": items,
            "history": [],
        }
    )
    return order
