"""The other services the use cases call, as the use cases see them. The adapters
(``adapters.catalog``, ``adapters.payments``) speak HTTP; unit tests pass fakes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from orders_service.adapters.catalog import Reservation
from orders_service.domain.orders import Line
from orders_service.domain.payments import PaymentRecord


class Catalog(Protocol):
    async def reserve(self, reservation_id: uuid.UUID, lines: Sequence[Line]) -> Reservation:
        """Price and reserve every line or none; refusals are the domain's problems, no
        answer is ``CatalogUnavailable``."""
        ...

    async def release(self, reservation_id: uuid.UUID) -> None:
        """Raises ``StockCallFailed`` (``ReservationMissing``) if not confirmed."""
        ...

    async def commit(self, reservation_id: uuid.UUID) -> None:
        """Raises ``StockCallFailed`` (``ReservationMissing``) if not confirmed."""
        ...


class Payments(Protocol):
    async def payments_of(self, order_id: uuid.UUID) -> list[PaymentRecord]:
        """Payments' own records of the order's payments; ``PaymentsUnavailable`` if it
        does not tell."""
        ...
