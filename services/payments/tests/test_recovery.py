"""Recovery settles payments left pending from the processor's own record: charged → the
payment succeeds; never charged → it fails (processing_error) and the key is voided, so a
charge still in flight cannot take money any more. A restarted service does it at start."""

import asyncio
import uuid
from datetime import date, timedelta

import pytest

from marketplace_contracts import PaymentFailed, PaymentSucceeded
from payments_service.adapters.orders import OrderSnapshot
from payments_service.adapters.processor import ChargeStatus
from payments_service.domain.cards import parse_card
from payments_service.domain.payments import Payment
from payments_service.service import payments as use_cases
from payments_service.service.recovery import settle_stale

pytestmark = pytest.mark.integration


def visa():
    return parse_card(
        number="4242424242424242", exp_month=12, exp_year=2040, cvc="123", holder="I P",
        today=date.today(),
    )


async def start_pending(service, user: uuid.UUID) -> Payment:
    """What a request leaves behind when the process dies right after step 1."""
    order = OrderSnapshot(
        id=service.orders.add(user), user_id=user, status="created", total=100, currency="RUB"
    )
    started = await use_cases.start(service.components.unit_of_work, order=order, card=visa())
    return started.payment


async def recover(service, older_than: timedelta = timedelta(0)) -> int:
    components = service.components
    return await settle_stale(
        unit_of_work=components.unit_of_work,
        processor=components.processor,
        older_than=older_than,
    )


async def read(service, payment_id: uuid.UUID) -> dict:
    response = await service.http.get(
        "/internal/payments",
        params={"order_id": str((await get(service, payment_id)).order_id)},
        headers=service.internal,
    )
    return response.json()["items"][0]


async def get(service, payment_id: uuid.UUID) -> Payment:
    async with service.db.read_session() as session:
        payment = await session.get(Payment, payment_id)
    assert payment is not None
    return payment


async def test_a_charge_the_processor_made_settles_the_payment_as_succeeded(payments) -> None:
    payment = await start_pending(payments, uuid.uuid4())
    await payments.components.processor.charge(
        key=str(payment.id), amount=100, currency="RUB", card=visa()
    )

    assert await recover(payments) == 1

    settled = await read(payments, payment.id)
    assert settled["status"] == "succeeded"
    assert settled["attempts"][0]["status"] == "succeeded"
    assert settled["settled_at"] is not None
    assert len(await payments.outbox(PaymentSucceeded.TYPE)) == 1


async def test_a_charge_that_never_happened_fails_and_cannot_happen_later(payments) -> None:
    payment = await start_pending(payments, uuid.uuid4())

    assert await recover(payments) == 1

    settled = await read(payments, payment.id)
    assert (settled["status"], settled["failure_reason"]) == ("failed", "processing_error")
    failed = await payments.outbox(PaymentFailed.TYPE)
    assert [event["data"]["reason"] for event in failed] == ["processing_error"]
    late = await payments.components.processor.charge(
        key=str(payment.id), amount=100, currency="RUB", card=visa()
    )
    assert late.status is ChargeStatus.VOIDED
    assert await recover(payments) == 0  # nothing pending any more


async def test_recent_pending_payments_are_left_to_their_request(payments) -> None:
    await start_pending(payments, uuid.uuid4())
    assert await recover(payments, older_than=timedelta(minutes=5)) == 0


async def test_a_restarted_service_settles_what_it_left_pending(payments, start_payments) -> None:
    user = uuid.uuid4()
    payment = await start_pending(payments, user)

    async with start_payments(recovery_after=0, recovery_interval=0.05) as restarted:
        async with asyncio.timeout(10):
            while (await get(restarted, payment.id)).status == "pending":
                await asyncio.sleep(0.02)
        settled = await get(restarted, payment.id)

    assert settled.status == "failed"
    # The payer may try again: a new payment of the same order.
    again = (await payments.pay(user, payment.order_id)).json()
    assert (again["status"], again["attempt"]) == ("succeeded", 2)
