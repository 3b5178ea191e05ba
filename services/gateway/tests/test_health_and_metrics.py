"""``/health/*`` and ``/metrics`` of the gateway."""

from __future__ import annotations

import io
import json

import pytest

pytestmark = pytest.mark.integration


async def test_live_is_always_ok(start_gateway, dead_url):
    gateway = await start_gateway({"catalog": [dead_url]})

    response = await gateway.get("/health/live")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_ready_when_every_service_has_a_healthy_replica(start_gateway, start_echo, dead_url):
    gateway = await start_gateway({
        "catalog": [await start_echo("catalog"), dead_url],
        "orders": [await start_echo("orders")],
    })
    await gateway.core.prober.probe_all()

    response = await gateway.get("/health/ready")

    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert [r["state"] for r in body["upstreams"]["catalog"]["replicas"]] == ["up", "down"]
    assert body["upstreams"]["orders"]["ready"] is True


async def test_not_ready_while_a_service_has_no_healthy_replica(
    start_gateway, start_echo, dead_url
):
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog")], "payments": [dead_url]}
    )
    await gateway.core.prober.probe_all()

    response = await gateway.get("/health/ready")

    assert response.status == 503
    body = await response.json()
    assert body["status"] == "down"
    assert body["upstreams"]["payments"]["ready"] is False
    assert "payments" in body["detail"]


async def test_not_ready_before_the_first_probe_answers(start_gateway, start_echo):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})
    await gateway.core.prober.stop()
    for pool in gateway.core.balancer.pools.values():
        for replica in pool.replicas:
            replica.healthy = None

    response = await gateway.get("/health/ready")

    assert response.status == 503
    assert (await response.json())["upstreams"]["catalog"]["replicas"][0]["state"] == "unknown"


async def test_metrics_count_requests_by_route_and_status(start_gateway, start_echo):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})
    await gateway.get("/api/catalog/ping")
    await gateway.get("/api/orders")
    await gateway.get("/api/warehouse/items")

    response = await gateway.get("/metrics")

    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    assert 'gateway_requests_total{route="catalog",status="200"} 1.0' in text
    assert 'gateway_requests_total{route="orders",status="404"} 1.0' in text
    assert 'gateway_requests_total{route="unmatched",status="404"} 1.0' in text
    assert 'gateway_request_duration_seconds_count{route="catalog"} 1.0' in text
    assert "gateway_upstream_replica_up" in text


async def test_one_json_access_log_line_per_request_with_its_request_id(
    start_gateway, start_echo
):
    stream = io.StringIO()
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog")]}, access_log=True,
        access_log_stream=stream,
    )

    await gateway.get("/api/catalog/ping?q=1", headers={"X-Request-ID": "trace-me"})
    await gateway.get("/health/live")
    gateway.core.access_log.flush()

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert line["logger"] == "marketplace.access"
    assert line["msg"] == "GET /api/catalog/ping 200"
    assert line["request_id"] == "trace-me"
    assert line["status"] == 200
    assert line["client"] == "127.0.0.1"
    assert line["duration_ms"] >= 0
