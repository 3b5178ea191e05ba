"""``/ws`` proxied to notifications, both ways, and only for a valid token."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import WSMsgType, web

pytestmark = pytest.mark.integration

WS_PATH = "/api/notifications/ws"


def ws_upstream(make_upstream, seen: dict) -> web.Application:
    """A notifications stand-in: echoes text and bytes, closes with 4000 on "bye"."""

    async def socket(request: web.Request) -> web.WebSocketResponse:
        seen["authorization"] = request.headers.get("Authorization")
        seen["query"] = dict(request.query)
        seen["request_id"] = request.headers.get("X-Request-ID")
        ws = web.WebSocketResponse(protocols=("notifications.v1",))
        await ws.prepare(request)
        async for message in ws:
            if message.type is WSMsgType.TEXT and message.data == "bye":
                await ws.close(code=4000, message=b"see you")
            elif message.type is WSMsgType.TEXT:
                await ws.send_str(f"echo: {message.data}")
            elif message.type is WSMsgType.BINARY:
                await ws.send_bytes(message.data[::-1])
        seen["close_code"] = ws.close_code
        seen["closed"].set()
        return ws

    return make_upstream("notifications", routes=(web.get(WS_PATH, socket),))


@pytest.fixture
async def setup(start_gateway, start_server, make_upstream, auth_url):
    seen: dict = {"closed": asyncio.Event()}
    notifications = await start_server(ws_upstream(make_upstream, seen))
    gateway = await start_gateway({"auth": [auth_url], "notifications": [notifications]})
    return gateway, seen


async def test_messages_flow_both_ways_with_the_token_in_the_query(setup, keys):
    gateway, seen = setup
    token = keys.token()

    async with gateway.ws_connect(f"/ws?token={token}&since=5") as ws:
        await ws.send_str("hello")
        text = await ws.receive_str()
        await ws.send_bytes(b"\x01\x02\x03")
        data = await ws.receive_bytes()

    assert text == "echo: hello"
    assert data == b"\x03\x02\x01"
    # Upstream, the token travels in the header and not in the URL.
    assert seen["authorization"] == f"Bearer {token}"
    assert seen["query"] == {"since": "5"}
    assert seen["request_id"]


async def test_the_token_may_come_in_the_authorization_header(setup, keys):
    gateway, _ = setup

    async with gateway.ws_connect(
        "/ws", headers={"Authorization": f"Bearer {keys.token()}"}
    ) as ws:
        await ws.send_str("hi")
        assert await ws.receive_str() == "echo: hi"


async def test_the_subprotocol_the_upstream_chose_reaches_the_client(setup, keys):
    gateway, _ = setup

    async with gateway.ws_connect(
        f"/ws?token={keys.token()}", protocols=("notifications.v1",)
    ) as ws:
        assert ws.protocol == "notifications.v1"


async def test_the_upstreams_close_code_reaches_the_client(setup, keys):
    gateway, _ = setup

    async with gateway.ws_connect(f"/ws?token={keys.token()}") as ws:
        await ws.send_str("bye")
        message = await ws.receive()

    assert message.type is WSMsgType.CLOSE
    assert message.data == 4000
    assert message.extra == "see you"


async def test_the_clients_close_code_reaches_the_upstream(setup, keys):
    gateway, seen = setup

    async with gateway.ws_connect(f"/ws?token={keys.token()}") as ws:
        await ws.send_str("hi")
        await ws.receive_str()
        await ws.close(code=4100)
    await asyncio.wait_for(seen["closed"].wait(), timeout=5)

    assert seen["close_code"] == 4100


@pytest.mark.parametrize("query", ["", "?token=", "?token=garbage"])
async def test_a_socket_without_a_valid_token_is_refused(setup, query):
    gateway, seen = setup

    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await gateway.ws_connect(f"/ws{query}")

    assert refused.value.status == 401
    assert "authorization" not in seen  # the upstream never saw the attempt


async def test_without_a_notifications_upstream_ws_is_a_503_problem(
    start_gateway, auth_url, keys
):
    gateway = await start_gateway({"auth": [auth_url]})

    response = await gateway.get(f"/ws?token={keys.token()}")

    assert response.status == 503
    assert response.content_type == "application/problem+json"


async def test_a_plain_get_on_ws_is_a_400_problem(setup, keys):
    gateway, _ = setup

    response = await gateway.get(f"/ws?token={keys.token()}")

    assert response.status == 400
    assert response.content_type == "application/problem+json"
