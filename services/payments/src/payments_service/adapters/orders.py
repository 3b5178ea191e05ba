"""The orders service's internal API, as payments needs it: the order it is asked to charge.

One pooled ``httpx.AsyncClient`` per process. Replicas of orders (``PAYMENTS_ORDERS_URL`` with
several URLs) are used in turn, and a replica that cannot be reached is skipped for the next
one: the call is a read, so trying it twice is harmless. Every failure to get an answer
(refused, timed out, a 5xx, a reply that makes no sense) is ``OrdersUnavailable``: the
payer gets a 503 and nothing is charged.
"""

from __future__ import annotations

import itertools
import logging
import uuid

import httpx
from pydantic import BaseModel, ValidationError

from marketplace_platform.logs import request_id_var
from marketplace_platform.security.dependencies import INTERNAL_TOKEN_HEADER
from marketplace_platform.tracing import current_traceparent
from payments_service.domain.errors import OrdersUnavailable

log = logging.getLogger(__name__)


class OrderSnapshot(BaseModel):
    """What payments needs to know about an order, as orders answers it now."""

    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    total: int
    currency: str


class OrdersClient:
    def __init__(self, base_urls: list[str], *, internal_token: str, timeout: float) -> None:
        if not base_urls:
            raise ValueError("no orders URL")
        self.base_urls = base_urls
        self._next = itertools.cycle(range(len(self.base_urls)))
        self._http = httpx.AsyncClient(
            timeout=timeout,
            headers={INTERNAL_TOKEN_HEADER: internal_token},
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def get_order(self, order_id: uuid.UUID) -> OrderSnapshot | None:
        """The order, or None if orders does not know it."""
        first = next(self._next)
        last_error: Exception | None = None
        for offset in range(len(self.base_urls)):
            base = self.base_urls[(first + offset) % len(self.base_urls)]
            headers = self._context_headers()
            try:
                response = await self._http.get(
                    f"{base}/internal/orders/{order_id}", headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                last_error = error  # this replica is down: the next one may answer
                continue
            except httpx.HTTPError as error:
                # Sent, and no answer in time: another replica would likely do no better.
                raise OrdersUnavailable("The orders service did not answer in time.") from error
            return self._order_from(response)
        log.warning("orders unreachable: %s", last_error)
        raise OrdersUnavailable("The orders service cannot be reached; nothing was charged.")

    @staticmethod
    def _context_headers() -> dict[str, str]:
        # Orders' log lines for this call join the payment request's.
        headers = {}
        if (request_id := request_id_var.get()) is not None:
            headers["X-Request-ID"] = request_id
        if (traceparent := current_traceparent()) is not None:
            headers["traceparent"] = traceparent
        return headers

    @staticmethod
    def _order_from(response: httpx.Response) -> OrderSnapshot | None:
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("orders answered %s to an order lookup", response.status_code)
            raise OrdersUnavailable("The orders service could not answer; nothing was charged.")
        try:
            return OrderSnapshot.model_validate_json(response.content)
        except ValidationError as error:
            raise OrdersUnavailable("The orders service answered something unexpected.") from error
