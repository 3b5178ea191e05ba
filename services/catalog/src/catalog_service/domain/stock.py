"""Stock reservations: what the orders service asks of the catalog for one order.

A reservation is all-or-nothing (every line is reserved, or none is), identified by the
caller's id (the order id) so that a retried call changes nothing, and moves through
``reserved -> committed`` (paid: the sale is final) or ``-> released`` (cancelled: the units
return to stock, also after a commit, when a paid order is cancelled and refunded).
``released`` is final.

A release may arrive before its reservation (the caller gave up on a reserve call that was
still on its way). It is kept as a released reservation without items, so that the late
reserve call takes nothing and is refused: releasing is safe whatever the order of calls.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from catalog_service.domain.errors import ReservationConflict
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
