"""The payment's rules: which order can be paid, when a new attempt may start, what settles;
and the ``Payment`` aggregate that applies them and records the events of its changes."""

import uuid
from datetime import UTC, datetime

import pytest

from marketplace_contracts import PaymentFailed, PaymentRefunded, PaymentStarted, PaymentSucceeded
from payments_service.domain.cards import Brand, CardSummary
from payments_service.domain.errors import (
    AlreadyPaid,
    AmountMismatch,
    OrderNotPayable,
    OrderSettling,
    PaymentInProgress,
)
from payments_service.domain.payments import (
    FailureReason,
    Outcome,
    Payment,
    PaymentStatus,
    can_refund,
    can_settle,
    check_amount,
    check_can_attempt,
    check_order_payable,
)

pytestmark = pytest.mark.unit

ORDER = uuid.uuid4()
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def test_only_a_created_order_can_be_paid() -> None:
    check_order_payable("created")
    for status in ("processing", "paid", "cancelled", "delivered"):
        with pytest.raises(OrderNotPayable):
            check_order_payable(status)


def test_a_stated_amount_must_be_the_orders_total() -> None:
    check_amount(None, total=500)
    check_amount(500, total=500)
    with pytest.raises(AmountMismatch):
        check_amount(499, total=500)


def test_a_new_try_starts_only_when_every_earlier_one_failed() -> None:
    check_can_attempt([])
    check_can_attempt([PaymentStatus.FAILED, PaymentStatus.FAILED])
    with pytest.raises(PaymentInProgress):
        check_can_attempt([PaymentStatus.FAILED, PaymentStatus.PENDING])
    for status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
        with pytest.raises(AlreadyPaid):
            check_can_attempt([PaymentStatus.FAILED, status])


def test_only_a_pending_payment_settles_and_only_a_succeeded_one_refunds() -> None:
    assert [s for s in PaymentStatus if can_settle(s)] == [PaymentStatus.PENDING]
    assert [s for s in PaymentStatus if can_refund(s)] == [PaymentStatus.SUCCEEDED]


def test_an_outcome_is_a_success_or_a_failure_with_a_reason() -> None:
    assert Outcome(succeeded=True).payment_status is PaymentStatus.SUCCEEDED
    failed = Outcome(succeeded=False, reason=FailureReason.CARD_DECLINED)
    assert failed.payment_status is PaymentStatus.FAILED
    with pytest.raises(ValueError, match="reason"):
        Outcome(succeeded=False)
    with pytest.raises(ValueError, match="reason"):
        Outcome(succeeded=True, reason=FailureReason.CARD_DECLINED)


# -- the Payment aggregate -------------------------------------------------------------------


def start(*, earlier=(), order_status: str = "created", order_cancelled: bool = False) -> Payment:
    return Payment.start(
        id=uuid.uuid4(), order_id=ORDER, user_id=uuid.uuid4(), amount=500, currency="RUB",
        card=CardSummary(brand=Brand.VISA, last4="4242"), order_status=order_status,
        earlier=list(earlier), order_cancelled=order_cancelled, at=NOW,
    )


def settled(outcome: Outcome) -> Payment:
    payment = start()
    payment.settle(outcome, at=NOW)
    payment.pull_events()
    return payment


def test_a_started_payment_is_pending_and_records_payment_started() -> None:
    failed = settled(Outcome(succeeded=False, reason=FailureReason.CARD_DECLINED))

    payment = start(earlier=[failed])

    assert (payment.status, payment.attempt) == (PaymentStatus.PENDING, 2)
    [event] = payment.pending_events
    assert isinstance(event, PaymentStarted)
    assert (event.payment_id, event.order_id, event.amount) == (payment.id, ORDER, 500)


def test_a_payment_is_not_started_beside_an_active_one_or_for_a_cancelled_order() -> None:
    with pytest.raises(PaymentInProgress):
        start(earlier=[start()])
    with pytest.raises(AlreadyPaid):
        start(earlier=[settled(Outcome(succeeded=True))])
    with pytest.raises(OrderNotPayable):
        start(order_cancelled=True)
    with pytest.raises(OrderSettling):
        start(
            earlier=[settled(Outcome(succeeded=False, reason=FailureReason.CARD_DECLINED))],
            order_status="processing",
        )


def test_a_payment_takes_its_first_outcome_only() -> None:
    payment = start()
    payment.pull_events()

    assert payment.settle(Outcome(succeeded=True), at=NOW)
    assert not payment.settle(
        Outcome(succeeded=False, reason=FailureReason.PROCESSING_ERROR), at=NOW
    )

    assert (payment.status, payment.failure_reason, payment.settled_at) == (
        PaymentStatus.SUCCEEDED, None, NOW
    )
    assert [type(event) for event in payment.pull_events()] == [PaymentSucceeded]


def test_a_failed_outcome_records_payment_failed_with_its_reason() -> None:
    payment = start()
    payment.pull_events()

    payment.settle(Outcome(succeeded=False, reason=FailureReason.INSUFFICIENT_FUNDS), at=NOW)

    [event] = payment.pull_events()
    assert isinstance(event, PaymentFailed)
    assert event.reason == "insufficient_funds"


def test_only_a_succeeded_payment_is_refunded_and_only_once() -> None:
    assert not start().refund(at=NOW)
    assert not settled(Outcome(succeeded=False, reason=FailureReason.CARD_DECLINED)).refund(at=NOW)

    payment = settled(Outcome(succeeded=True))
    assert payment.refund(at=NOW)
    assert not payment.refund(at=NOW)  # the second of two racing refunders

    assert (payment.status, payment.refunded_at) == (PaymentStatus.REFUNDED, NOW)
    assert [type(event) for event in payment.pull_events()] == [PaymentRefunded]
