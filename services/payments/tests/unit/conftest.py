"""Fakes for unit tests of the payments use cases: no database, no HTTP, no processor.

``FakePaymentsUnitOfWork`` has the repositories ``PaymentsUnitOfWork`` has, kept in dicts
across transactions as a database would keep them; what a test asserts on is what it
committed (``uow.events(PaymentSucceeded)``, ``uow.event_types``). ``FakeOrders`` answers
about orders as orders' internal API would, and ``FakeProcessor`` charges, voids and refunds
by charge key as the simulated processor does, with switches for the failures that matter:
no answer to a charge, refunds refused.

The fixtures here are the unit tier's own (``fake_orders`` rather than the ``orders`` HTTP
fake of the integration tests); ``pay`` is the ``pay`` use case wired to them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from marketplace_platform.security.jwks import Principal
from marketplace_platform.testing.fakes import FakeUnitOfWork
from payments_service.adapters.orders import OrderSnapshot, PlacedOrders
from payments_service.adapters.processor import Charge, ChargeNotFound, ChargeStatus, outcome_for
from payments_service.adapters.repositories import PaymentFilter
from payments_service.domain.cards import Card, parse_card
from payments_service.domain.orders import PlacedOrder
from payments_service.domain.payments import Payment, PaymentStatus
from payments_service.domain.refunds import CancelledOrder
from payments_service.service import payments
from payments_service.service.payments import PaymentView

GOOD_CARD = "4242424242424242"


def card(number: str = GOOD_CARD) -> Card:
    return parse_card(
        number=number, exp_month=12, exp_year=2040, cvc="123", holder="IVAN PETROV",
        today=date(2030, 1, 1),
    )


# -- the unit of work and its repositories ---------------------------------------------------


class FakePaymentRepository:
    def __init__(self, track: FakeUnitOfWork) -> None:
        self.rows: dict[uuid.UUID, Payment] = {}
        self._uow = track

    def add(self, payment: Payment) -> None:
        self.rows[payment.id] = self._uow.track(payment)

    async def get(self, payment_id: uuid.UUID) -> Payment | None:
        payment = self.rows.get(payment_id)
        return self._uow.track(payment) if payment is not None else None

    async def lock(self, payment_id: uuid.UUID) -> Payment | None:
        return await self.get(payment_id)

    async def of_order(self, order_id: uuid.UUID, *, lock: bool = False) -> list[Payment]:
        found = sorted(
            (p for p in self.rows.values() if p.order_id == order_id), key=lambda p: p.attempt
        )
        return [self._uow.track(payment) for payment in found]

    async def of_orders(self, order_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Payment]]:
        return {order_id: await self.of_order(order_id) for order_id in set(order_ids)}

    async def page(
        self, *, where: PaymentFilter, limit: int, before: uuid.UUID | None
    ) -> list[Payment]:
        found = sorted(self._matching(where), key=lambda p: p.id, reverse=True)
        return [p for p in found if before is None or p.id < before][:limit]

    async def count(self, *, where: PaymentFilter) -> int:
        return len(self._matching(where))

    async def stale_pending(self, *, older_than: datetime, limit: int) -> Sequence[uuid.UUID]:
        stale = [
            p for p in self.rows.values()
            if p.status is PaymentStatus.PENDING and p.updated_at < older_than
        ]
        return [p.id for p in sorted(stale, key=lambda p: p.updated_at)][:limit]

    def _matching(self, where: PaymentFilter) -> list[Payment]:
        return [
            p for p in self.rows.values()
            if where.user_id in (None, p.user_id)
            and where.order_id in (None, p.order_id)
            and where.status in (None, p.status)
        ]


class FakeCancelledOrderRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, CancelledOrder] = {}

    async def add(self, order_id: uuid.UUID, *, at: datetime) -> None:
        self.rows.setdefault(order_id, CancelledOrder(order_id=order_id, cancelled_at=at))

    async def get(self, order_id: uuid.UUID) -> CancelledOrder | None:
        return self.rows.get(order_id)

    async def contains(self, order_id: uuid.UUID) -> bool:
        return order_id in self.rows

    async def open(
        self, *, limit: int, after: tuple[datetime, uuid.UUID] | None = None
    ) -> list[CancelledOrder]:
        found = sorted(
            (c for c in self.rows.values() if c.closed_at is None),
            key=lambda c: (c.cancelled_at, c.order_id),
        )
        return [c for c in found if after is None or (c.cancelled_at, c.order_id) > after][:limit]


class FakePaymentsUnitOfWork(FakeUnitOfWork):
    def open(self) -> None:
        self.payments = FakePaymentRepository(self)
        self.cancelled_orders = FakeCancelledOrderRepository()

    def __call__(self, *, read_only: bool = False) -> FakePaymentsUnitOfWork:
        """The use cases take a factory of units of work: this fake is its own."""
        return self


# -- the peers -------------------------------------------------------------------------------


@dataclass
class FakeOrders:
    """Orders' answers (``orders``), and the orders payments heard placed (``heard``)."""

    orders: dict[uuid.UUID, OrderSnapshot] = field(default_factory=dict)
    heard: PlacedOrders = field(default_factory=PlacedOrders)
    asked: int = 0

    def add(self, user_id: uuid.UUID, *, total: int = 12_990, status: str = "created") -> uuid.UUID:
        order = OrderSnapshot(
            id=uuid.uuid4(), user_id=user_id, status=status, total=total, currency="RUB"
        )
        self.orders[order.id] = order
        return order.id

    def placed(self, order_id: uuid.UUID) -> PlacedOrder | None:
        return self.heard.get(order_id)

    async def get_order(self, order_id: uuid.UUID) -> OrderSnapshot | None:
        self.asked += 1
        return self.orders.get(order_id)


class ProcessorAway(ConnectionError):
    pass


@dataclass
class FakeProcessor:
    """Charges by key, once each; ``silent`` charges and then gives no answer (the request
    times out with the money taken), ``refusing_refunds`` fails every refund."""

    charges: dict[str, Charge] = field(default_factory=dict)
    charge_calls: int = 0
    silent: bool = False
    refusing_refunds: bool = False

    async def charge(self, *, key: str, amount: int, currency: str, card: Card) -> Charge:
        self.charge_calls += 1
        if key not in self.charges:
            outcome = outcome_for(card.number)
            self.charges[key] = Charge(
                key=key,
                status=ChargeStatus.SUCCEEDED if outcome.succeeded else ChargeStatus.DECLINED,
                failure_reason=outcome.reason,
                amount=amount,
                currency=currency,
                refunded=False,
            )
        if self.silent:
            raise TimeoutError
        return self.charges[key]

    async def void(self, key: str) -> Charge:
        voided = Charge(key, ChargeStatus.VOIDED, None, amount=0, currency="XXX", refunded=False)
        return self.charges.setdefault(key, voided)

    async def refund(self, key: str) -> Charge:
        if self.refusing_refunds:
            raise ProcessorAway("the processor is away")
        charge = self.charges.get(key)
        if charge is None or charge.status is not ChargeStatus.SUCCEEDED:
            raise ChargeNotFound(key)
        self.charges[key] = Charge(
            key, charge.status, None, charge.amount, charge.currency, refunded=True
        )
        return self.charges[key]

    @property
    def refunded(self) -> list[str]:
        return [key for key, charge in self.charges.items() if charge.refunded]


@pytest.fixture
def uow() -> FakePaymentsUnitOfWork:
    return FakePaymentsUnitOfWork(source="payments")


@pytest.fixture
def fake_orders() -> FakeOrders:
    return FakeOrders()


@pytest.fixture
def fake_processor() -> FakeProcessor:
    return FakeProcessor()


Pay = Callable[..., Awaitable[PaymentView]]


@pytest.fixture
def pay(uow: FakePaymentsUnitOfWork, fake_orders: FakeOrders, fake_processor: FakeProcessor) -> Pay:
    """``await pay(user_id, order_id, card_number="4242...", **options)``: the use case as the
    route calls it, on the fakes."""

    async def pay(
        user_id: uuid.UUID, order_id: uuid.UUID, card_number: str = GOOD_CARD, **options: Any
    ) -> PaymentView:
        return await payments.pay(
            unit_of_work=uow,
            orders=fake_orders,
            processor=fake_processor,
            payer=Principal(user_id=user_id, role="user"),
            order_id=order_id,
            card=card(card_number),
            processor_timeout=timedelta(seconds=5),
            **options,
        )

    return pay
