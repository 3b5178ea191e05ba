import uuid
from datetime import UTC, datetime, timedelta

import pytest

from catalog_service.domain.views import ViewTally

pytestmark = pytest.mark.unit

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_take_empties_the_tally_and_moves_its_start() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    tally = ViewTally(since=T0)
    for product in (a, b, a):
        tally.add(product)
    since, counts = tally.take(until=T0 + timedelta(seconds=5))
    assert (since, counts) == (T0, {a: 2, b: 1})
    assert len(tally) == 0
    assert tally.since == T0 + timedelta(seconds=5)


def test_counts_given_back_join_the_next_take() -> None:
    a = uuid.uuid4()
    tally = ViewTally(since=T0)
    tally.add(a)
    since, counts = tally.take(until=T0 + timedelta(seconds=5))
    tally.add(a)
    tally.give_back(since=since, counts=counts)
    assert tally.take(until=T0 + timedelta(seconds=10)) == (T0, {a: 2})


def test_memory_is_bounded_by_the_number_of_products() -> None:
    tally = ViewTally(since=T0, max_products=2)
    known = uuid.uuid4()
    tally.add(known)
    tally.add(uuid.uuid4())
    tally.add(uuid.uuid4())  # dropped
    tally.add(known)  # still counted
    assert sorted(tally.take(until=T0)[1].values()) == [1, 2]
