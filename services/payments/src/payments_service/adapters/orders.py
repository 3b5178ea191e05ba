"""The orders service as payments knows it: the orders it heard placed (``PlacedOrders``), and
its internal API for the order it is asked to charge (``OrdersClient``).

Payments hears every ``orders.order.created.v1`` on core NATS (JetStream's publishes reach
core subscribers too) and keeps the newest orders' facts in memory: who placed each and what
it costs, which never change (``domain.orders``). Nothing is stored and nothing is awaited:
an order not heard of (published while this replica was away, evicted, or not arrived yet
when its payment comes) is asked for over HTTP, as every order was before. So a lost message
costs one call, never a wrong answer.

The calls themselves (replicas in turn, the internal token, the request's trace, timeouts)
are the platform's ``InternalClient``. Every failure to get an answer (refused, timed out, a
5xx, a reply that makes no sense) is ``OrdersUnavailable``: the payer gets a 503 and nothing
is charged.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict

from pydantic import BaseModel

from marketplace_platform.internal_http import (
    BadAnswer,
    InternalClient,
    PeerTimedOut,
    PeerUnavailable,
    json_of,
)
from payments_service.domain.errors import OrdersUnavailable
from payments_service.domain.orders import PlacedOrder

log = logging.getLogger(__name__)

ORDERS = "/internal/orders"


class OrderSnapshot(BaseModel):
    """What payments needs to know about an order, as orders answers it now."""

    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    total: int
    currency: str


class PlacedOrders:
    """The newest ``capacity`` orders payments heard placed, by id."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._orders: OrderedDict[uuid.UUID, PlacedOrder] = OrderedDict()

    def remember(self, order: PlacedOrder) -> None:
        """Keep the order (hearing it again changes nothing), forgetting the oldest past the
        capacity: an order is paid within moments of its creation, or asked for."""
        if order.order_id in self._orders:
            return
        self._orders[order.order_id] = order
        if len(self._orders) > self.capacity:
            self._orders.popitem(last=False)

    def get(self, order_id: uuid.UUID) -> PlacedOrder | None:
        return self._orders.get(order_id)


class OrdersClient:
    def __init__(self, client: InternalClient, placed: PlacedOrders | None = None) -> None:
        self.client = client
        self.heard = placed if placed is not None else PlacedOrders()

    def placed(self, order_id: uuid.UUID) -> PlacedOrder | None:
        """The order as its creation event told, if this replica heard it; no call."""
        return self.heard.get(order_id)

    async def close(self) -> None:
        await self.client.close()

    async def get_order(self, order_id: uuid.UUID) -> OrderSnapshot | None:
        """The order, or None if orders does not know it."""
        try:
            response = await self.client.request("GET", f"{ORDERS}/{order_id}")
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                log.warning("orders answered %s to an order lookup", response.status_code)
                raise OrdersUnavailable("The orders service could not answer; nothing was charged.")
            return json_of(response, OrderSnapshot)
        except PeerTimedOut as error:
            raise OrdersUnavailable("The orders service did not answer in time.") from error
        except BadAnswer as error:
            raise OrdersUnavailable("The orders service answered something unexpected.") from error
        except PeerUnavailable as error:
            log.warning("orders unreachable: %s", error)
            raise OrdersUnavailable(
                "The orders service cannot be reached; nothing was charged."
            ) from error
