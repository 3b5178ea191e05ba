"""The auth service's events on a real NATS JetStream: published through the outbox, never
for a rolled-back change, and delayed (not lost) while the broker is down."""

import asyncio
import uuid

import nats
import orjson
import pytest
from nats.js import JetStreamContext

pytestmark = pytest.mark.integration

REGISTERED = "auth.user.registered.v1"


@pytest.fixture
def nats_url(private_nats_server) -> str:
    return private_nats_server.url


async def broker_ready(auth) -> None:
    bus = auth.components.runtime.bus
    async with asyncio.timeout(10):
        await bus.wait_connected()
    await bus.declare_streams()


async def next_registered(
    js: JetStreamContext, email: str, timeout: float = 15.0
) -> nats.aio.msg.Msg:
    """The ``UserRegistered`` message for ``email``, waiting for it to arrive."""
    subscription = await js.pull_subscribe(REGISTERED, stream="AUTH")
    async with asyncio.timeout(timeout):
        while True:
            try:
                [message] = await subscription.fetch(1, timeout=1)
            except nats.errors.TimeoutError:
                continue
            await message.ack()
            if orjson.loads(message.data)["data"]["email"] == email:
                return message


async def test_user_registered_reaches_jetstream(auth, private_nats_server) -> None:
    await broker_ready(auth)
    user = await auth.register()
    client = await nats.connect(private_nats_server.url)
    try:
        message = await next_registered(client.jetstream(), user["email"])
    finally:
        await client.close()
    envelope = orjson.loads(message.data)
    assert envelope["type"] == REGISTERED
    assert envelope["source"] == "auth"
    assert envelope["subject"] == user["id"]
    assert envelope["data"] == {
        "user_id": user["id"],
        "email": user["email"],
        "name": user["name"],
        "role": "user",
    }
    assert message.headers is not None
    assert message.headers["Nats-Msg-Id"] == envelope["id"]
    assert uuid.UUID(envelope["id"]).version == 7


async def test_a_rolled_back_registration_leaves_no_outbox_row(auth) -> None:
    email = auth.unique_email()
    await auth.register(email=email)
    duplicate = await auth.http.post(
        "/api/auth/register", json={"email": email.upper(), "password": auth.password, "name": "B"}
    )
    assert duplicate.status_code == 409
    weak = await auth.http.post(
        "/api/auth/register",
        json={"email": auth.unique_email(), "password": "password", "name": "C"},
    )
    assert weak.status_code == 422
    assert [envelope["data"]["email"] for envelope in await auth.outbox(REGISTERED)] == [email]


async def test_a_login_is_published_and_a_failed_one_is_not(auth) -> None:
    user = await auth.register()
    await auth.login(user["email"])
    wrong = await auth.http.post(
        "/api/auth/login", json={"email": user["email"], "password": "wrong password here"}
    )
    assert wrong.status_code == 401
    logins = await auth.outbox("auth.user.logged_in.v1")
    assert [envelope["data"]["user_id"] for envelope in logins] == [user["id"]]
    assert logins[0]["subject"] == user["id"]


async def test_registrations_while_nats_is_down_are_published_once_it_is_back(
    auth, private_nats_server
) -> None:
    await broker_ready(auth)
    private_nats_server.stop()
    user = await auth.register()
    assert await auth.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1

    private_nats_server.start()
    client = await nats.connect(private_nats_server.url)
    try:
        await next_registered(client.jetstream(), user["email"], timeout=30)
    finally:
        await client.close()

    async def published() -> bool:
        return await auth.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0

    async with asyncio.timeout(10):
        while not await published():
            await asyncio.sleep(0.05)
