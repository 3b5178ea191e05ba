"""The orders service's internal API, as payments needs it: the order it is asked to charge.

The calls themselves (replicas in turn, the internal token, the request's trace, timeouts)
are the platform's ``InternalClient``. Every failure to get an answer (refused, timed out, a
5xx, a reply that makes no sense) is ``OrdersUnavailable``: the payer gets a 503 and nothing
is charged.
"""

from __future__ import annotations

import logging
import uuid

from pydantic import BaseModel

from marketplace_platform.internal_http import (
    BadAnswer,
    InternalClient,
    PeerTimedOut,
    PeerUnavailable,
    json_of,
)
from payments_service.domain.errors import OrdersUnavailable

log = logging.getLogger(__name__)

ORDERS = "/internal/orders"


class OrderSnapshot(BaseModel):
    """What payments needs to know about an order, as orders answers it now."""

    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    total: int
    currency: str


class OrdersClient:
    def __init__(self, client: InternalClient) -> None:
        self.client = client

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
