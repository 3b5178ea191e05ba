"""The real-time channel on a real server, on each engine: who may open it, what it pushes
and to whom, when it closes, and what a reconnecting client catches up on."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from marketplace_contracts import OrderStatusChanged

pytestmark = pytest.mark.integration


def status_changed(user_id: uuid.UUID, to: str = "paid") -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=uuid.uuid4(), user_id=user_id, from_status="processing", to_status=to,
        actor="system", total=1000, currency="RUB", changed_at=datetime.now(UTC),
    )


async def refused(connecting) -> int:
    with pytest.raises(InvalidStatus) as caught:
        async with connecting:
            pass
    return caught.value.response.status_code


async def test_a_socket_opens_only_with_a_valid_token(notifications, helpers) -> None:
    user = notifications.user()
    assert await refused(notifications.socket()) == 401
    assert await refused(notifications.socket(token="not-a-token")) == 401
    assert await refused(notifications.socket(token=user.token + "x")) == 401
    expired = notifications.signer.token(user_id=user.id, ttl=-60)
    assert await refused(notifications.socket(token=expired)) == 401
    assert await refused(notifications.socket(user, since="not-an-id")) == 422
    # The browser's way: the token in the query.
    async with notifications.socket(query_token=user.token) as socket:
        hello = await helpers.receive(socket, "hello")
        assert hello["data"]["user_id"] == str(user.id)


async def test_a_status_change_pushes_the_status_the_notification_and_the_count(
    notifications, helpers
) -> None:
    owner = notifications.user()
    async with notifications.socket(owner) as first, notifications.socket(owner) as second:
        for socket in (first, second):
            hello = await helpers.receive(socket, "hello")
            assert hello["data"]["unread"] == 0
        event = status_changed(owner.id, "paid")
        await notifications.deliver(event)
        for socket in (first, second):  # every open socket of the user
            status = await helpers.receive(socket)
            assert status == {
                "type": "order.status",
                "data": {
                    "order_id": str(event.order_id), "status": "paid",
                    "from_status": "processing", "reason": None,
                    "changed_at": status["data"]["changed_at"],
                },
            }
            pushed = await helpers.receive(socket)
            assert pushed["type"] == "notification"
            assert pushed["data"]["type"] == "order.status"
            assert await helpers.receive(socket) == {"type": "unread", "data": {"unread": 1}}

        # Reading it in one tab updates the count in the other.
        await notifications.http.post(
            f"/api/notifications/{pushed['data']['id']}/read", headers=owner.headers
        )
        assert await helpers.receive(second) == {"type": "unread", "data": {"unread": 0}}


async def test_status_pushes_ignore_the_preferences_the_inbox_does_not(
    notifications, helpers
) -> None:
    owner = notifications.user()
    await notifications.preferences(owner, {"types": {"order.status": {"in_app": False}}})
    async with notifications.socket(owner) as socket:
        await helpers.receive(socket, "hello")
        await notifications.deliver(status_changed(owner.id, "delivered"))
        assert (await helpers.receive(socket))["type"] == "order.status"
        # Nothing else follows: no notification was stored.
        with pytest.raises(TimeoutError):
            await helpers.receive(socket, timeout=0.5)
    assert (await notifications.inbox(owner))["items"] == []


async def test_one_user_never_receives_anothers_pushes(notifications, helpers) -> None:
    alice, bob = notifications.user(), notifications.user()
    async with notifications.socket(alice) as alices, notifications.socket(bob) as bobs:
        await helpers.receive(alices, "hello")
        await helpers.receive(bobs, "hello")
        await notifications.deliver(status_changed(bob.id))
        assert (await helpers.receive(bobs))["type"] == "order.status"
        await notifications.deliver(status_changed(alice.id))
        # Alice's first message is her own status change, never Bob's.
        first = await helpers.receive(alices)
        assert first["type"] == "order.status"
        [mine] = (await notifications.inbox(alice))["items"]
        assert (await helpers.receive(alices))["data"]["id"] == mine["id"]


async def close_code(socket) -> int:
    """Reads until the server closes the socket; the code it closed with."""
    try:
        async with asyncio.timeout(10):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else -1


async def test_the_socket_closes_when_the_token_expires(notifications, helpers) -> None:
    user = notifications.user()
    token = notifications.signer.token(user_id=user.id, ttl=2)
    async with notifications.socket(token=token) as socket:
        await helpers.receive(socket, "hello")
        assert await close_code(socket) == 4001


async def test_a_reconnecting_client_gets_exactly_what_it_missed(notifications, helpers) -> None:
    owner = notifications.user()
    async with notifications.socket(owner) as socket:
        await helpers.receive(socket, "hello")
        await notifications.deliver(status_changed(owner.id, "processing"))
        last_seen = (await helpers.receive(socket, "notification"))["data"]["id"]
    for status in ("paid", "delivered"):
        await notifications.deliver(status_changed(owner.id, status))
    missed = [item["id"] for item in reversed((await notifications.inbox(owner))["items"][:2])]

    async with notifications.socket(owner, since=last_seen) as socket:
        hello = await helpers.receive(socket, "hello")
        assert hello["data"]["missed"] == 2
        assert hello["data"]["more"] is False
        assert hello["data"]["unread"] == 3
        caught_up = [(await helpers.receive(socket))["data"]["id"] for _ in missed]
        assert caught_up == missed
        # Then live again, and nothing repeated.
        await notifications.deliver(status_changed(owner.id, "cancelled"))
        assert (await helpers.receive(socket))["type"] == "order.status"
        live = await helpers.receive(socket)
        assert live["type"] == "notification"
        assert live["data"]["id"] not in missed


async def test_sockets_past_the_cap_close_the_oldest(notifications, helpers) -> None:
    user = notifications.user()
    cap = notifications.settings.max_sockets_per_user
    sockets = [await notifications.socket(user).__aenter__() for _ in range(cap)]
    try:
        for socket in sockets:
            await helpers.receive(socket, "hello")
        async with notifications.socket(user) as newest:
            await helpers.receive(newest, "hello")
            assert await close_code(sockets[0]) == 4008
            assert notifications.components.hub.sockets == cap
    finally:
        for socket in sockets:
            await socket.close()
