"""An order's content rules (1-50 lines, 1-100 of each, one line per product) and the
order aggregate: what it records and what it owes the catalog."""

import uuid

import pytest

from marketplace_platform.clock import utcnow
from marketplace_platform.problems import InvalidInput
from orders_service.domain.errors import DuplicateProduct, InvalidTransition
from orders_service.domain.orders import (
    Line,
    Order,
    PricedLine,
    check_lines,
    check_priced,
    total_of,
)
from orders_service.domain.status_machine import Actor, OrderStatus
from orders_service.domain.stock import StockAction

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


def placed(*quantities: int) -> Order:
    asked = [Line(uuid.uuid4(), quantity) for quantity in quantities]
    # The catalog answers in its own order; the order keeps the buyer's.
    reserved = [PricedLine(line.product_id, line.quantity, 250, "P") for line in asked[::-1]]
    return Order.place(
        order_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        lines=asked,
        reserved=reserved,
        currency="RUB",
        address=None,
        at=utcnow(),
    )


def test_a_placed_order_is_created_with_its_event_and_lines_in_the_buyers_order() -> None:
    order = placed(1, 2, 3)
    assert order.status is OrderStatus.CREATED
    assert [item.quantity for item in order.items] == [1, 2, 3]
    assert order.total == 1500
    assert [entry.status for entry in order.history] == [OrderStatus.CREATED]
    [created] = order.pull_events()
    assert created.TYPE == "orders.order.created.v1"
    assert order.take_stock_call() is None


def test_an_order_is_not_placed_from_a_reservation_of_other_items() -> None:
    with pytest.raises(ValueError, match="other items"):
        Order.place(
            order_id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            lines=[Line(uuid.uuid4(), 1)],
            reserved=[PricedLine(uuid.uuid4(), 1, 100, "P")],
            currency="RUB",
            address=None,
            at=utcnow(),
        )


def test_a_move_owes_its_stock_call_once() -> None:
    order = placed(1)
    order.cancel(actor=Actor.USER, at=utcnow())
    assert order.take_stock_call() is StockAction.RELEASE
    assert order.take_stock_call() is None


def test_a_refused_move_changes_and_records_nothing() -> None:
    order = placed(1)
    order.pull_events()
    with pytest.raises(InvalidTransition):
        order.deliver(at=utcnow())
    assert order.status is OrderStatus.CREATED
    assert len(order.history) == 1
    assert order.pending_events == ()
    assert order.take_stock_call() is None
