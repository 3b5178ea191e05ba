"""The simulated processor: test-card outcomes, one charge per key, its own record that
recovery can ask, voiding a key nobody charged, idempotent refunds."""

import asyncio
from datetime import date
from pathlib import Path

import pytest

from payments_service.adapters.processor import (
    ChargeNotFound,
    ChargeStatus,
    SimulatedProcessor,
    outcome_for,
)
from payments_service.domain.cards import parse_card
from payments_service.domain.payments import FailureReason, Outcome


def card(number: str):
    return parse_card(
        number=number, exp_month=12, exp_year=2040, cvc="123", holder="I P", today=date.today()
    )


@pytest.mark.unit
@pytest.mark.parametrize(
    ("number", "outcome"),
    [
        ("4242424242424242", Outcome(succeeded=True)),
        ("5555555555554444", Outcome(succeeded=True)),
        ("4000000000000002", Outcome(succeeded=False, reason=FailureReason.CARD_DECLINED)),
        ("4000000000009995", Outcome(succeeded=False, reason=FailureReason.INSUFFICIENT_FUNDS)),
        ("4000000000000119", Outcome(succeeded=False, reason=FailureReason.PROCESSING_ERROR)),
    ],
)
def test_outcomes_follow_the_test_cards(number: str, outcome: Outcome) -> None:
    assert outcome_for(number) == outcome


@pytest.fixture
async def processor(tmp_path: Path):
    processor = SimulatedProcessor(f"sqlite+aiosqlite:///{tmp_path / 'processor.db'}")
    await processor.start()
    await processor.start()  # a second replica starting: the table is there already
    yield processor
    await processor.stop()


@pytest.mark.integration
async def test_a_key_is_charged_once_whatever_comes_later(processor) -> None:
    first = await processor.charge(
        key="k1", amount=100, currency="RUB", card=card("4242424242424242")
    )
    again = await processor.charge(
        key="k1", amount=100, currency="RUB", card=card("4000000000000002")
    )
    assert first.status is ChargeStatus.SUCCEEDED
    assert again == first
    assert await processor.get_charge("k1") == first
    assert await processor.get_charge("never") is None


@pytest.mark.integration
async def test_a_declined_charge_is_recorded_with_its_reason(processor) -> None:
    charge = await processor.charge(
        key="k2", amount=100, currency="RUB", card=card("4000000000009995")
    )
    assert charge.status is ChargeStatus.DECLINED
    assert charge.outcome == Outcome(succeeded=False, reason=FailureReason.INSUFFICIENT_FUNDS)


@pytest.mark.integration
async def test_void_closes_an_uncharged_key_and_answers_a_charged_one(processor) -> None:
    voided = await processor.void("k3")
    assert voided.status is ChargeStatus.VOIDED
    assert voided.outcome == Outcome(succeeded=False, reason=FailureReason.PROCESSING_ERROR)
    late = await processor.charge(
        key="k3", amount=100, currency="RUB", card=card("4242424242424242")
    )
    assert late.status is ChargeStatus.VOIDED  # the late charge took no money

    charged = await processor.charge(
        key="k4", amount=100, currency="RUB", card=card("4242424242424242")
    )
    assert await processor.void("k4") == charged


@pytest.mark.integration
async def test_a_refund_happens_once_and_only_for_a_successful_charge(processor) -> None:
    await processor.charge(key="k5", amount=100, currency="RUB", card=card("4242424242424242"))
    assert (await processor.refund("k5")).refunded
    assert (await processor.refund("k5")).refunded
    await processor.charge(key="k6", amount=100, currency="RUB", card=card("4000000000000002"))
    for key in ("k6", "unknown"):
        with pytest.raises(ChargeNotFound):
            await processor.refund(key)


@pytest.mark.integration
async def test_a_hold_file_holds_the_answer_after_the_charge_is_recorded(
    processor, tmp_path: Path
) -> None:
    hold = tmp_path / "hold-charges"
    hold.touch()
    processor.hold_file = hold
    answering = asyncio.create_task(
        processor.charge(key="k9", amount=100, currency="RUB", card=card("4242424242424242"))
    )
    async with asyncio.timeout(10):
        while await processor.get_charge("k9") is None:
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # recorded, and still no answer while the file is there
    assert not answering.done()

    hold.unlink()
    charge = await asyncio.wait_for(answering, 10)
    assert charge.status is ChargeStatus.SUCCEEDED
