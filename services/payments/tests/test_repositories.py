"""The database itself holds "at most one pending or succeeded payment per order", on each
engine, whatever code writes to it."""

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id
from payments_service.domain.payments import Payment, PaymentStatus

pytestmark = pytest.mark.integration


def payment(order_id: uuid.UUID, attempt: int, status: str) -> Payment:
    now = utcnow()
    return Payment(
        id=new_id(), order_id=order_id, attempt=attempt, user_id=uuid.uuid4(),
        status=PaymentStatus(status),
        amount=100, currency="RUB", card_brand="visa", card_last4="4242",
        created_at=now, updated_at=now,
    )


async def insert(payments, *rows: Payment) -> None:
    async with payments.db.session() as session, session.begin():
        session.add_all(rows)


@pytest.mark.parametrize(
    ("first", "second"),
    [("pending", "pending"), ("succeeded", "pending"), ("pending", "succeeded")],
)
async def test_a_second_active_payment_of_an_order_is_refused(
    payments, first: str, second: str
) -> None:
    order_id = uuid.uuid4()
    await insert(payments, payment(order_id, 1, first))
    with pytest.raises(IntegrityError):
        await insert(payments, payment(order_id, 2, second))


async def test_failed_tries_may_precede_one_active_payment(payments) -> None:
    order_id = uuid.uuid4()
    await insert(
        payments,
        payment(order_id, 1, "failed"),
        payment(order_id, 2, "failed"),
        payment(order_id, 3, "succeeded"),
    )
    with pytest.raises(IntegrityError):
        await insert(payments, payment(order_id, 3, "failed"))  # attempt numbers are unique
