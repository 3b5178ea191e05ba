import pytest

from catalog_service.domain.money import MAX_PRICE, check_price, clean_currency
from marketplace_platform.problems import InvalidInput

pytestmark = pytest.mark.unit


def test_currencies_are_iso_4217_codes_in_upper_case() -> None:
    assert clean_currency("rub") == "RUB"
    assert clean_currency(" USD ") == "USD"
    for code in ("XYZ", "RUR", "", "RUBLE", "XAU"):
        with pytest.raises(InvalidInput):
            clean_currency(code)


def test_prices_are_positive_and_bounded() -> None:
    assert check_price(1) == 1
    assert check_price(MAX_PRICE) == MAX_PRICE
    for price in (0, -1, MAX_PRICE + 1):
        with pytest.raises(InvalidInput):
            check_price(price)
