"""The order: an aggregate with its lines, its status and the history of how it got there.

Its content follows a few rules: 1-50 lines, one per product, 1-100 of each; prices are the
catalog's at the moment of ordering (a snapshot that later price changes do not touch), and
the total is theirs summed in minor units.

Everything that happens to an order after that is a method of ``Order`` (``cancel``,
``deliver``, ``apply_payment`` ...). Each change of status goes through the status machine
(``domain.status_machine``), appends a history entry and records the events other services
hear of; the unit of work that loaded the order writes those events to the outbox with the
change. A move that owes the catalog a call (release the stock of a cancelled order, commit
that of a paid or delivered one) leaves it for the use case to take (``take_stock_call``),
which writes the call down in the same transaction.

Plain Python: the ORM maps these classes onto the tables (``adapters.orm``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from marketplace_contracts import (
    OrderCancelled,
    OrderCreated,
    OrderLine,
    OrderPaid,
    OrderStatusChanged,
)
from marketplace_platform.aggregates import Aggregate
from marketplace_platform.ids import new_id
from marketplace_platform.problems import InvalidInput
from orders_service.domain import status_machine
from orders_service.domain.errors import DuplicateProduct
from orders_service.domain.limits import Limits
from orders_service.domain.payments import (
    PAID_AFTER_CANCELLATION,
    Decision,
    PaymentOutcome,
    decide,
)
from orders_service.domain.status_machine import Actor, OrderStatus, Transition
from orders_service.domain.stock import StockAction

MAX_ITEMS = 50
MAX_QUANTITY = 100
MAX_ADDRESS_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Line:
    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True, slots=True)
class PricedLine:
    product_id: uuid.UUID
    quantity: int
    unit_price: int
    title: str

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity


def check_lines(lines: Sequence[Line]) -> None:
    """Refuse what the catalog should never be asked: a product twice (which of its
    quantities did the buyer mean?), too many lines, quantities out of range."""
    if not 1 <= len(lines) <= MAX_ITEMS:
        raise InvalidInput(f"An order holds 1 to {MAX_ITEMS} items.")
    seen: set[uuid.UUID] = set()
    for line in lines:
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"Every quantity must be 1 to {MAX_QUANTITY}.")
        if line.product_id in seen:
            raise DuplicateProduct(
                "Each product may appear once; set its quantity instead.",
                product_id=str(line.product_id),
            )
        seen.add(line.product_id)


def check_priced(requested: Sequence[Line], priced: Sequence[PricedLine]) -> None:
    """The catalog priced exactly what was asked (a reservation is all-or-nothing)."""
    asked = sorted((line.product_id, line.quantity) for line in requested)
    answered = sorted((line.product_id, line.quantity) for line in priced)
    if asked != answered:
        raise ValueError("the catalog answered a reservation for other items")
    if any(line.unit_price < 0 for line in priced):
        raise ValueError("the catalog answered a negative price")


def total_of(priced: Sequence[PricedLine]) -> int:
    return sum(line.amount for line in priced)


@dataclass(eq=False)
class OrderItem:
    """A line with the price and title the product had when the order was placed."""

    product_id: uuid.UUID
    quantity: int
    unit_price: int
    title: str


@dataclass(eq=False)
class HistoryEntry:
    """A change of status (or a note on the current one: a refund), why, who, when. Ids are
    time-ordered (UUIDv7): the history is read in their order."""

    status: OrderStatus
    actor: Actor
    at: datetime
    from_status: OrderStatus | None = None
    reason: str | None = None
    id: uuid.UUID = field(default_factory=new_id)


class Order(Aggregate):
    """An order and everything that may happen to it. Its id is also the id of its stock
    reservation at the catalog."""

    id: uuid.UUID
    user_id: uuid.UUID
    status: OrderStatus
    currency: str
    total: int  # minor units
    address: str | None
    payment_failure: str | None  # why the last payment failed, shown until it is paid
    created_at: datetime  # the unpaid timeout counts from here
    updated_at: datetime
    status_changed_at: datetime  # reconciliation and auto-delivery count from here
    items: list[OrderItem]
    history: list[HistoryEntry]

    # What the moves since the last ``take_stock_call`` owe the catalog; not stored (the
    # stock call written in the same transaction is).
    _stock_call: StockAction | None = None

    def __init__(
        self,
        *,
        id: uuid.UUID,
        user_id: uuid.UUID,
        currency: str,
        items: list[OrderItem],
        address: str | None,
        at: datetime,
    ) -> None:
        self.id = id
        self.user_id = user_id
        self.status = OrderStatus.CREATED
        self.currency = currency
        self.items = items
        self.total = sum(item.unit_price * item.quantity for item in items)
        self.address = address
        self.payment_failure = None
        self.created_at = self.updated_at = self.status_changed_at = at
        self.history = [HistoryEntry(status=OrderStatus.CREATED, actor=Actor.USER, at=at)]

    @classmethod
    def place(
        cls,
        *,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        lines: Sequence[Line],
        reserved: Sequence[PricedLine],
        currency: str,
        address: str | None,
        at: datetime,
    ) -> Order:
        """The order for ``lines`` as the catalog priced and reserved them (``reserved``,
        under the reservation id ``order_id``), lines in the buyer's order, ``created``;
        records ``OrderCreated``."""
        check_priced(lines, reserved)
        by_product = {line.product_id: line for line in reserved}
        priced = [by_product[line.product_id] for line in lines]
        order = cls(
            id=order_id,
            user_id=user_id,
            currency=currency,
            items=[
                OrderItem(line.product_id, line.quantity, line.unit_price, line.title)
                for line in priced
            ],
            address=address,
            at=at,
        )
        order.record(
            OrderCreated(
                order_id=order.id,
                user_id=user_id,
                items=order.lines(),
                total=order.total,
                currency=order.currency,
                created_at=at,
            )
        )
        return order

    # -- what a request, an event or a timer does to it -----------------------------------

    def cancel(self, *, actor: Actor, at: datetime, reason: str | None = None) -> Transition:
        """An unpaid order's stock is released; a paid one is refunded too."""
        return self._move(
            OrderStatus.CANCELLED, actor=actor, at=at, reason=reason or f"cancelled_by_{actor}"
        )

    def deliver(
        self, *, at: datetime, actor: Actor = Actor.ADMIN, reason: str | None = None
    ) -> Transition:
        """The sale is final: the reservation is committed."""
        return self._move(OrderStatus.DELIVERED, actor=actor, at=at, reason=reason)

    def apply_payment(
        self,
        news: PaymentOutcome,
        *,
        known: PaymentOutcome | None,
        at: datetime,
        reason: str | None = None,
    ) -> Decision:
        """What ``news`` about one payment (of which the order knew ``known``) does, by the
        rules of ``domain.payments.decide``. A failure sends the order back to ``created``
        with its reason: if the caller sees it ``reopens``, it asks ``close_if_spent``."""
        decision = decide(self.status, known, news)
        for target in decision.path:
            why = reason if target is OrderStatus.CREATED else None
            self._move(target, actor=Actor.SYSTEM, at=at, reason=why)
        if decision.note is not None:
            self.note(decision.note, actor=Actor.SYSTEM, at=at)
        if decision.refund:
            # Money came in for an order that was cancelled meanwhile (say, by the unpaid
            # timeout while the charge ran): ask payments to give it back.
            self.record(
                self._cancelled(
                    OrderStatus.CANCELLED, Actor.SYSTEM, PAID_AFTER_CANCELLATION, refund=True
                )
            )
        return decision

    def reopen(self, *, reason: str, at: datetime) -> Transition:
        """Back from ``processing`` to ``created`` when payments has nothing under way for
        the order (reconciliation): the user may pay again."""
        return self._move(OrderStatus.CREATED, actor=Actor.SYSTEM, at=at, reason=reason)

    def close_if_spent(
        self, *, failed_payments: int, limits: Limits, at: datetime, now: datetime
    ) -> Transition | None:
        """After a failure sent the order back to ``created``: cancel it (its stock released)
        if that was its last try or its unpaid time is over."""
        reason = limits.closes_after_failure(
            failed_payments=failed_payments, created_at=self.created_at, now=now
        )
        if reason is None:
            return None
        return self._move(OrderStatus.CANCELLED, actor=Actor.SYSTEM, at=at, reason=reason)

    def note(self, reason: str, *, actor: Actor, at: datetime) -> None:
        """A history line that changes no status (a refund, a late payment)."""
        self.history.append(HistoryEntry(status=self.status, actor=actor, at=at, reason=reason))
        self.updated_at = at

    def take_stock_call(self) -> StockAction | None:
        """The call to the catalog the moves made since the last take owe: the latest one's
        (the status machine never leaves ``cancelled``, so a release is never undone)."""
        owed, self._stock_call = self._stock_call, None
        return owed

    def lines(self) -> list[OrderLine]:
        return [
            OrderLine(
                product_id=item.product_id, quantity=item.quantity, unit_price=item.unit_price
            )
            for item in self.items
        ]

    # -- the one way the status changes ---------------------------------------------------

    def _move(
        self, target: OrderStatus, *, actor: Actor, at: datetime, reason: str | None
    ) -> Transition:
        """Take the edge to ``target``, or raise ``InvalidTransition`` having changed nothing."""
        step = status_machine.transition(self.status, target, actor=actor, at=at, reason=reason)
        self.status = target
        self.updated_at = self.status_changed_at = at
        self.history.append(
            HistoryEntry(
                status=target, actor=actor, at=at, from_status=step.from_status, reason=reason
            )
        )
        if step.from_status is OrderStatus.PROCESSING and target is OrderStatus.CREATED:
            self.payment_failure = reason
        elif target is OrderStatus.PAID:
            self.payment_failure = None
        self.record(
            OrderStatusChanged(
                order_id=self.id,
                user_id=self.user_id,
                from_status=step.from_status.value,
                to_status=target.value,
                reason=reason,
                actor=actor.value,
                total=self.total,
                currency=self.currency,
                changed_at=at,
            )
        )
        if target is OrderStatus.CANCELLED:
            self.record(self._cancelled(step.from_status, actor, reason, refund=step.refund))
        elif target is OrderStatus.PAID:
            self.record(
                OrderPaid(
                    order_id=self.id,
                    user_id=self.user_id,
                    items=self.lines(),
                    total=self.total,
                    currency=self.currency,
                )
            )
        if step.stock_call is not None:
            self._stock_call = step.stock_call
        return step

    def _cancelled(
        self, from_status: OrderStatus, actor: Actor, reason: str | None, *, refund: bool
    ) -> OrderCancelled:
        return OrderCancelled(
            order_id=self.id,
            user_id=self.user_id,
            from_status=from_status.value,
            reason=reason,
            actor=actor.value,
            refund=refund,
            total=self.total,
            currency=self.currency,
        )
