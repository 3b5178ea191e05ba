"""Rules of an order's content: 1-50 lines, one per product, 1-100 of each; prices are the
catalog's at the moment of ordering (a snapshot that later price changes do not touch), and
the total is theirs summed in minor units."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from marketplace_platform.problems import InvalidInput
from orders_service.domain.errors import DuplicateProduct

MAX_ITEMS = 50
MAX_QUANTITY = 100
MAX_ADDRESS_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Line:
    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True, slots=True)
class PricedLine:
    product_id: uuid.UUID
    quantity: int
    unit_price: int
    title: str

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity


def check_lines(lines: Sequence[Line]) -> None:
    """Refuse what the catalog should never be asked: a product twice (which of its
    quantities did the buyer mean?), too many lines, quantities out of range."""
    if not 1 <= len(lines) <= MAX_ITEMS:
        raise InvalidInput(f"An order holds 1 to {MAX_ITEMS} items.")
    seen: set[uuid.UUID] = set()
    for line in lines:
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"Every quantity must be 1 to {MAX_QUANTITY}.")
        if line.product_id in seen:
            raise DuplicateProduct(
                "Each product may appear once; set its quantity instead.",
                product_id=str(line.product_id),
            )
        seen.add(line.product_id)


def check_priced(requested: Sequence[Line], priced: Sequence[PricedLine]) -> None:
    """The catalog priced exactly what was asked (a reservation is all-or-nothing)."""
    asked = sorted((line.product_id, line.quantity) for line in requested)
    answered = sorted((line.product_id, line.quantity) for line in priced)
    if asked != answered:
        raise ValueError("the catalog answered a reservation for other items")
    if any(line.unit_price < 0 for line in priced):
        raise ValueError("the catalog answered a negative price")


def total_of(priced: Sequence[PricedLine]) -> int:
    return sum(line.amount for line in priced)
