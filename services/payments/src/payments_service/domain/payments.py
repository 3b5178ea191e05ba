"""A payment's life and the rules that guard it.

A payment is one try at paying an order with one card; a declined card ends the try, and the
payer tries again with a new payment (attempt 2, 3 ...)::

    pending --charged--> succeeded --refund--> refunded
       |
       +--declined--> failed          (the order may then get a new payment)

Each payment has one outcome, so every consumer of its events can say "first outcome heard
wins" per payment id. An order has at most one pending or succeeded payment at any time: a
new try starts only when every earlier one failed (and a partial unique index holds the line
if two requests race).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from payments_service.domain.errors import (
    AlreadyPaid,
    AmountMismatch,
    OrderNotPayable,
    OrderSettling,
    PaymentInProgress,
)

PAYABLE_ORDER_STATUS = "created"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class AttemptStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class FailureReason(enum.StrEnum):
    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    PROCESSING_ERROR = "processing_error"
    EXPIRED_CARD = "expired_card"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the processor said about one charge."""

    succeeded: bool
    reason: FailureReason | None = None

    def __post_init__(self) -> None:
        if self.succeeded == (self.reason is not None):
            raise ValueError("a successful charge has no failure reason, a failed one has one")

    @property
    def attempt_status(self) -> AttemptStatus:
        return AttemptStatus.SUCCEEDED if self.succeeded else AttemptStatus.FAILED

    @property
    def payment_status(self) -> PaymentStatus:
        return PaymentStatus.SUCCEEDED if self.succeeded else PaymentStatus.FAILED


def check_order_payable(order_status: str, *, earlier: Iterable[PaymentStatus] = ()) -> None:
    """Only a ``created`` order is paid. One still ``processing`` after every try payments
    made has failed is only late to hear it (the failure travels as an event): the payer is
    told to repeat in a moment rather than that the order cannot be paid."""
    statuses = set(earlier)
    if order_status == "processing" and statuses == {PaymentStatus.FAILED}:
        raise OrderSettling(
            "The last payment of this order failed a moment ago and the order has not caught "
            "up yet; pay again in a second.",
            order_status=order_status,
        )
    if order_status != PAYABLE_ORDER_STATUS:
        raise OrderNotPayable(
            f"The order is {order_status}; only a created order can be paid.",
            order_status=order_status,
        )


def check_amount(requested: int | None, *, total: int) -> None:
    """The payer may state the amount they agreed to; it must be the order's total now."""
    if requested is not None and requested != total:
        raise AmountMismatch(
            f"The order's total is {total}, not {requested}.", order_total=total
        )


def check_can_attempt(earlier: Iterable[PaymentStatus]) -> None:
    """A new try starts only if every earlier payment of the order failed: never beside a
    pending one, never after a successful one."""
    statuses = set(earlier)
    if PaymentStatus.PENDING in statuses:
        raise PaymentInProgress("A payment for this order is in progress.")
    if statuses - {PaymentStatus.FAILED}:
        raise AlreadyPaid("This order has been paid already.")


def can_settle(status: PaymentStatus) -> bool:
    """Only a pending payment takes the outcome of its charge: a second answer for the same
    attempt (the request path and recovery racing) finds it settled and changes nothing."""
    return status is PaymentStatus.PENDING


def can_refund(status: PaymentStatus) -> bool:
    return status is PaymentStatus.SUCCEEDED
