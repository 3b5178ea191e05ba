"""The order status machine: the one place that says which transitions exist.

::

    created ──pay──▶ processing ──succeeded──▶ paid ──deliver──▶ delivered (final)
       ▲                 │                      │
       └─────failed──────┘                      │
       │                                        │
       └──cancel (user, admin, unpaid timeout)──┴──cancel with refund──▶ cancelled (final)

Every transition is checked here, so a request (cancel, deliver), an event (a payment's
outcome) or a sweeper (the unpaid timeout) can only move an order along an edge of this graph;
anything else is ``InvalidTransition`` (409).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from orders_service.domain.errors import InvalidTransition
from orders_service.domain.stock import StockAction


class OrderStatus(enum.StrEnum):
    CREATED = "created"
    PROCESSING = "processing"
    PAID = "paid"
    CANCELLED = "cancelled"
    DELIVERED = "delivered"


class Actor(enum.StrEnum):
    """Who made a change: the order's owner, an admin, or the system (an event, a timer)."""

    USER = "user"
    ADMIN = "admin"
    SYSTEM = "system"


ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.CREATED: frozenset({OrderStatus.PROCESSING, OrderStatus.CANCELLED}),
    OrderStatus.PROCESSING: frozenset({OrderStatus.PAID, OrderStatus.CREATED}),
    OrderStatus.PAID: frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.DELIVERED: frozenset(),
}

FINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)
# Orders that hold stock and have not been paid for.
UNPAID = frozenset({OrderStatus.CREATED, OrderStatus.PROCESSING})


@dataclass(frozen=True, slots=True)
class Transition:
    """One edge taken: what goes into the order's history and its ``status_changed`` event."""

    from_status: OrderStatus
    to_status: OrderStatus
    actor: Actor
    reason: str | None
    at: datetime

    @property
    def refund(self) -> bool:
        """Cancelling a paid order gives the money back."""
        return self.from_status is OrderStatus.PAID and self.to_status is OrderStatus.CANCELLED

    @property
    def releases_stock(self) -> bool:
        return self.to_status is OrderStatus.CANCELLED

    @property
    def commits_stock(self) -> bool:
        return self.to_status in (OrderStatus.PAID, OrderStatus.DELIVERED)

    @property
    def stock_call(self) -> StockAction | None:
        """The call to the catalog this move owes, if any."""
        if self.releases_stock:
            return StockAction.RELEASE
        if self.commits_stock:
            return StockAction.COMMIT
        return None


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ALLOWED[current]


def transition(
    current: OrderStatus,
    target: OrderStatus,
    *,
    actor: Actor,
    at: datetime,
    reason: str | None = None,
) -> Transition:
    """The transition ``current -> target``, or ``InvalidTransition``."""
    if not can_transition(current, target):
        raise InvalidTransition(
            f"An order that is {current.value} cannot become {target.value}.",
            current_status=current.value,
            requested_status=target.value,
        )
    return Transition(current, target, actor, reason, at)
