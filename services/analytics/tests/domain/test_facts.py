"""A fact merged from the same events in any order is the same fact, and the sum of the
contribution deltas along any order equals the contribution of the final fact."""

import itertools
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from analytics_service.domain.facts import (
    Line,
    OrderFact,
    ReviewFact,
    delta,
    line_figures,
    order_figures,
    review_figures,
)
from analytics_service.domain.periods import (
    Granularity,
    next_month,
    split_by_months,
    split_period,
    start_of,
)
from analytics_service.domain.reports import average, bucket

pytestmark = pytest.mark.unit

AT = datetime(2026, 3, 2, tzinfo=UTC)
USER = uuid.uuid4()
LINES = (Line(uuid.uuid4(), 2, 150), Line(uuid.uuid4(), 1, 1000))

ORDER_EVENTS = [
    lambda f: f.placed(user_id=USER, at=AT, total=1300, lines=LINES),
    lambda f: f.paid_for(user_id=USER, total=1300, lines=LINES),
    lambda f: f.paid_for(user_id=USER, total=f.total, lines=f.lines),  # a payment's success
    OrderFact.with_failed_payment,
    OrderFact.with_cancellation,
    lambda f: f.with_refund(1300),
]


def add(total: dict, figures: dict) -> None:
    for name, value in figures.items():
        total[name] = total.get(name, 0) + value


def test_an_order_merged_in_any_order_is_the_same_and_its_deltas_telescope() -> None:
    finals = set()
    for order in itertools.permutations(ORDER_EVENTS):
        fact, sales, lines = OrderFact(uuid.UUID(int=1)), {}, {}
        for event in order:
            after = event(fact)
            add(
                sales,
                delta(
                    order_figures(fact, first_of_buyer=True),
                    order_figures(after, first_of_buyer=True),
                ),
            )
            add(lines, delta(line_figures(fact, LINES[0]), line_figures(after, LINES[0])))
            fact = after
        finals.add(fact)
        assert {k: v for k, v in sales.items() if v} == delta(
            {}, order_figures(fact, first_of_buyer=True)
        )
        assert {k: v for k, v in lines.items() if v} == delta({}, line_figures(fact, LINES[0]))
    assert len(finals) == 1
    [final] = finals
    assert order_figures(final, first_of_buyer=True) == {
        "orders": 1,
        "paid_orders": 1,
        "revenue": 1300,
        "cancelled_orders": 1,
        "refunds": 1300,
        "refunded_orders": 1,
        "failed_payments": 1,
        "new_buyers": 1,
        "returning_orders": 0,
    }


def test_nothing_counts_before_the_order_is_known_to_be_placed() -> None:
    fact = OrderFact(uuid.uuid4()).paid_for(user_id=USER, total=5, lines=LINES).with_refund(5)
    assert order_figures(fact, first_of_buyer=True) == {}
    assert line_figures(fact, LINES[0]) == {}


def test_a_review_merged_in_any_order_is_the_same() -> None:
    events = [
        lambda f: f.created(at=AT, rating=4),
        lambda f: f.rated(2, as_of=AT + timedelta(hours=1)),
        lambda f: f.rated(5, as_of=AT + timedelta(hours=2)),
        lambda f: f.moderated(hidden=True, as_of=AT + timedelta(hours=3)),
        lambda f: f.moderated(hidden=False, as_of=AT + timedelta(hours=4)),
    ]
    finals = set()
    for order in itertools.permutations(events):
        fact = ReviewFact(uuid.UUID(int=1), uuid.UUID(int=2))
        for event in order:
            fact = event(fact)
        finals.add(fact)
    [final] = finals
    assert review_figures(final) == {"reviews": 1, "rating_sum": 5}
    assert review_figures(final.with_deletion()) == {}


def test_periods_start_on_monday_and_the_first_of_the_month() -> None:
    day = date(2026, 3, 5)  # a Thursday
    assert start_of(day, Granularity.WEEK) == date(2026, 3, 2)
    assert start_of(day, Granularity.MONTH) == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("first", "last", "months", "edges"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), 12, []),
        (
            date(2026, 1, 15),
            date(2026, 3, 10),
            1,
            [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 10))],
        ),
        (date(2026, 2, 3), date(2026, 2, 20), 0, [(date(2026, 2, 3), date(2026, 2, 20))]),
    ],
)
def test_a_range_splits_into_whole_months_and_edge_days(first, last, months, edges) -> None:
    found_months, found_edges = split_by_months(first, last)
    assert len(found_months) == months
    assert found_edges == edges


def test_buckets_list_every_period_and_sum_the_days_in_it() -> None:
    rows = [{"day": date(2026, 3, 2), "orders": 2}, {"day": date(2026, 3, 8), "orders": 1}]
    weeks = bucket(
        rows,
        first=date(2026, 3, 1),
        last=date(2026, 3, 15),
        granularity=Granularity.WEEK,
        figures=("orders",),
    )
    assert [(w["period"], w["orders"]) for w in weeks] == [
        (date(2026, 2, 23), 0),
        (date(2026, 3, 2), 3),
        (date(2026, 3, 9), 0),
    ]


def test_average_order_value_rounds_half_up_and_is_zero_of_nothing() -> None:
    assert average(5, 2) == 3
    assert average(4, 3) == 1
    assert average(10, 0) == 0


def test_a_period_splits_into_months_weeks_and_days_that_cover_it_exactly() -> None:
    rng = random.Random(3)
    for _ in range(500):
        first = date(2025, 1, 1) + timedelta(days=rng.randrange(730))
        last = first + timedelta(days=rng.randrange(400))
        months, weeks, edges = split_period(first, last)
        covered = [m + timedelta(days=i) for m in months for i in range((next_month(m) - m).days)]
        covered += [w + timedelta(days=i) for w in weeks for i in range(7)]
        covered += [a + timedelta(days=i) for a, b in edges for i in range((b - a).days + 1)]
        assert sorted(covered) == [
            first + timedelta(days=i) for i in range((last - first).days + 1)
        ]
        assert all(w.weekday() == 0 for w in weeks)
        # Weeks only where months cannot go, and at most six loose days at each side of them.
        assert sum((b - a).days + 1 for a, b in edges) <= 4 * 6
