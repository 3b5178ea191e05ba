"""What keeps one buyer from holding stock nobody else can buy.

An unpaid order holds its stock. Without limits, one user could place order after order,
or decline card after card on one order, and keep everything reserved for ever. So:

- the unpaid timeout counts from the order's **creation**: a failed payment sends the order
  back to ``created`` but does not give it a new half hour;
- a user has at most ``max_unpaid_orders`` orders open and unpaid (``created`` or
  ``processing``); one more is refused;
- and those orders hold at most ``max_unpaid_units`` units in all: five orders of fifty lines
  of a hundred units each would otherwise take 25,000 units off the shelf;
- an order takes at most ``max_payment_attempts`` failed payments; the last one cancels it;
- a failure heard after the deadline (a late event, a reconciliation) cancels the order
  instead of reopening it overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orders_service.domain.errors import TooManyUnpaidOrders, TooManyUnpaidUnits

PAYMENT_TIMEOUT = "payment_timeout"
PAYMENT_ATTEMPTS_EXHAUSTED = "payment_attempts_exhausted"


@dataclass(frozen=True, slots=True)
class Limits:
    unpaid_timeout: timedelta
    max_unpaid_orders: int
    max_payment_attempts: int
    max_unpaid_units: int = 200

    def check_can_open(self, unpaid_orders: int, *, held_units: int = 0, units: int = 0) -> None:
        """Refuse a new order of ``units`` units to a user who has ``unpaid_orders`` open
        already, holding ``held_units`` units."""
        if held_units + units > self.max_unpaid_units:
            raise TooManyUnpaidUnits(
                f"Your unpaid orders hold {held_units} units; with these {units} they would "
                f"hold more than {self.max_unpaid_units}. Pay for or cancel an order first, "
                "or order fewer.",
                limit=self.max_unpaid_units,
                held_units=held_units,
                requested_units=units,
            )
        if unpaid_orders >= self.max_unpaid_orders:
            raise TooManyUnpaidOrders(
                f"You have {unpaid_orders} unpaid orders; at most {self.max_unpaid_orders} may "
                "be open at once. Pay for or cancel one first.",
                limit=self.max_unpaid_orders,
                open_orders=unpaid_orders,
            )

    def overdue(self, created_at: datetime, now: datetime) -> bool:
        return now - created_at >= self.unpaid_timeout

    def closes_after_failure(
        self, *, failed_payments: int, created_at: datetime, now: datetime
    ) -> str | None:
        """Why an order a failed payment just sent back to ``created`` must close instead
        (the cancellation's reason), or None: it stays open for another try."""
        if failed_payments >= self.max_payment_attempts:
            return PAYMENT_ATTEMPTS_EXHAUSTED
        if self.overdue(created_at, now):
            return PAYMENT_TIMEOUT
        return None
