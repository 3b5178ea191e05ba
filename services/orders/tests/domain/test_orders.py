"""An order's content rules: 1-50 lines, 1-100 of each, one line per product."""

import uuid

import pytest

from marketplace_platform.problems import InvalidInput
from orders_service.domain.errors import DuplicateProduct
from orders_service.domain.orders import Line, PricedLine, check_lines, check_priced, total_of

pytestmark = pytest.mark.unit


def lines(count: int, quantity: int = 1) -> list[Line]:
    return [Line(uuid.uuid4(), quantity) for _ in range(count)]


@pytest.mark.parametrize("count", [1, 50])
def test_1_to_50_lines_pass(count: int) -> None:
    check_lines(lines(count))


@pytest.mark.parametrize("count", [0, 51])
def test_no_lines_or_more_than_50_are_refused(count: int) -> None:
    with pytest.raises(InvalidInput):
        check_lines(lines(count))


@pytest.mark.parametrize("quantity", [0, -1, 101])
def test_quantities_out_of_1_to_100_are_refused(quantity: int) -> None:
    with pytest.raises(InvalidInput):
        check_lines(lines(1, quantity))


def test_a_product_twice_is_refused_rather_than_guessed() -> None:
    product = uuid.uuid4()
    with pytest.raises(DuplicateProduct):
        check_lines([Line(product, 1), Line(product, 2)])


def test_the_total_is_the_sum_of_price_times_quantity() -> None:
    priced = [PricedLine(uuid.uuid4(), 2, 1999, "a"), PricedLine(uuid.uuid4(), 3, 500, "b")]
    assert total_of(priced) == 2 * 1999 + 3 * 500


def test_the_catalog_must_price_exactly_what_was_asked() -> None:
    asked = lines(2)
    priced = [PricedLine(line.product_id, line.quantity, 10, "x") for line in asked]
    check_priced(asked, list(reversed(priced)))
    with pytest.raises(ValueError, match="other items"):
        check_priced(asked, priced[:1])
