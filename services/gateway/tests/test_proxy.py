"""Routing by prefix, with the request and the answer passed through intact."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from aiohttp import web

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


async def raw_request(port: int, request: bytes) -> tuple[int, bytes]:
    """Send bytes exactly as given (client libraries normalise paths) and read the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    status = int(answer.split(b" ", 2)[1])
    return status, answer


async def test_routes_each_prefix_to_its_service_with_path_query_body_and_headers(
    start_gateway, start_echo, auth_url, keys
):
    gateway = await start_gateway({
        "auth": [auth_url],
        "catalog": [await start_echo("catalog")],
        "orders": [await start_echo("orders")],
    })
    token = keys.token()

    response = await gateway.post(
        "/api/orders/7/items?b=%20x&a=1&a=2",
        data=b'{"quantity": 3}',
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "X-Custom": "kept",
        },
    )

    assert response.status == 200
    seen = await response.json()
    assert seen["replica"] == "orders"
    assert seen["method"] == "POST"
    assert seen["raw_path"] == "/api/orders/7/items?b=%20x&a=1&a=2"
    assert seen["body"] == '{"quantity": 3}'
    headers = seen["headers"]
    assert headers["Authorization"] == f"Bearer {token}"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Custom"] == "kept"
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Host"] == f"127.0.0.1:{gateway.port}"
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}", headers["traceparent"])
    # The upstream's own headers come back, cookies included.
    assert response.headers["X-Upstream"] == "orders"
    assert response.headers["Set-Cookie"] == "replica=orders"

    catalog = await gateway.get("/api/catalog/products?q=lamp")
    assert (await catalog.json())["replica"] == "catalog"


async def test_the_bare_prefix_is_routed_too(start_gateway, start_echo):
    gateway = await start_gateway({"reviews": [await start_echo("reviews")]})

    response = await gateway.get("/api/reviews?product_id=42")

    assert response.status == 200
    assert (await response.json())["raw_path"] == "/api/reviews?product_id=42"


async def test_a_sane_request_id_is_passed_through_both_ways(start_gateway, start_echo):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})

    response = await gateway.get("/api/catalog/ping", headers={"X-Request-ID": "req-1.A_b"})

    assert response.headers["X-Request-ID"] == "req-1.A_b"
    assert (await response.json())["headers"]["X-Request-ID"] == "req-1.A_b"


@pytest.mark.parametrize("sent", [None, "has spaces", "x" * 129, "semi;colon", ""])
async def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(
    start_gateway, start_echo, sent
):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})
    headers = {} if sent is None else {"X-Request-ID": sent}

    response = await gateway.get("/api/catalog/ping", headers=headers)

    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    upstream = (await response.json())["headers"]
    assert upstream["X-Request-ID"] == request_id


async def test_a_valid_traceparent_is_kept(start_gateway, start_echo):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    response = await gateway.get("/api/catalog/ping", headers={"traceparent": traceparent})

    assert (await response.json())["headers"]["traceparent"] == traceparent


async def test_hop_by_hop_headers_stay_on_their_hop(start_gateway, start_echo):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})

    response = await gateway.get(
        "/api/catalog/ping",
        headers={
            "Connection": "keep-alive, X-Hop-Secret",
            "X-Hop-Secret": "for the gateway only",
            "Keep-Alive": "timeout=5",
            "Proxy-Authorization": "Basic Zm9vOmJhcg==",
            "TE": "trailers",
            "X-Forwarded-For": "203.0.113.9",
        },
    )

    body = await response.json()
    seen = body["headers"]
    for name in ("X-Hop-Secret", "Keep-Alive", "Proxy-Authorization", "TE"):
        assert name not in seen
    # The client's chain is extended with the address the gateway saw.
    assert seen["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
    assert body["header_counts"]["X-Forwarded-For"] == 1


async def test_unknown_prefix_and_unconfigured_service_answer_404_problems(
    start_gateway, start_echo
):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})

    unknown = await gateway.get("/api/warehouse/items")
    unconfigured = await gateway.get("/api/orders")
    # Other paths are the web UI's pages (test_web_ui.py); a file it does not have is not.
    elsewhere = await gateway.get("/not-an-api.php")

    for response in (unknown, unconfigured, elsewhere):
        assert response.status == 404
        assert response.content_type == PROBLEM
        assert response.headers["X-Request-ID"]
    assert "warehouse" in (await unknown.json())["detail"]
    assert "not configured" in (await unconfigured.json())["detail"]
    assert (await elsewhere.json())["status"] == 404


async def test_a_wrong_method_on_a_gateway_route_is_a_405_problem(start_gateway):
    gateway = await start_gateway({})

    response = await gateway.post("/health/live")

    assert response.status == 405
    assert response.content_type == PROBLEM
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "target", ["/api/catalog/../auth/users", "/api/catalog/%2e%2e/x", "/api/catalog/./x"]
)
async def test_paths_with_dot_segments_are_refused(start_gateway, start_echo, target):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})

    status, answer = await raw_request(
        gateway.port,
        f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(),
    )

    assert status == 400
    assert b"application/problem+json" in answer
    assert b'"replica"' not in answer


async def test_an_oversized_body_is_refused_with_413(start_gateway, start_echo, keys, auth_url):
    gateway = await start_gateway(
        {"auth": [auth_url], "orders": [await start_echo("orders")]}, max_body_bytes=1000
    )
    auth = {"Authorization": f"Bearer {keys.token()}"}

    declared = await gateway.post("/api/orders", data=b"x" * 1001, headers=auth)

    async def chunks():
        for _ in range(20):
            yield b"y" * 100

    chunked = await gateway.post("/api/orders", data=chunks(), headers=auth)
    fits = await gateway.post("/api/orders", data=b"z" * 1000, headers=auth)

    assert declared.status == 413
    assert declared.content_type == PROBLEM
    assert chunked.status == 413
    assert fits.status == 200
    assert len((await fits.json())["body"]) == 1000


async def test_big_bodies_stream_through_both_ways(
    start_gateway, start_server, make_upstream, keys, auth_url
):
    payload = bytes(range(256)) * 8 * 1024  # 2 MiB, past the size the proxy reads whole

    async def upload(request: web.Request) -> web.Response:
        received = await request.read()
        return web.json_response({"size": len(received), "same": received == payload})

    async def download(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        await response.prepare(request)
        for start in range(0, len(payload), 100_000):
            await response.write(payload[start : start + 100_000])
        await response.write_eof()
        return response

    app = make_upstream("catalog", routes=(
        web.put("/api/catalog/products/1/image", upload),
        web.get("/api/catalog/files/big.bin", download),
    ))
    gateway = await start_gateway({"auth": [auth_url], "catalog": [await start_server(app)]})

    uploaded = await gateway.put(
        "/api/catalog/products/1/image", data=io.BytesIO(payload),
        headers={"Authorization": f"Bearer {keys.token()}"},
    )
    downloaded = await gateway.get("/api/catalog/files/big.bin")

    assert uploaded.status == 200
    assert await uploaded.json() == {"size": len(payload), "same": True}
    assert downloaded.status == 200
    assert await downloaded.read() == payload
    assert downloaded.headers["X-Request-ID"]


async def test_head_keeps_the_upstreams_content_length(start_gateway, start_server, make_upstream):
    async def product(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 321, content_type="application/json")

    app = make_upstream("catalog", routes=(web.get("/api/catalog/products/1", product),))
    gateway = await start_gateway({"catalog": [await start_server(app)]})

    response = await gateway.head("/api/catalog/products/1")

    assert response.status == 200
    assert response.headers["Content-Length"] == "321"
    assert await response.read() == b""


async def test_upstream_connections_are_kept_alive_between_requests(
    start_gateway, start_server, make_upstream
):
    async def peer(request: web.Request) -> web.Response:
        return web.json_response({"port": request.transport.get_extra_info("peername")[1]})

    app = make_upstream("catalog", routes=(web.get("/api/catalog/peer", peer),))
    gateway = await start_gateway({"catalog": [await start_server(app)]})

    first = await (await gateway.get("/api/catalog/peer")).json()
    second = await (await gateway.get("/api/catalog/peer")).json()

    assert first == second  # the same upstream connection, from the same local port


async def test_expect_100_continue_is_answered_once_the_request_may_go(
    start_gateway, start_echo, keys, auth_url
):
    gateway = await start_gateway({"auth": [auth_url], "orders": [await start_echo("orders")]})

    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
    writer.write(
        b"POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\n"
        + f"Authorization: Bearer {keys.token()}\r\n\r\n".encode()
    )
    interim = await reader.readuntil(b"\r\n\r\n")
    writer.write(b"{}")
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()

    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"body":"{}"' in answer.replace(b": ", b":")


async def test_expect_100_continue_is_not_answered_to_a_refused_request(
    start_gateway, start_echo, auth_url
):
    gateway = await start_gateway({"auth": [auth_url], "orders": [await start_echo("orders")]})

    status, answer = await raw_request(
        gateway.port,
        b"POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\n\r\n",
    )

    assert status == 401
    assert b"100 Continue" not in answer


async def test_an_unknown_expectation_is_a_417_problem(start_gateway, start_echo):
    gateway = await start_gateway({"auth": [await start_echo("auth")]})

    status, answer = await raw_request(
        gateway.port,
        b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        b"Expect: teapot\r\nConnection: close\r\n\r\n{}",
    )

    assert status == 417
    assert b"application/problem+json" in answer


async def test_fields_the_upstream_names_in_connection_stay_on_its_hop(
    start_gateway, start_server, make_upstream
):
    async def secretive(request: web.Request) -> web.Response:
        return web.json_response(
            {}, headers={"Connection": "X-Upstream-Hop", "X-Upstream-Hop": "private",
                         "X-Kept": "yes"},
        )

    app = make_upstream("catalog", routes=(web.get("/api/catalog/secret", secretive),))
    gateway = await start_gateway({"catalog": [await start_server(app)]})

    response = await gateway.get("/api/catalog/secret")

    assert response.status == 200
    assert response.headers["X-Kept"] == "yes"
    assert "X-Upstream-Hop" not in response.headers
