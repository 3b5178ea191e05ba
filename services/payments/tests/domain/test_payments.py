"""The payment's rules: which order can be paid, when a new attempt may start, what settles."""

import pytest

from payments_service.domain.errors import (
    AlreadyPaid,
    AmountMismatch,
    OrderNotPayable,
    PaymentInProgress,
)
from payments_service.domain.payments import (
    FailureReason,
    Outcome,
    PaymentStatus,
    can_refund,
    can_settle,
    check_amount,
    check_can_attempt,
    check_order_payable,
)

pytestmark = pytest.mark.unit


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
