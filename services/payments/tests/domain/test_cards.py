"""Card checks: number shape and Luhn, brand, expiry, CVC and holder; errors never repeat
the number."""

from datetime import date

import pytest

from payments_service.domain.cards import (
    Brand,
    check_expiry,
    detect_brand,
    luhn_valid,
    normalize_number,
    parse_card,
)
from payments_service.domain.errors import InvalidCard

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 26)


def parse(number: str = "4242424242424242", **fields):
    values = {"exp_month": 12, "exp_year": 2030, "cvc": "123", "holder": "Ivan Petrov"}
    values.update(fields)
    return parse_card(number=number, today=TODAY, **values)


@pytest.mark.parametrize(
    "raw", ["4242 4242 4242 4242", "4242-4242-4242-4242", " 4242424242424242 "]
)
def test_spaces_and_dashes_between_groups_are_dropped(raw: str) -> None:
    assert normalize_number(raw) == "4242424242424242"


FULLWIDTH_DIGITS = "\uff14\uff12" * 8  # look like digits, are not ASCII


@pytest.mark.parametrize("raw", ["4242x4242424242", FULLWIDTH_DIGITS, "12345", "4" * 20, ""])
def test_a_number_of_other_characters_or_lengths_is_refused(raw: str) -> None:
    with pytest.raises(InvalidCard) as caught:
        normalize_number(raw)
    assert caught.value.extra["field"] == "number"


@pytest.mark.parametrize(
    "digits",
    ["4242424242424242", "4000000000000002", "5555555555554444", "378282246310005",
     "2200000000000004", "79927398713"],
)
def test_luhn_accepts_valid_numbers(digits: str) -> None:
    assert luhn_valid(digits)


@pytest.mark.parametrize("digits", ["4242424242424241", "4000000000000003", "79927398710"])
def test_luhn_refuses_a_wrong_check_digit(digits: str) -> None:
    assert not luhn_valid(digits)


@pytest.mark.parametrize(
    ("digits", "brand"),
    [
        ("4242424242424242", Brand.VISA),
        ("5555555555554444", Brand.MASTERCARD),
        ("2223003122003222", Brand.MASTERCARD),
        ("378282246310005", Brand.AMEX),
        ("371449635398431", Brand.AMEX),
        ("2200000000000004", Brand.MIR),
        ("2204999999999991", Brand.MIR),
        ("6011111111111117", Brand.UNKNOWN),
    ],
)
def test_the_brand_comes_from_the_issuer_prefix(digits: str, brand: Brand) -> None:
    assert detect_brand(digits) is brand


def test_a_card_is_good_through_the_end_of_its_expiry_month() -> None:
    check_expiry(11, 2026, today=TODAY)
    check_expiry(11, 26, today=TODAY)  # two digits, as printed


@pytest.mark.parametrize(("month", "year"), [(10, 2026), (12, 2025), (10, 26)])
def test_an_expired_card_is_refused_with_the_reason(month: int, year: int) -> None:
    with pytest.raises(InvalidCard) as caught:
        check_expiry(month, year, today=TODAY)
    assert caught.value.extra == {"field": "exp_year", "reason": "expired_card"}


@pytest.mark.parametrize(("month", "year"), [(0, 2030), (13, 2030), (1, 2060)])
def test_an_impossible_expiry_is_refused(month: int, year: int) -> None:
    with pytest.raises(InvalidCard):
        check_expiry(month, year, today=TODAY)


def test_the_cvc_is_three_digits_and_four_for_amex() -> None:
    assert parse(cvc="123").cvc == "123"
    assert parse("378282246310005", cvc="1234").cvc == "1234"
    for number, cvc in [("4242424242424242", "1234"), ("4242424242424242", "12a"),
                        ("378282246310005", "123")]:
        with pytest.raises(InvalidCard) as caught:
            parse(number, cvc=cvc)
        assert caught.value.extra["field"] == "cvc"


@pytest.mark.parametrize("holder", ["", "   ", "x" * 101, "Ivan\x00Petrov"])
def test_the_holder_is_1_to_100_printable_characters(holder: str) -> None:
    with pytest.raises(InvalidCard) as caught:
        parse(holder=holder)
    assert caught.value.extra["field"] == "holder"


def test_a_checked_card_keeps_brand_and_last_four_and_hides_the_rest_from_repr() -> None:
    card = parse("4242 4242 4242 4242", exp_year=30, holder="  Ivan   Petrov ")
    assert (card.brand, card.last4, card.exp_year, card.holder) == (
        Brand.VISA, "4242", 2030, "Ivan Petrov"
    )
    assert card.summary.last4 == "4242"
    assert "4242424242424242" not in repr(card)
    assert "123" not in repr(card)


@pytest.mark.parametrize("number", ["4242424242424241", "4242 4242 4242 424x"])
def test_errors_never_repeat_the_number(number: str) -> None:
    with pytest.raises(InvalidCard) as caught:
        parse(number)
    assert "424242424242" not in str(caught.value.to_problem())
