"""What payments knows of an order from orders' own events, and when that is enough to charge
it without asking orders.

Orders announces every order it places (``orders.order.created.v1``) with whose it is and what
it costs; those facts never change (payments keeps the newest in memory:
``adapters.orders.PlacedOrders``). Its status does, and only orders can say it, with one
exception payments can judge alone: an order leaves ``created`` only when a payment of it
starts (payments' own doing, so it has a row of it) or when it is cancelled (which payments
hears, ``cancelled_orders``). So an order payments has seen placed, has no payment of, and has
heard no cancellation of, is ``created`` as far as anyone can know without a lock in orders —
the same moment's truth orders' own answer over HTTP gives, since it too can change right
after. A cancellation still on its way is the one case it misses, as the HTTP answer could;
``Payment.start`` and the refund reconciler already make that harmless (no charge once the
cancellation is heard, a refund if it is heard after).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from payments_service.domain.payments import Payment

# The status of an order that ``status_without_asking`` can vouch for.
CREATED = "created"


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """An order as its creation event told payments."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    total: int
    currency: str
    placed_at: datetime


def status_without_asking(earlier: Sequence[Payment], *, cancelled: bool) -> str | None:
    """``created`` if payments alone can tell the placed order is still awaiting its first
    payment; None if only orders can say (it has payments, or a cancellation was heard)."""
    if earlier or cancelled:
        return None
    return CREATED
