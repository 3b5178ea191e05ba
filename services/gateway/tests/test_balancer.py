"""Replica choice: round-robin, passive ejection, probe results."""

from __future__ import annotations

import pytest

from gateway_service.balancer import Balancer

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def first_choices(balancer: Balancer, service: str, count: int) -> list[str]:
    pool = balancer.pool(service)
    assert pool is not None
    return [pool.pick().base for _ in range(count)]


def test_round_robin_over_the_replicas():
    balancer = Balancer({"catalog": ["http://a", "http://b", "http://c"]}, eject_seconds=5)

    assert first_choices(balancer, "catalog", 4) == ["http://a", "http://b", "http://c", "http://a"]


def test_an_ejected_replica_is_skipped_until_its_cool_down_ends():
    clock = FakeClock()
    balancer = Balancer({"catalog": ["http://a", "http://b"]}, eject_seconds=5, clock=clock)
    pool = balancer.pool("catalog")
    assert pool is not None
    balancer.eject(pool.replicas[0])

    during = first_choices(balancer, "catalog", 3)
    clock.now += 5
    after = first_choices(balancer, "catalog", 2)

    assert during == ["http://b"] * 3
    assert sorted(after) == ["http://a", "http://b"]


def test_the_retry_goes_to_another_replica():
    balancer = Balancer({"catalog": ["http://a", "http://b", "http://c"]}, eject_seconds=5)
    pool = balancer.pool("catalog")
    assert pool is not None

    first = pool.pick()
    other = pool.pick_other(first)

    assert (first.base, other.base) == ("http://a", "http://b")


def test_a_failed_probe_removes_a_replica_and_a_passed_one_restores_it():
    clock = FakeClock()
    balancer = Balancer({"catalog": ["http://a", "http://b"]}, eject_seconds=5, clock=clock)
    pool = balancer.pool("catalog")
    assert pool is not None
    a, b = pool.replicas
    balancer.eject(a)
    balancer.mark(a, healthy=False)
    balancer.mark(b, healthy=True)

    assert first_choices(balancer, "catalog", 2) == ["http://b", "http://b"]
    balancer.mark(a, healthy=True)  # its probe passes: back at once, ejection forgotten
    assert sorted(first_choices(balancer, "catalog", 2)) == ["http://a", "http://b"]


def test_when_every_replica_is_only_ejected_they_are_still_offered():
    clock = FakeClock()
    balancer = Balancer({"catalog": ["http://a", "http://b"]}, eject_seconds=5, clock=clock)
    pool = balancer.pool("catalog")
    assert pool is not None
    balancer.eject(pool.replicas[1])
    clock.now += 1
    balancer.eject(pool.replicas[0])

    # The one whose cool-down ends first is tried first, then the other.
    first = pool.pick()
    assert first.base == "http://b"
    assert pool.pick_other(first).base == "http://a"


def test_replicas_whose_probe_failed_are_never_offered():
    balancer = Balancer({"catalog": ["http://a"]}, eject_seconds=5)
    pool = balancer.pool("catalog")
    assert pool is not None
    balancer.mark(pool.replicas[0], healthy=False)

    assert pool.pick() is None
    assert not balancer.all_ready()


def test_readiness_needs_a_probe_that_passed():
    balancer = Balancer({"catalog": ["http://a"], "orders": ["http://b"]}, eject_seconds=5)

    assert not balancer.all_ready()
    for pool in balancer.pools.values():
        balancer.mark(pool.replicas[0], healthy=True)
    assert balancer.all_ready()
    assert balancer.snapshot()["orders"] == {
        "ready": True, "replicas": [{"url": "http://b", "state": "up"}]
    }
