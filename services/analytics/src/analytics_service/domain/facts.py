"""The facts kept per order and per review, and what each contributes to the rollups.

Events may come twice and in any order. The inbox takes care of "twice"; for "any order",
every fact here is a *join* of what its events said: flags that only ever turn on (paid,
cancelled), amounts that only add up (refunds, failed payments: each event is counted once
by the inbox), values set once (the order's lines and time of placing) and values kept by
the newest stamp (a review's rating). Merging the same events in any order ends in the same
fact.

A rollup never stores anything of its own: it is the sum of its facts' contributions
(``order_figures``, ``line_figures`` ...), each a pure function of the fact. An event changes
one fact from ``before`` to ``after`` and adds ``contribution(after) - contribution(before)``
to the rollups in the same transaction, so every rollup equals the sum over the final facts
whatever order the events came in: the deltas telescope. Nothing is counted before the order
is known to be placed (its ``placed_at`` names the period), so a payment or a refund heard
before the order itself counts once it is, in the order's period; a cancellation or refund
long after the period closed corrects that period.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

Figures = dict[str, int]


@dataclass(frozen=True, slots=True)
class Line:
    product_id: uuid.UUID
    quantity: int
    unit_price: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True, slots=True)
class OrderFact:
    order_id: uuid.UUID
    user_id: uuid.UUID | None = None
    placed_at: datetime | None = None
    total: int = 0
    lines: tuple[Line, ...] = ()
    paid: bool = False
    cancelled: bool = False
    refunded: int = 0
    failed_payments: int = 0

    # -- what events say (each returns the merged fact) ------------------------------------

    def placed(
        self, *, user_id: uuid.UUID, at: datetime, total: int, lines: tuple[Line, ...]
    ) -> OrderFact:
        return replace(self, user_id=user_id, placed_at=at, total=total, lines=lines)

    def paid_for(self, *, user_id: uuid.UUID, total: int, lines: tuple[Line, ...]) -> OrderFact:
        # The paid event repeats what the order holds, in case it comes first.
        return replace(
            self,
            user_id=user_id,
            total=total if self.placed_at is None else self.total,
            lines=self.lines or lines,
            paid=True,
        )

    def with_cancellation(self) -> OrderFact:
        return replace(self, cancelled=True)

    def with_refund(self, amount: int) -> OrderFact:
        return replace(self, refunded=self.refunded + amount)

    def with_failed_payment(self) -> OrderFact:
        return replace(self, failed_payments=self.failed_payments + 1)

    # -- what it contributes ---------------------------------------------------------------

    @property
    def counted(self) -> bool:
        """Its figures count once its placing (and so its period) is known."""
        return self.placed_at is not None

    @property
    def buyer_key(self) -> tuple[datetime, uuid.UUID] | None:
        """Its place among its buyer's paid orders, oldest first: the first is a new
        buyer's."""
        if not (self.counted and self.paid):
            return None
        assert self.placed_at is not None
        return (self.placed_at, self.order_id)


def order_figures(fact: OrderFact, *, first_of_buyer: bool) -> Figures:
    """What the order adds to its period's sales."""
    if not fact.counted:
        return {}
    paid = int(fact.paid)
    return {
        "orders": 1,
        "paid_orders": paid,
        "revenue": fact.total * paid,
        "cancelled_orders": int(fact.cancelled),
        "refunds": fact.refunded,
        "refunded_orders": int(fact.refunded > 0),
        "failed_payments": fact.failed_payments,
        "new_buyers": paid * int(first_of_buyer),
        "returning_orders": paid * int(not first_of_buyer),
    }


def line_figures(fact: OrderFact, line: Line) -> Figures:
    """What one line adds to its product's (and its category's) figures of the period. A
    refunded order refunds every line whole: refunds here are cancellations of paid orders."""
    if not fact.counted:
        return {}
    paid = int(fact.paid)
    return {
        "orders": 1,
        "paid_orders": paid,
        "units": line.quantity * paid,
        "revenue": line.amount * paid,
        "cancellations": int(fact.cancelled),
        "refunds": line.amount * int(fact.refunded > 0),
    }


def user_figures(fact: OrderFact) -> Figures:
    if not fact.counted:
        return {}
    paid = int(fact.paid)
    return {
        "orders": 1,
        "paid_orders": paid,
        "spent": fact.total * paid,
        "refunded": fact.refunded,
    }


@dataclass(frozen=True, slots=True)
class ReviewFact:
    """A review as its events told it: its product and day once created, its rating by the
    newest edit, whether it is deleted (for good) or hidden (by the newest moderation)."""

    review_id: uuid.UUID
    product_id: uuid.UUID
    created_at: datetime | None = None
    rating: int = 0
    rating_as_of: datetime | None = None
    deleted: bool = False
    hidden: bool = False
    hidden_as_of: datetime | None = None

    def created(self, *, at: datetime, rating: int) -> ReviewFact:
        return replace(self, created_at=at).rated(rating, as_of=at)

    def rated(self, rating: int, *, as_of: datetime) -> ReviewFact:
        if _newer((as_of, rating), self.rating_as_of, self.rating):
            return replace(self, rating=rating, rating_as_of=as_of)
        return self

    def with_deletion(self) -> ReviewFact:
        return replace(self, deleted=True)

    def moderated(self, *, hidden: bool, as_of: datetime) -> ReviewFact:
        if _newer((as_of, int(hidden)), self.hidden_as_of, int(self.hidden)):
            return replace(self, hidden=hidden, hidden_as_of=as_of)
        return self


def _newer(candidate: tuple[datetime, int], as_of: datetime | None, value: int) -> bool:
    """The newest stamp wins; a tie is broken by the value, so the order never matters."""
    return as_of is None or candidate > (as_of, value)


def review_figures(fact: ReviewFact) -> Figures:
    if fact.created_at is None or fact.deleted or fact.hidden:
        return {}
    return {"reviews": 1, "rating_sum": fact.rating}


def delta(before: Mapping[str, int], after: Mapping[str, int]) -> Figures:
    """``after - before``, without the figures that did not change."""
    changes = {name: after.get(name, 0) - before.get(name, 0) for name in {*before, *after}}
    return {name: change for name, change in changes.items() if change}
