"""What a payment's news does to an order, for every status and every order of arrival."""

import pytest

from orders_service.domain.payments import (
    IGNORED,
    Decision,
    PaymentOutcome,
    PaymentRecord,
    decide,
    nothing_in_flight,
    settle_order,
)
from orders_service.domain.status_machine import OrderStatus

pytestmark = pytest.mark.unit

S = OrderStatus
P = PaymentOutcome


@pytest.mark.parametrize(
    ("status", "news", "decision"),
    [
        (S.CREATED, P.PENDING, Decision(path=(S.PROCESSING,), record=P.PENDING)),
        (S.PROCESSING, P.PENDING, Decision(record=P.PENDING)),
        (S.PAID, P.PENDING, Decision(record=P.PENDING)),
        (S.CREATED, P.SUCCEEDED, Decision(path=(S.PROCESSING, S.PAID), record=P.SUCCEEDED)),
        (S.PROCESSING, P.SUCCEEDED, Decision(path=(S.PAID,), record=P.SUCCEEDED)),
        (
            S.CANCELLED,
            P.SUCCEEDED,
            Decision(record=P.SUCCEEDED, note="paid_after_cancellation", refund=True),
        ),
        (S.PAID, P.SUCCEEDED, Decision(record=P.SUCCEEDED, note="duplicate_payment")),
        (S.DELIVERED, P.SUCCEEDED, Decision(record=P.SUCCEEDED, note="duplicate_payment")),
        (S.PROCESSING, P.FAILED, Decision(path=(S.CREATED,), record=P.FAILED)),
        # A decline heard before its start: noted through processing, like a success.
        (S.CREATED, P.FAILED, Decision(path=(S.PROCESSING, S.CREATED), record=P.FAILED)),
        (S.CANCELLED, P.FAILED, Decision(record=P.FAILED)),
        (S.PAID, P.FAILED, Decision(record=P.FAILED)),
        (S.CANCELLED, P.REFUNDED, Decision(record=P.REFUNDED, note="refunded")),
    ],
)
def test_first_news_of_a_payment(status: S, news: P, decision: Decision) -> None:
    assert decide(status, None, news) == decision


@pytest.mark.parametrize(
    ("known", "news"),
    [
        (P.PENDING, P.PENDING),  # a redelivery
        (P.SUCCEEDED, P.SUCCEEDED),
        (P.SUCCEEDED, P.PENDING),  # started after succeeded
        (P.FAILED, P.PENDING),  # started after failed
        (P.SUCCEEDED, P.FAILED),  # one outcome per payment: the first heard
        (P.FAILED, P.SUCCEEDED),
        (P.REFUNDED, P.SUCCEEDED),
        (P.REFUNDED, P.REFUNDED),
    ],
)
@pytest.mark.parametrize("status", list(S))
def test_old_news_is_ignored_whatever_the_status(status: S, known: P, news: P) -> None:
    assert decide(status, known, news) is IGNORED
    assert IGNORED.ignored


def test_an_outcome_after_the_start_moves_on() -> None:
    assert decide(S.PROCESSING, P.PENDING, P.SUCCEEDED).path == (S.PAID,)
    assert decide(S.PROCESSING, P.PENDING, P.FAILED).path == (S.CREATED,)
    # Another payment's decline sent the order back to created before this one's came.
    assert decide(S.CREATED, P.PENDING, P.FAILED).path == (S.PROCESSING, S.CREATED)


def test_reconciliation_applies_successes_last_so_they_win() -> None:
    records = [
        PaymentRecord("a", P.SUCCEEDED),
        PaymentRecord("b", P.FAILED, "card_declined"),
        PaymentRecord("c", P.PENDING),
    ]
    assert [r.payment_id for r in settle_order(records)] == ["c", "b", "a"]


def test_only_failures_or_nothing_mean_nothing_is_in_flight() -> None:
    assert nothing_in_flight([])
    assert nothing_in_flight([PaymentRecord("a", P.FAILED, "card_declined")])
    assert not nothing_in_flight([PaymentRecord("a", P.PENDING)])
    assert not nothing_in_flight([PaymentRecord("a", P.SUCCEEDED)])
