"""Stock reservations: what the orders service asks of the catalog for one order.

A reservation is all-or-nothing (every line is reserved, or none is), identified by the
caller's id (the order id) so that a retried call changes nothing, and moves through
``reserved -> committed`` (paid: the sale is final) or ``-> released`` (cancelled: the units
return to stock, also after a commit, when a paid order is cancelled and refunded).
``released`` is final.

A ``Reservation`` is its own aggregate (one per order), separate from the ``Product``s whose
units it holds: it moves the units with the products' ``take`` and ``give_back``, and those
record the ``StockChanged`` events. The reservation itself records none (no other service
listens for it: orders hears the answer of its own call).

A release may arrive before its reservation (the caller gave up on a reserve call that was
still on its way). It is kept as a released reservation without items, so that the late
reserve call takes nothing and is refused: releasing is safe whatever the order of calls.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from catalog_service.domain.errors import ProductUnavailable, ReservationConflict, UnknownProduct
from catalog_service.domain.products import Product
from marketplace_platform.problems import InvalidInput

MAX_LINES = 100
MAX_QUANTITY = 10_000


class ReservationStatus(enum.StrEnum):
    RESERVED = "reserved"
    COMMITTED = "committed"
    RELEASED = "released"


@dataclass(frozen=True, slots=True, order=True)
class Line:
    product_id: uuid.UUID
    quantity: int


def merge_lines(lines: Iterable[Line]) -> list[Line]:
    """One line per product (quantities of repeated products added up), in product id order:
    the order every transaction locks rows in, so two reservations cannot deadlock."""
    totals: dict[uuid.UUID, int] = {}
    for line in lines:
        if line.quantity < 1:
            raise InvalidInput("Every quantity must be at least 1.")
        totals[line.product_id] = totals.get(line.product_id, 0) + line.quantity
    if not totals:
        raise InvalidInput("A reservation needs at least one item.")
    if len(totals) > MAX_LINES:
        raise InvalidInput(f"A reservation holds at most {MAX_LINES} different products.")
    merged = [Line(product_id, quantity) for product_id, quantity in sorted(totals.items())]
    for line in merged:
        if line.quantity > MAX_QUANTITY:
            raise InvalidInput(f"At most {MAX_QUANTITY} of one product per reservation.")
    return merged


def check_same_lines(*, existing: Iterable[Line], requested: Iterable[Line]) -> None:
    """A repeated reservation must ask for what the first one did; one released before it
    arrived (no lines) is refused."""
    existing = sorted(existing)
    if not existing:
        raise ReservationConflict("This reservation was released before it arrived.")
    if existing != sorted(requested):
        raise ReservationConflict("This reservation id was used for other items.")


def can_release(status: ReservationStatus) -> bool:
    """Whether releasing returns units to stock (False: already released, nothing to do)."""
    return status is not ReservationStatus.RELEASED


def can_commit(status: ReservationStatus) -> bool:
    """Whether committing changes anything; a released reservation cannot be committed."""
    if status is ReservationStatus.RELEASED:
        raise ReservationConflict("The reservation was released; it cannot be committed.")
    return status is ReservationStatus.RESERVED


class ReservedItem:
    """One line, with the price, title and kind as they were when reserved: what the order
    shows, whatever the product becomes."""

    def __init__(
        self, *, product_id: uuid.UUID, quantity: int, unit_price: int, title: str, kind: str
    ) -> None:
        self.product_id = product_id
        self.quantity = quantity
        self.unit_price = unit_price
        self.title = title
        self.kind = kind


class Reservation:
    """The units held for one order (``id`` is the order id)."""

    def __init__(
        self,
        *,
        id: uuid.UUID,
        status: ReservationStatus,
        currency: str | None,
        items: list[ReservedItem],
        now: datetime,
    ) -> None:
        self.id = id
        self.status = status.value
        # None only for a release that came before its reservation: no items, no currency.
        self.currency = currency
        self.items = items
        self.created_at = now
        self.updated_at = now

    @classmethod
    def place(
        cls,
        reservation_id: uuid.UUID,
        lines: list[Line],
        products: Mapping[uuid.UUID, Product],
        *,
        now: datetime,
    ) -> Reservation:
        """Take every line's units from ``products`` (found by id, locked by the caller) or
        none: every check runs before the first unit is taken. ``lines`` come from
        ``merge_lines``."""
        missing = [str(line.product_id) for line in lines if line.product_id not in products]
        if missing:
            raise UnknownProduct("Some products do not exist.", product_ids=missing)
        wanted = [products[line.product_id] for line in lines]
        archived = [str(product.id) for product in wanted if not product.active]
        if archived:
            raise ProductUnavailable("Some products are no longer sold.", product_ids=archived)
        if len({product.currency for product in wanted}) > 1:
            raise InvalidInput("One reservation (one order) cannot mix currencies.")
        for line, product in zip(lines, wanted, strict=True):
            product.check_available(line.quantity)
        for line, product in zip(lines, wanted, strict=True):
            product.take(line.quantity, reservation_id=reservation_id, now=now)
        return cls(
            id=reservation_id,
            status=ReservationStatus.RESERVED,
            currency=wanted[0].currency,
            items=[
                ReservedItem(
                    product_id=product.id,
                    quantity=line.quantity,
                    unit_price=product.price,
                    title=product.title,
                    kind=product.kind,
                )
                for line, product in zip(lines, wanted, strict=True)
            ],
            now=now,
        )

    @classmethod
    def released_before_arrival(cls, reservation_id: uuid.UUID, *, now: datetime) -> Reservation:
        """What a release of an unknown reservation leaves: a released one without items, so
        that the reserve call still on its way is refused and takes nothing."""
        return cls(
            id=reservation_id, status=ReservationStatus.RELEASED, currency=None, items=[], now=now
        )

    @property
    def lines(self) -> list[Line]:
        return [Line(item.product_id, item.quantity) for item in self.items]

    @property
    def product_ids(self) -> list[uuid.UUID]:
        return [item.product_id for item in self.items]

    @property
    def holding(self) -> bool:
        """Whether it holds units (reserved or committed) that a release would give back."""
        return can_release(ReservationStatus(self.status))

    def check_repeat(self, lines: Iterable[Line]) -> None:
        """A repeated reserve call must ask for what the first one did."""
        check_same_lines(existing=self.lines, requested=lines)

    def release(self, products: Mapping[uuid.UUID, Product], *, now: datetime) -> None:
        """Give the units back to ``products`` (locked by the caller); releasing again
        changes nothing."""
        if not self.holding:
            return
        for item in self.items:
            products[item.product_id].give_back(item.quantity, reservation_id=self.id, now=now)
        self.status = ReservationStatus.RELEASED.value
        self.updated_at = now

    def commit(self, *, now: datetime) -> None:
        """The sale is final; committing again changes nothing, a released one cannot be."""
        if can_commit(ReservationStatus(self.status)):
            self.status = ReservationStatus.COMMITTED.value
            self.updated_at = now
