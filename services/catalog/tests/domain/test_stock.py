import uuid

import pytest

from catalog_service.domain.errors import ReservationConflict
from catalog_service.domain.stock import (
    MAX_QUANTITY,
    Line,
    ReservationStatus,
    can_commit,
    can_release,
    check_same_lines,
    merge_lines,
)
from marketplace_platform.problems import InvalidInput

pytestmark = pytest.mark.unit


def test_lines_are_merged_per_product_and_sorted_by_id() -> None:
    a, b = sorted([uuid.uuid4(), uuid.uuid4()])
    assert merge_lines([Line(b, 1), Line(a, 2), Line(b, 3)]) == [Line(a, 2), Line(b, 4)]
    for lines in ([], [Line(a, 0)], [Line(a, MAX_QUANTITY), Line(a, 1)]):
        with pytest.raises(InvalidInput):
            merge_lines(lines)


def test_a_repeat_must_ask_for_the_same_lines() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    check_same_lines(existing=[Line(a, 1), Line(b, 2)], requested=[Line(b, 2), Line(a, 1)])
    with pytest.raises(ReservationConflict):
        check_same_lines(existing=[Line(a, 1)], requested=[Line(a, 2)])


def test_a_reservation_released_before_it_arrived_is_refused() -> None:
    with pytest.raises(ReservationConflict, match="released before it arrived"):
        check_same_lines(existing=[], requested=[Line(uuid.uuid4(), 1)])


def test_transitions() -> None:
    assert can_release(ReservationStatus.RESERVED)
    assert can_release(ReservationStatus.COMMITTED)  # a paid order cancelled and refunded
    assert not can_release(ReservationStatus.RELEASED)
    assert can_commit(ReservationStatus.RESERVED)
    assert not can_commit(ReservationStatus.COMMITTED)
    with pytest.raises(ReservationConflict):
        can_commit(ReservationStatus.RELEASED)
