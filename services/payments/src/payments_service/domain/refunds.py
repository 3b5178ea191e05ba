"""What payments knows of cancelled orders, and when it may stop caring about one.

Payments keeps a small projection of orders' cancellations, fed by orders' events: every
succeeded payment of an order listed there is refunded (``service.refunds``). A cancellation
is *closed* once nothing of the order can need a refund any more, so the reconciler, which
looks only at open ones, finds nothing to do when all is settled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from payments_service.domain.payments import Payment


@dataclass(eq=False)
class CancelledOrder:
    """An order payments has heard is cancelled."""

    order_id: uuid.UUID
    cancelled_at: datetime
    closed_at: datetime | None = None

    def close_if_settled(
        self, payments: Iterable[Payment], *, now: datetime, grace: timedelta
    ) -> bool:
        """Close the cancellation when none of the order's payments is pending or succeeded
        and ``grace`` has passed since it was recorded: a payment that raced the cancellation
        has shown up by then (and ``Payment.start`` refuses one after it). Returns whether it
        closed now."""
        if self.closed_at is not None or any(payment.active for payment in payments):
            return False
        if self.cancelled_at >= now - grace:
            return False
        self.closed_at = now
        return True
