"""Round-robin over replicas, skipping dead ones, and the answers when none can help."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

pytestmark = pytest.mark.integration


async def replicas_seen(gateway, count: int, path: str = "/api/catalog/ping") -> list[str]:
    seen = []
    for _ in range(count):
        response = await gateway.get(path)
        assert response.status == 200
        seen.append((await response.json())["replica"])
    return seen


async def test_requests_alternate_between_two_replicas(start_gateway, start_echo):
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog-a"), await start_echo("catalog-b")]}
    )

    seen = await replicas_seen(gateway, 6)

    assert sorted(seen) == ["catalog-a"] * 3 + ["catalog-b"] * 3
    assert all(seen[i] != seen[i + 1] for i in range(5))


async def test_a_replica_that_died_is_skipped_and_ejected(
    start_gateway, start_echo, make_upstream
):
    dying = TestServer(make_upstream("catalog-a"), host="127.0.0.1")
    await dying.start_server()
    gateway = await start_gateway(
        {"catalog": [str(dying.make_url("")).rstrip("/"), await start_echo("catalog-b")]}
    )
    await gateway.core.prober.probe_all()  # both are up, as far as the probes know
    await dying.close()

    seen = await replicas_seen(gateway, 4)

    assert seen == ["catalog-b"] * 4
    states = gateway.core.balancer.snapshot()["catalog"]["replicas"]
    assert states[0]["state"] == "ejected"
    metrics = await (await gateway.get("/metrics")).text()
    assert 'gateway_upstream_errors_total{kind="connect",service="catalog"} 1.0' in metrics


async def test_a_request_that_never_left_is_retried_whatever_its_method(
    start_gateway, start_echo, dead_url, keys, auth_url
):
    gateway = await start_gateway(
        {"auth": [auth_url], "orders": [dead_url, await start_echo("orders-b")]}
    )
    auth = {"Authorization": f"Bearer {keys.token()}"}

    responses = [await gateway.post("/api/orders", json={"n": n}, headers=auth) for n in range(2)]

    assert [r.status for r in responses] == [200, 200]
    assert [(await r.json())["body"] for r in responses] == ['{"n": 0}', '{"n": 1}']


async def test_every_replica_dead_is_a_503_problem(start_gateway, dead_url):
    other_dead = dead_url.replace(dead_url.rsplit(":", 1)[1], "1")
    gateway = await start_gateway({"catalog": [dead_url, other_dead]})

    response = await gateway.get("/api/catalog/ping")

    assert response.status == 503
    assert response.content_type == "application/problem+json"
    assert response.headers["Retry-After"] == "1"


async def test_a_slow_upstream_is_a_504_problem(start_gateway, start_server, make_upstream):
    release = asyncio.Event()

    async def slow(_: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({})

    app = make_upstream("catalog", routes=(web.get("/api/catalog/slow", slow),))
    gateway = await start_gateway({"catalog": [await start_server(app)]}, read_timeout=0.2)
    try:
        response = await gateway.get("/api/catalog/slow")
    finally:
        release.set()

    assert response.status == 504
    assert response.content_type == "application/problem+json"


async def test_a_dropped_connection_is_retried_for_a_get_but_not_for_a_post(
    start_gateway, start_server, make_upstream, keys, auth_url
):
    calls: list[str] = []

    async def crash(request: web.Request) -> web.Response:
        calls.append(request.method)
        assert request.transport is not None
        request.transport.abort()  # the replica dies with the request in hand
        raise ConnectionResetError

    crashing = make_upstream("crashing", routes=(web.route("*", "/api/orders/{tail:.*}", crash),))
    gateway = await start_gateway(
        {
            "auth": [auth_url],
            "orders": [await start_server(crashing), await start_server(make_upstream("ok"))],
        },
        eject_seconds=0,  # keep the crashing replica in the rotation
    )
    auth = {"Authorization": f"Bearer {keys.token()}"}

    # Round-robin starts at the crashing replica, so the POST and the second GET land there.
    post = await gateway.post("/api/orders/1/cancel", headers=auth, data=b"{}")
    gets = [await gateway.get("/api/orders/1", headers=auth) for _ in range(2)]

    assert post.status == 502
    assert [g.status for g in gets] == [200, 200]
    assert [(await g.json())["replica"] for g in gets] == ["ok", "ok"]
    # The POST went out once; the GET reached the crashing replica and was answered by the
    # other one (the client library may also retry it once on a fresh connection first).
    assert calls.count("POST") == 1
    assert calls[0] == "POST"
    assert "GET" in calls


async def test_a_replica_whose_probe_fails_gets_no_traffic(
    start_gateway, start_server, make_upstream
):
    ready = {"flaky": True}
    flaky = make_upstream("flaky", ready=lambda: ready["flaky"])
    gateway = await start_gateway(
        {"catalog": [await start_server(flaky), await start_server(make_upstream("steady"))]}
    )
    ready["flaky"] = False
    await gateway.core.prober.probe_all()

    seen = await replicas_seen(gateway, 4)

    assert seen == ["steady"] * 4
    assert gateway.core.balancer.snapshot()["catalog"]["replicas"][0]["state"] == "down"
