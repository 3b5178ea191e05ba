"""Recovery's decisions on fakes: a payment left pending takes the outcome the processor
recorded for its charge key, or fails with ``processing_error`` when the processor never saw
the charge (and the key is voided, so a late charge cannot take money); a recent one is left
to its request."""

import uuid
from datetime import timedelta

import pytest

from marketplace_contracts import PaymentFailed, PaymentStarted, PaymentSucceeded
from payments_service.adapters.processor import ChargeStatus
from payments_service.domain.payments import FailureReason, PaymentStatus
from payments_service.service.recovery import settle_stale

pytestmark = pytest.mark.unit


async def pending_payment(pay, fake_orders, fake_processor, *, charged: bool):
    """A payment whose request got no answer from the processor: the charge was made (the
    answer was lost) or never reached it."""
    user = uuid.uuid4()
    fake_processor.silent = True
    payment = (await pay(user, fake_orders.add(user))).payment
    fake_processor.silent = False
    if not charged:
        del fake_processor.charges[str(payment.id)]
    assert payment.status is PaymentStatus.PENDING
    return payment


async def recover(uow, processor, older_than: timedelta = timedelta(0)) -> int:
    return await settle_stale(unit_of_work=uow, processor=processor, older_than=older_than)


async def test_a_charge_the_processor_made_settles_the_payment_as_succeeded(
    pay, uow, fake_orders, fake_processor
) -> None:
    payment = await pending_payment(pay, fake_orders, fake_processor, charged=True)

    assert await recover(uow, fake_processor) == 1

    assert payment.status is PaymentStatus.SUCCEEDED
    assert uow.event_types == [PaymentStarted.TYPE, PaymentSucceeded.TYPE]


async def test_a_declined_charge_settles_the_payment_as_failed_with_its_reason(
    pay, uow, fake_orders, fake_processor
) -> None:
    user = uuid.uuid4()
    fake_processor.silent = True
    payment = (await pay(user, fake_orders.add(user), "4000000000009995")).payment
    fake_processor.silent = False

    assert await recover(uow, fake_processor) == 1

    assert payment.failure_reason is FailureReason.INSUFFICIENT_FUNDS
    assert [failed.reason for failed in uow.events(PaymentFailed)] == ["insufficient_funds"]


async def test_a_charge_that_never_happened_fails_and_its_key_is_voided(
    pay, uow, fake_orders, fake_processor
) -> None:
    payment = await pending_payment(pay, fake_orders, fake_processor, charged=False)

    assert await recover(uow, fake_processor) == 1

    assert (payment.status, payment.failure_reason) == (
        PaymentStatus.FAILED, FailureReason.PROCESSING_ERROR
    )
    assert [failed.reason for failed in uow.events(PaymentFailed)] == ["processing_error"]
    assert fake_processor.charges[str(payment.id)].status is ChargeStatus.VOIDED
    assert await recover(uow, fake_processor) == 0  # nothing pending any more


async def test_recent_pending_payments_are_left_to_their_request(
    pay, uow, fake_orders, fake_processor
) -> None:
    payment = await pending_payment(pay, fake_orders, fake_processor, charged=True)

    assert await recover(uow, fake_processor, older_than=timedelta(minutes=5)) == 0

    assert payment.status is PaymentStatus.PENDING
    assert uow.event_types == [PaymentStarted.TYPE]
