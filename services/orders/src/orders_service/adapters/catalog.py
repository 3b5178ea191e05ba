"""The catalog's stock reservation API, as orders uses it: reserve (prices and reserves in one
all-or-nothing call, keyed by the order id), release, commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel

from marketplace_platform.internal_http import BadAnswer, InternalClient, PeerUnavailable, json_of
from marketplace_platform.problems import InvalidInput
from orders_service.domain.errors import (
    CatalogUnavailable,
    InsufficientStock,
    ProductUnavailable,
    UnknownProduct,
)
from orders_service.domain.orders import Line, PricedLine

log = logging.getLogger(__name__)

RESERVATIONS = "/internal/stock/reservations"

# Problem fields of the catalog's refusals that are worth passing on to the buyer.
_PASSED_ON = ("product_id", "product_ids", "requested", "available")


class StockCallFailed(Exception):
    """A release or commit the catalog did not confirm; it is retried later."""


class ReservationMissing(StockCallFailed):
    """The catalog knows no such reservation: it never came to be, or has not yet (a
    reserve call that timed out may still be on its way)."""


class Reservation:
    def __init__(self, currency: str, lines: list[PricedLine]) -> None:
        self.currency = currency
        self.lines = lines


class CatalogClient:
    def __init__(self, client: InternalClient) -> None:
        self.client = client

    async def reserve(self, reservation_id: uuid.UUID, lines: Sequence[Line]) -> Reservation:
        """Price and reserve every line or none. The catalog's refusals become this
        service's problems; an unreachable or failing catalog is ``CatalogUnavailable``."""
        body = {
            "reservation_id": str(reservation_id),
            "items": [
                {"product_id": str(line.product_id), "quantity": line.quantity} for line in lines
            ],
        }
        try:
            response = await self.client.request("POST", RESERVATIONS, json=body)
        except PeerUnavailable as error:
            log.warning("catalog unreachable while reserving stock: %s", error)
            raise CatalogUnavailable(
                "The catalog cannot be reached; no order was placed. Try again shortly."
            ) from None
        if response.status_code == 200:
            return _reservation(response)
        problem = _problem(response)
        extra = {key: problem[key] for key in _PASSED_ON if key in problem}
        detail = problem.get("detail") if isinstance(problem.get("detail"), str) else None
        slug = str(problem.get("type", "")).rsplit("/", 1)[-1]
        if response.status_code in (404, 422) and slug in ("unknown-product", "product-not-found"):
            raise UnknownProduct(detail or "Some products do not exist.", **extra)
        if response.status_code == 409 and slug == "insufficient-stock":
            raise InsufficientStock(detail or "Not enough in stock.", **extra)
        if response.status_code == 409 and slug == "product-unavailable":
            raise ProductUnavailable(detail or "Some products are no longer sold.", **extra)
        if response.status_code in (404, 422):
            raise InvalidInput(detail or "The catalog refused these items.", **extra)
        log.warning("catalog answered %s to a reservation", response.status_code)
        raise CatalogUnavailable("The catalog could not reserve the stock; no order was placed.")

    async def release(self, reservation_id: uuid.UUID) -> None:
        await self._step(reservation_id, "release")

    async def commit(self, reservation_id: uuid.UUID) -> None:
        await self._step(reservation_id, "commit")

    async def _step(self, reservation_id: uuid.UUID, action: str) -> None:
        try:
            path = f"{RESERVATIONS}/{reservation_id}/{action}"
            response = await self.client.request("POST", path)
        except PeerUnavailable as error:
            raise StockCallFailed(str(error)) from None
        if response.status_code == 200:
            return
        if response.status_code == 404:
            raise ReservationMissing(f"the catalog has no reservation {reservation_id}")
        if response.status_code == 409 and action == "commit":
            # Released already (the order was cancelled): the commit is moot.
            return
        raise StockCallFailed(f"catalog answered {response.status_code} to {action}")


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class _ReservedItem(BaseModel):
    product_id: uuid.UUID
    quantity: int
    unit_price: int
    title: str = ""


class _ReservationAnswer(BaseModel):
    currency: str
    items: list[_ReservedItem]


def _reservation(response: httpx.Response) -> Reservation:
    """The catalog's 200; one that cannot be read is an unavailable catalog (503, and the
    reservation it may have made is released), never a 500."""
    try:
        body = json_of(response, _ReservationAnswer)
    except BadAnswer as error:
        log.warning("%s", error)
        raise CatalogUnavailable(
            "The catalog gave an answer that could not be read; no order was placed."
        ) from None
    lines = [
        PricedLine(
            product_id=item.product_id,
            quantity=item.quantity,
            unit_price=item.unit_price,
            title=item.title,
        )
        for item in body.items
    ]
    return Reservation(currency=body.currency, lines=lines)
