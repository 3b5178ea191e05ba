"""What the use cases need from the outside, besides their unit of work.

The use cases take a *unit of work factory* (``UnitOfWorkFactory``: a fresh
``PaymentsUnitOfWork`` per transaction, ``read_only`` for one that only reads) and the peers
they call, described here as protocols:
the orders service (``adapters.orders.OrdersClient``) and the card processor
(``adapters.processor.SimulatedProcessor``). Unit tests hand them fakes of the same shape.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from marketplace_platform.events.unit_of_work import UnitOfWorkFactory as PlatformUnitOfWorkFactory
from payments_service.adapters.orders import OrderSnapshot
from payments_service.adapters.processor import Charge
from payments_service.adapters.unit_of_work import PaymentsUnitOfWork
from payments_service.domain.cards import Card
from payments_service.domain.orders import PlacedOrder

UnitOfWorkFactory = PlatformUnitOfWorkFactory[PaymentsUnitOfWork]


class Orders(Protocol):
    def placed(self, order_id: uuid.UUID) -> PlacedOrder | None:
        """The order as its creation event told payments, if heard (no call); or None."""

    async def get_order(self, order_id: uuid.UUID) -> OrderSnapshot | None:
        """The order as orders knows it now, or None; ``OrdersUnavailable`` if it cannot say."""


class Processor(Protocol):
    """The card processor; a payment's id is its charge key there."""

    async def charge(self, *, key: str, amount: int, currency: str, card: Card) -> Charge:
        """Charge once per key: a repeat returns the first charge."""

    async def void(self, key: str) -> Charge:
        """Close a key never charged (a late charge then fails); either way its record."""

    async def refund(self, key: str) -> Charge:
        """Give a successful charge's money back; again changes nothing."""
