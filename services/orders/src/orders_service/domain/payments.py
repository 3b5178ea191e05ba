"""What a payment's news does to an order, whatever order the news arrives in.

Payments tells orders about each payment through events (started, succeeded, failed,
refunded), delivered at least once and not necessarily in order; reconciliation tells the same
from payments' records. The order keeps what it last learnt of each payment, so each piece
of news is judged against it:

- news no newer than what is known is ignored: a redelivery, ``started`` arriving after the
  outcome, ``failed`` after ``succeeded`` (a payment has one outcome: the first one heard);
- ``started`` moves a ``created`` order to ``processing``;
- ``succeeded`` makes a ``created`` or ``processing`` order ``paid`` (through ``processing``,
  so the history shows every edge). Money taken for a cancelled order is given back: the
  order asks for a refund. A second payment succeeding on a paid order is noted for an
  operator;
- ``failed`` moves a ``processing`` order back to ``created`` with the reason, so the user
  can pay again; a ``created`` order goes there through ``processing`` (the failure overtook
  its ``started``: two replicas apply events in parallel, a redelivery comes late), so the
  reason is in the history and the failure counts against the order's tries either way;
- ``refunded`` is noted in the history; the order's status does not change.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orders_service.domain.status_machine import OrderStatus


class PaymentOutcome(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


# The note (and refund reason) for money taken for an order cancelled meanwhile.
PAID_AFTER_CANCELLATION = "paid_after_cancellation"

# How far along a payment is: news of a lower or equal rank than what is known is old news.
_RANK = {
    PaymentOutcome.PENDING: 0,
    PaymentOutcome.SUCCEEDED: 1,
    PaymentOutcome.FAILED: 1,
    PaymentOutcome.REFUNDED: 2,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """``path``: the statuses the order moves through, in order (possibly none).
    ``record``: what to remember of the payment now (None: nothing new). ``note``: a history
    line when the news matters but moves nothing. ``refund``: ask payments for the money back."""

    path: tuple[OrderStatus, ...] = ()
    record: PaymentOutcome | None = None
    note: str | None = None
    refund: bool = False

    @property
    def ignored(self) -> bool:
        return self.record is None

    @property
    def reopens(self) -> bool:
        """The order goes back to ``created`` (a failure): it may have had its last try."""
        return OrderStatus.CREATED in self.path


IGNORED = Decision()


def decide(status: OrderStatus, known: PaymentOutcome | None, news: PaymentOutcome) -> Decision:
    """What ``news`` about one payment does to an order in ``status`` that knew ``known``
    about that payment."""
    if known is not None and _RANK[news] <= _RANK[known]:
        return IGNORED
    if news is PaymentOutcome.PENDING:
        if status is OrderStatus.CREATED:
            return Decision(path=(OrderStatus.PROCESSING,), record=news)
        return Decision(record=news)
    if news is PaymentOutcome.SUCCEEDED:
        if status is OrderStatus.CREATED:
            return Decision(path=(OrderStatus.PROCESSING, OrderStatus.PAID), record=news)
        if status is OrderStatus.PROCESSING:
            return Decision(path=(OrderStatus.PAID,), record=news)
        if status is OrderStatus.CANCELLED:
            return Decision(record=news, note=PAID_AFTER_CANCELLATION, refund=True)
        return Decision(record=news, note="duplicate_payment")
    if news is PaymentOutcome.FAILED:
        if status is OrderStatus.PROCESSING:
            return Decision(path=(OrderStatus.CREATED,), record=news)
        if status is OrderStatus.CREATED:
            # The decline overtook its start (or another payment's decline already sent the
            # order back): it still shows on the order, with its reason, and counts as a try.
            return Decision(path=(OrderStatus.PROCESSING, OrderStatus.CREATED), record=news)
        return Decision(record=news)
    return Decision(record=news, note="refunded")


@dataclass(eq=False)
class KnownPayment:
    """What an order last learnt of one of its payments, to judge the next news of it by."""

    payment_id: uuid.UUID
    order_id: uuid.UUID
    outcome: PaymentOutcome
    updated_at: datetime
    reason: str | None = None

    def learn(self, outcome: PaymentOutcome, *, reason: str | None, at: datetime) -> None:
        self.outcome, self.reason, self.updated_at = outcome, reason, at


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """One payment of an order as payments itself reports it (reconciliation)."""

    payment_id: str
    outcome: PaymentOutcome
    reason: str | None = None


def settle_order(records: Sequence[PaymentRecord]) -> list[PaymentRecord]:
    """The order to apply payments' records in, for an order stuck in ``processing``:
    in-flight ones first and failures before successes, so a success anywhere wins."""
    order = {
        PaymentOutcome.PENDING: 0,
        PaymentOutcome.FAILED: 1,
        PaymentOutcome.SUCCEEDED: 2,
        PaymentOutcome.REFUNDED: 3,
    }
    return sorted(records, key=lambda record: order[record.outcome])


def nothing_in_flight(records: Sequence[PaymentRecord]) -> bool:
    """Whether payments has no payment of the order under way or done: an order left in
    ``processing`` then goes back to ``created`` so the user can pay again."""
    return all(record.outcome is PaymentOutcome.FAILED for record in records)
