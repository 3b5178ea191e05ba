"""The order status machine, every pair of statuses: the issue's edges are allowed, every
other one is refused."""

from datetime import UTC, datetime
from itertools import product

import pytest

from orders_service.domain.errors import InvalidTransition
from orders_service.domain.status_machine import (
    FINAL,
    Actor,
    OrderStatus,
    can_transition,
    transition,
)

pytestmark = pytest.mark.unit

S = OrderStatus
NOW = datetime(2026, 1, 1, tzinfo=UTC)
ALLOWED = {
    (S.CREATED, S.PROCESSING),
    (S.PROCESSING, S.PAID),
    (S.PROCESSING, S.CREATED),
    (S.CREATED, S.CANCELLED),
    (S.PAID, S.CANCELLED),
    (S.PAID, S.DELIVERED),
}
REFUSED = sorted(set(product(S, S)) - ALLOWED)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_the_issues_transitions_are_allowed(current: S, target: S) -> None:
    step = transition(current, target, actor=Actor.SYSTEM, at=NOW, reason="why")
    assert (step.from_status, step.to_status, step.reason, step.at) == (current, target, "why", NOW)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_other_transition_is_refused_with_409(current: S, target: S) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as refused:
        transition(current, target, actor=Actor.USER, at=NOW)
    assert refused.value.status == 409
    assert refused.value.extra == {
        "current_status": current.value,
        "requested_status": target.value,
    }


def test_delivered_and_cancelled_are_final() -> None:
    assert {S.DELIVERED, S.CANCELLED} == FINAL


def test_only_cancelling_a_paid_order_refunds() -> None:
    refunds = {
        (current, target)
        for current, target in ALLOWED
        if transition(current, target, actor=Actor.ADMIN, at=NOW).refund
    }
    assert refunds == {(S.PAID, S.CANCELLED)}


def test_cancelling_releases_stock_and_paying_or_delivering_commits_it() -> None:
    def step(current: S, target: S):
        return transition(current, target, actor=Actor.SYSTEM, at=NOW)

    assert step(S.CREATED, S.CANCELLED).releases_stock
    assert step(S.PAID, S.CANCELLED).releases_stock
    assert step(S.PROCESSING, S.PAID).commits_stock
    assert step(S.PAID, S.DELIVERED).commits_stock
    assert not step(S.CREATED, S.PROCESSING).releases_stock
    assert not step(S.CREATED, S.PROCESSING).commits_stock
