"""A payment's life and the rules that guard it: the ``Payment`` aggregate.

A payment is one try at paying an order with one card; a declined card ends the try, and the
payer tries again with a new payment (attempt 2, 3 ...)::

    pending --charged--> succeeded --refund--> refunded
       |
       +--declined--> failed          (the order may then get a new payment)

Each payment has one outcome, so every consumer of its events can say "first outcome heard
wins" per payment id. An order has at most one pending or succeeded payment at any time: a
new try starts only when every earlier one failed (and a partial unique index holds the line
if two requests race).

``Payment`` changes only through its methods (``start``, ``settle``, ``refund``), which check
these rules and record the contract event each change owes the other services
(``PaymentStarted``, ``PaymentSucceeded`` / ``PaymentFailed``, ``PaymentRefunded``). The unit
of work that loaded or added the payment writes those events to the outbox with the change.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from marketplace_contracts import PaymentFailed, PaymentRefunded, PaymentStarted, PaymentSucceeded
from marketplace_platform.aggregates import Aggregate
from payments_service.domain.cards import CardSummary
from payments_service.domain.errors import (
    AlreadyPaid,
    AmountMismatch,
    OrderNotPayable,
    OrderSettling,
    PaymentInProgress,
)

PAYABLE_ORDER_STATUS = "created"
CANCELLED_ORDER_STATUS = "cancelled"


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


@dataclass(eq=False)
class Payment(Aggregate):
    """One try at paying an order with one card. Its id is also the processor's charge key:
    asking the processor about it (recovery) or charging it twice (a retry) can only ever
    concern this payment.

    An entity, so two payments are equal only if they are the same object (``eq=False``).
    """

    id: uuid.UUID
    order_id: uuid.UUID
    attempt: int  # 1 for the order's first try, 2 after a decline, ...
    user_id: uuid.UUID
    status: PaymentStatus
    amount: int  # minor units of ``currency``
    currency: str
    card_brand: str
    card_last4: str
    created_at: datetime
    updated_at: datetime
    failure_reason: FailureReason | None = None
    settled_at: datetime | None = None
    refunded_at: datetime | None = None

    @classmethod
    def start(
        cls,
        *,
        id: uuid.UUID,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        amount: int,
        currency: str,
        card: CardSummary,
        order_status: str,
        earlier: Sequence[Payment],
        order_cancelled: bool,
        at: datetime,
    ) -> Payment:
        """A new pending try at paying the order, after ``earlier`` (the order's payments,
        first try first), recording ``PaymentStarted``.

        Refused if the order is not awaiting payment (one ``processing`` whose every try
        failed is only settling), if an earlier try is pending or succeeded, or if payments
        has heard the order is cancelled although orders' answer said otherwise a moment ago:
        no charge for an order that will not ship."""
        statuses = [payment.status for payment in earlier]
        check_order_payable(order_status, earlier=statuses)
        check_can_attempt(statuses)
        if order_cancelled:
            check_order_payable(CANCELLED_ORDER_STATUS)
        payment = cls(
            id=id,
            order_id=order_id,
            attempt=len(earlier) + 1,
            user_id=user_id,
            status=PaymentStatus.PENDING,
            amount=amount,
            currency=currency,
            card_brand=card.brand.value,
            card_last4=card.last4,
            created_at=at,
            updated_at=at,
        )
        payment.record(
            PaymentStarted(
                payment_id=id, order_id=order_id, user_id=user_id, amount=amount, currency=currency
            )
        )
        return payment

    def settle(self, outcome: Outcome, *, at: datetime) -> bool:
        """Take the outcome of this payment's charge, recording ``PaymentSucceeded`` or
        ``PaymentFailed``. A payment settled already (the request and recovery both got
        there) keeps its outcome: returns False and records nothing."""
        if not can_settle(self.status):
            return False
        self.status = outcome.payment_status
        self.failure_reason = outcome.reason
        self.settled_at = self.updated_at = at
        if outcome.reason is None:
            self.record(
                PaymentSucceeded(
                    payment_id=self.id,
                    order_id=self.order_id,
                    user_id=self.user_id,
                    amount=self.amount,
                    currency=self.currency,
                    card_brand=self.card_brand,
                    card_last4=self.card_last4,
                )
            )
        else:
            self.record(
                PaymentFailed(
                    payment_id=self.id,
                    order_id=self.order_id,
                    user_id=self.user_id,
                    amount=self.amount,
                    currency=self.currency,
                    reason=outcome.reason.value,
                )
            )
        return True

    @property
    def refundable(self) -> bool:
        return can_refund(self.status)

    def refund(self, *, at: datetime) -> bool:
        """Mark the money given back (the processor refunded the charge), recording
        ``PaymentRefunded``. Only a succeeded payment is refunded: of racing refunders, the
        first finds it refundable, the others get False and record nothing."""
        if not self.refundable:
            return False
        self.status = PaymentStatus.REFUNDED
        self.refunded_at = self.updated_at = at
        self.record(
            PaymentRefunded(
                payment_id=self.id,
                order_id=self.order_id,
                user_id=self.user_id,
                amount=self.amount,
                currency=self.currency,
            )
        )
        return True

    @property
    def active(self) -> bool:
        """Pending or succeeded: the order has, or may yet have, this payment's money."""
        return self.status in (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)
