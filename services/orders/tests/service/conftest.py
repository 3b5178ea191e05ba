"""Fakes for unit tests of the use cases: a unit of work whose repositories are dicts, and a
catalog and payments that answer from memory. The use cases run unchanged on them; tests
assert on what was committed (events, orders, stock calls owed) and on the calls the catalog
received. The SQL repositories and HTTP clients are proved by the integration tests.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from marketplace_platform.clock import utcnow
from marketplace_platform.idempotency import Claim, KeyedRequest
from marketplace_platform.security.jwks import Principal
from marketplace_platform.testing.fakes import FakeUnitOfWork
from orders_service.adapters.catalog import Reservation, StockCallFailed
from orders_service.domain.limits import Limits
from orders_service.domain.orders import Line, Order, PricedLine
from orders_service.domain.payments import KnownPayment, PaymentOutcome, PaymentRecord
from orders_service.domain.status_machine import UNPAID, OrderStatus
from orders_service.domain.stock import StockCall
from orders_service.service import orders as orders_service
from orders_service.service import payments as payments_service

# -- the unit of work --------------------------------------------------------------------


class FakeOrders:
    """Orders added in a unit of work are kept only if it commits (``rows``); a change to an
    order already kept is not undone by a rollback, but the aggregate raises before it
    changes anything."""

    def __init__(self, track: Any) -> None:
        self.rows: dict[uuid.UUID, Order] = {}
        self.added: dict[uuid.UUID, Order] = {}
        self.track = track

    def add(self, order: Order) -> None:
        self.added[order.id] = self.track(order)

    async def get(self, order_id: uuid.UUID) -> Order | None:
        order = self.rows.get(order_id) or self.added.get(order_id)
        return None if order is None else self.track(order)

    get_header = get  # the whole order is at hand anyway

    async def lock(self, order_id: uuid.UUID, *, history: bool = True) -> Order | None:
        # One test, one task: nothing to lock against; the whole history is at hand anyway.
        return await self.get(order_id)

    async def lock_many(self, order_ids: Collection[uuid.UUID]) -> None:
        pass  # ``lock`` reads nothing anyway

    async def get_page(
        self,
        *,
        user_id: uuid.UUID | None,
        status: OrderStatus | None,
        before: uuid.UUID | None,
        limit: int,
    ) -> list[Order]:
        found = sorted(self.rows.values(), key=lambda order: order.id, reverse=True)
        found = [
            order
            for order in found
            if (user_id is None or order.user_id == user_id)
            and (status is None or order.status is status)
            and (before is None or order.id < before)
        ]
        return [self.track(order) for order in found[:limit]]

    async def ids_in_status_since(
        self, status: OrderStatus, *, before: datetime, limit: int, by_creation: bool = False
    ) -> list[uuid.UUID]:
        def since(order: Order) -> datetime:
            return order.created_at if by_creation else order.status_changed_at

        found = [o for o in self.rows.values() if o.status is status and since(o) < before]
        return [order.id for order in sorted(found, key=since)[:limit]]

    async def unpaid_holdings(self, user_id: uuid.UUID) -> tuple[int, int]:
        unpaid = [o for o in self.rows.values() if o.user_id == user_id and o.status in UNPAID]
        return len(unpaid), sum(item.quantity for o in unpaid for item in o.items)

    async def lock_user(self, user_id: uuid.UUID) -> None:
        pass


class FakeKnownPayments:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, KnownPayment] = {}

    async def get(self, payment_id: uuid.UUID) -> KnownPayment | None:
        return self.rows.get(payment_id)

    async def load(self, payment_ids: Collection[uuid.UUID]) -> None:
        pass  # ``get`` reads nothing anyway

    def add(self, payment: KnownPayment) -> None:
        self.rows[payment.payment_id] = payment

    async def count_failed(self, order_id: uuid.UUID) -> int:
        return sum(
            1
            for known in self.rows.values()
            if known.order_id == order_id and known.outcome is PaymentOutcome.FAILED
        )


class FakeStockCalls:
    """Reads hand out copies, as a read in one transaction and a change in another would:
    a claim compares the row with what was read."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, StockCall] = {}

    def add(self, call: StockCall) -> None:
        self.rows[call.reservation_id] = call

    async def add_unless_owed(self, call: StockCall) -> bool:
        if call.reservation_id in self.rows:
            return False
        self.rows[call.reservation_id] = dataclasses.replace(call)  # stored, not the caller's
        return True

    async def get(self, reservation_id: uuid.UUID) -> StockCall | None:
        call = self.rows.get(reservation_id)
        return None if call is None else dataclasses.replace(call)

    async def lock(self, reservation_id: uuid.UUID) -> StockCall | None:
        return self.rows.get(reservation_id)

    async def due(self, *, now: datetime, limit: int) -> list[StockCall]:
        due = sorted((c for c in self.rows.values() if c.due_at <= now), key=lambda c: c.due_at)
        return [dataclasses.replace(call) for call in due[:limit]]

    async def drop_unclaimed_intent(self, reservation_id: uuid.UUID) -> bool:
        call = self.rows.get(reservation_id)
        if call is None or not call.is_unclaimed_intent:
            return False
        del self.rows[reservation_id]
        return True

    async def hasten_unclaimed_intent(self, reservation_id: uuid.UUID, *, now: datetime) -> None:
        call = self.rows.get(reservation_id)
        if call is not None and call.is_unclaimed_intent:
            call.due_at = now

    def _as_read(self, call: StockCall) -> StockCall | None:
        stored = self.rows.get(call.reservation_id)
        return stored if stored is not None and stored.action is call.action else None

    async def claim(self, call: StockCall, *, next_due: datetime) -> bool:
        stored = self._as_read(call)
        if stored is None or stored.attempts != call.attempts:
            return False
        stored.attempts += 1
        stored.due_at = next_due
        return True

    async def note_failure(self, call: StockCall, error: str) -> None:
        stored = self._as_read(call)
        if stored is not None:
            stored.last_error = error[:500]

    async def done(self, call: StockCall) -> None:
        if self._as_read(call) is not None:
            del self.rows[call.reservation_id]


class FakeOrdersUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(source="orders")
        self.answers: list[tuple[Claim, int, Any]] = []

    def open(self) -> None:
        self.orders = FakeOrders(self.track)
        self.payments = FakeKnownPayments()
        self.stock_calls = FakeStockCalls()

    async def _commit(self) -> None:
        self.orders.rows.update(self.orders.added)
        self.orders.added.clear()
        await super()._commit()

    async def _rollback(self) -> None:
        self.orders.added.clear()
        await super()._rollback()

    async def keep_answer(
        self, keyed: KeyedRequest, claim: Claim, *, status: int, body: Any
    ) -> None:
        self.answers.append((claim, status, body))

    def owed(self) -> dict[uuid.UUID, str]:
        """The stock calls still owed to the catalog: reservation id -> action."""
        return {call.reservation_id: call.action.value for call in self.stock_calls.rows.values()}


# -- the peers ---------------------------------------------------------------------------


class FakeCatalog:
    """Prices every product at 1000 and reserves anything, unless told to refuse
    (``refusal``); release and commit fail while ``down``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, uuid.UUID]] = []
        self.refusal: Exception | None = None
        self.down = False
        self.on_reserve: Any = None  # called with the reservation id, before answering

    async def reserve(self, reservation_id: uuid.UUID, lines: Sequence[Line]) -> Reservation:
        self.calls.append(("reserve", reservation_id))
        if self.refusal is not None:
            raise self.refusal
        if self.on_reserve is not None:
            await self.on_reserve(reservation_id)
        priced = [PricedLine(line.product_id, line.quantity, 1000, "P") for line in lines]
        return Reservation(currency="RUB", lines=priced)

    async def release(self, reservation_id: uuid.UUID) -> None:
        await self._step("release", reservation_id)

    async def commit(self, reservation_id: uuid.UUID) -> None:
        await self._step("commit", reservation_id)

    async def _step(self, action: str, reservation_id: uuid.UUID) -> None:
        self.calls.append((action, reservation_id))
        if self.down:
            raise StockCallFailed("the catalog is down")

    def made(self, action: str) -> list[uuid.UUID]:
        return [reservation_id for done, reservation_id in self.calls if done == action]


class FakePayments:
    def __init__(self) -> None:
        self.records: dict[uuid.UUID, list[PaymentRecord]] = {}

    async def payments_of(self, order_id: uuid.UUID) -> list[PaymentRecord]:
        return self.records.get(order_id, [])


# -- what most tests do ------------------------------------------------------------------


LIMITS = Limits(
    unpaid_timeout=timedelta(minutes=30),
    max_unpaid_orders=5,
    max_payment_attempts=5,
    max_unpaid_units=200,
)


@dataclasses.dataclass
class Shop:
    """The use cases wired to the fakes, with the steps tests share."""

    uow: FakeOrdersUnitOfWork
    catalog: FakeCatalog
    payments_api: FakePayments
    limits: Limits = LIMITS

    def unit_of_work(self, *, read_only: bool = False) -> FakeOrdersUnitOfWork:
        return self.uow

    @property
    def peers(self) -> dict[str, Any]:
        return {"unit_of_work": self.unit_of_work, "catalog": self.catalog}

    def buyer(self) -> Principal:
        return Principal(user_id=uuid.uuid4(), role="user")

    def admin(self) -> Principal:
        return Principal(user_id=uuid.uuid4(), role="admin")

    async def place(self, buyer: Principal, *quantities: int) -> Order:
        lines = [Line(uuid.uuid4(), quantity) for quantity in quantities or (1,)]
        order = await orders_service.create(
            **self.peers,
            user_id=buyer.user_id,
            lines=lines,
            address=None,
            render=lambda order: {"id": str(order.id)},
            limits=self.limits,
        )
        assert isinstance(order, Order)
        return order

    async def news(
        self,
        order: Order,
        news: PaymentOutcome,
        *,
        payment_id: uuid.UUID | None = None,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> uuid.UUID:
        """Payments' news of one payment of ``order``, applied as the consumer applies it
        (in the inbox's unit of work, committed); returns the payment's id."""
        payment_id = payment_id or uuid.uuid4()
        async with self.uow as uow:
            await payments_service.apply(
                uow,
                **self.peers,
                order_id=order.id,
                payment_id=payment_id,
                news=news,
                at=utcnow(),
                limits=self.limits,
                reason=reason,
                now=now,
            )
            await uow.commit()
        return payment_id

    async def paid(self, buyer: Principal) -> Order:
        order = await self.place(buyer)
        payment_id = await self.news(order, PaymentOutcome.PENDING)
        await self.news(order, PaymentOutcome.SUCCEEDED, payment_id=payment_id)
        return order

    def forget_history(self) -> None:
        """Start the test's own record: what setting up committed and called is not its."""
        self.uow.committed.clear()
        self.catalog.calls.clear()


@pytest.fixture
def shop() -> Shop:
    return Shop(uow=FakeOrdersUnitOfWork(), catalog=FakeCatalog(), payments_api=FakePayments())
