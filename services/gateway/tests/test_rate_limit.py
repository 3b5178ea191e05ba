"""Token buckets per client IP: the arithmetic (unit) and the 429 answer (through HTTP)."""

from __future__ import annotations

import pytest

from gateway_service.rate_limit import Rate, RateLimiter, TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.unit
def test_a_bucket_allows_its_burst_then_refills_at_its_rate():
    clock = FakeClock()
    buckets = TokenBuckets(Rate(per_minute=60, burst=3), clock=clock)

    allowed = [buckets.take("1.2.3.4") for _ in range(3)]
    refused = buckets.take("1.2.3.4")
    clock.now += 1.0
    after_a_second = buckets.take("1.2.3.4")

    assert allowed == [0.0, 0.0, 0.0]
    assert refused == pytest.approx(1.0)
    assert after_a_second == 0.0


@pytest.mark.unit
def test_clients_have_separate_buckets():
    buckets = TokenBuckets(Rate(per_minute=60, burst=1), clock=FakeClock())

    assert buckets.take("1.1.1.1") == 0.0
    assert buckets.take("2.2.2.2") == 0.0
    assert buckets.take("1.1.1.1") > 0


@pytest.mark.unit
def test_idle_buckets_are_dropped_when_the_table_is_full():
    clock = FakeClock()
    buckets = TokenBuckets(Rate(per_minute=60, burst=2), max_clients=3, clock=clock)
    for client in ("a", "b", "c"):
        buckets.take(client)
    clock.now += 10  # every bucket is full again

    buckets.take("d")

    assert len(buckets) == 1


@pytest.mark.unit
def test_login_draws_from_the_strict_bucket_and_other_routes_do_not():
    limiter = RateLimiter(Rate(600, 100), Rate(10, 2), clock=FakeClock())

    logins = [limiter.check("ip", "POST", "/api/auth/login") for _ in range(3)]
    browsing = limiter.check("ip", "GET", "/api/catalog/products")

    assert logins[:2] == [0, 0]
    assert logins[2] == 6  # one token per 6 s at 10/min
    assert browsing == 0


@pytest.mark.integration
async def test_too_many_logins_get_a_429_problem_with_retry_after(start_gateway, start_echo):
    gateway = await start_gateway(
        {"auth": [await start_echo("auth")]},
        rate_limit_enabled=True, login_rate_limit_per_minute=6, login_rate_limit_burst=2,
    )

    statuses = [(await gateway.post("/api/auth/login", json={})).status for _ in range(2)]
    refused = await gateway.post("/api/auth/login", json={})
    register_is_strict_too = await gateway.post("/api/auth/register", json={})
    refresh = await gateway.post("/api/auth/refresh", json={})

    assert statuses == [200, 200]
    assert refused.status == 429
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) == 10
    assert (await refused.json())["status"] == 429
    assert register_is_strict_too.status == 429
    assert refresh.status == 200


@pytest.mark.integration
async def test_the_general_limit_applies_to_every_route_but_health(start_gateway, start_echo):
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog")]},
        rate_limit_enabled=True, rate_limit_per_minute=60, rate_limit_burst=3,
    )

    statuses = [(await gateway.get("/api/catalog/ping")).status for _ in range(4)]
    health = await gateway.get("/health/live")

    assert statuses == [200, 200, 200, 429]
    assert health.status == 200
