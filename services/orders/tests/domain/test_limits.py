"""The limits that keep one buyer from hoarding stock."""

from datetime import UTC, datetime, timedelta

import pytest

from orders_service.domain.errors import TooManyUnpaidOrders
from orders_service.domain.limits import Limits

pytestmark = pytest.mark.unit

LIMITS = Limits(unpaid_timeout=timedelta(minutes=30), max_unpaid_orders=5, max_payment_attempts=5)
PLACED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_the_sixth_unpaid_order_is_refused_and_says_which_limit() -> None:
    LIMITS.check_can_open(4)
    with pytest.raises(TooManyUnpaidOrders) as refused:
        LIMITS.check_can_open(5)
    assert refused.value.extra == {"limit": 5, "open_orders": 5}


@pytest.mark.parametrize(
    ("failed", "minutes_since_placed", "closes"),
    [
        (1, 10, None),
        (4, 29, None),
        (5, 10, "payment_attempts_exhausted"),
        (1, 30, "payment_timeout"),
        (5, 45, "payment_attempts_exhausted"),
    ],
)
def test_a_failed_payment_closes_the_order_when_tries_or_time_are_spent(
    failed: int, minutes_since_placed: int, closes: str | None
) -> None:
    now = PLACED + timedelta(minutes=minutes_since_placed)
    assert LIMITS.closes_after_failure(failed_payments=failed, created_at=PLACED, now=now) == closes
