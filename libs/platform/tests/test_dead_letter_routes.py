"""``/api/<service>/dead-letters`` on a service built by the app factory, on a real NATS: an
event its consumer rejects is listed for an admin (not for a user or a stranger), replayed
once it can be handled, and handled; a second replay is a 409, an unknown id a 404."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import orjson
import pytest

from marketplace_contracts import Envelope
from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.dead_letters import dead_letters_of
from marketplace_platform.http import create_service_app
from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.settings import ServiceSettings
from marketplace_platform.testing.nats import EmbeddedNats, free_port
from marketplace_platform.testing.service import app_client
from marketplace_platform.testing.tokens import TokenSigner

pytestmark = pytest.mark.integration

Eventually = Callable[..., Awaitable[None]]


@dataclass
class Picky:
    """A consumer that refuses every event until told it may handle them."""

    broken: bool = True
    handled: list[uuid.UUID] = field(default_factory=list)

    async def __call__(self, envelope: Envelope) -> None:
        if self.broken:
            raise ValueError(f"cannot handle {envelope.data}")
        self.handled.append(envelope.id)


@dataclass
class Running:
    http: httpx.AsyncClient
    bus: EventBus
    service: str
    consumer: str
    picky: Picky
    signer: TokenSigner

    @property
    def base(self) -> str:
        return f"/api/{self.service}/dead-letters"

    def headers(self, role: str) -> dict[str, str]:
        return self.signer.headers(role=role)

    async def publish(self, n: int) -> Envelope:
        envelope = Envelope(
            id=uuid.uuid4(),
            type=f"{self.service}.thing.pinged.v1",
            source=self.service,
            data={"n": n},
            traceparent=f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
        )
        payload = orjson.dumps(envelope.model_dump(mode="json"))
        await self.bus.publish(envelope.type, payload, msg_id=str(envelope.id))
        return envelope

    async def listed(self, **params: object) -> dict:
        response = await self.http.get(self.base, params=params, headers=self.headers("admin"))
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def running(
    nats_server: EmbeddedNats, sqlite_db: Database, signer: TokenSigner
) -> AsyncIterator[Running]:
    service = f"t{uuid.uuid4().hex[:10]}"
    settings = ServiceSettings(environment="test", service_name=service, access_log=False)
    bus = EventBus(nats_server.url, service=service, reconnect_wait=0.1, stop_grace=1.0)
    runtime = ServiceRuntime(settings, verifier=signer.verifier(), database=sqlite_db, bus=bus)
    picky = Picky()
    consumer = f"{service}-picky"
    bus.consume(consumer, [f"{service}.>"], picky, max_deliver=1, backoff=[0.01])
    app = create_service_app(settings, title=service, routers=[], lifespan=runtime.lifespan)
    async with app_client(app, "http://service.test") as http:
        await bus.wait_connected()
        yield Running(http, bus, service, consumer, picky, signer)


async def parked(running: Running, eventually: Eventually, count: int) -> list[dict]:
    async def enough() -> bool:
        return len((await running.listed())["items"]) >= count

    await eventually(enough)
    return (await running.listed())["items"]


async def test_a_rejected_event_is_listed_replayed_and_handled(
    running: Running, eventually: Eventually
) -> None:
    envelope = await running.publish(7)

    [letter] = await parked(running, eventually, 1)

    assert letter["consumer"] == running.consumer
    assert letter["subject"] == envelope.type
    assert letter["event_id"] == str(envelope.id)
    assert letter["event_type"] == envelope.type
    assert letter["error"] == "ValueError: cannot handle {'n': 7}"
    assert letter["deliveries"] == 1
    assert letter["failed_at"] is not None
    assert letter["trace_id"] == envelope.traceparent.split("-")[1]
    assert letter["payload_preview"] == '{"n":7}'

    running.picky.broken = False
    replayed = await running.http.post(
        f"{running.base}/{letter['id']}/replay", headers=running.headers("admin")
    )
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["replayed"]["id"] == letter["id"]

    async def handled() -> bool:
        return running.picky.handled == [envelope.id]

    await eventually(handled)
    assert (await running.listed())["items"] == []
    again = await running.http.post(
        f"{running.base}/{letter['id']}/replay", headers=running.headers("admin")
    )
    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == "application/problem+json"
    await asyncio.sleep(0)
    assert running.picky.handled == [envelope.id]


async def test_only_admins_see_or_replay_dead_letters(
    running: Running, eventually: Eventually
) -> None:
    await running.publish(1)
    [letter] = await parked(running, eventually, 1)
    replay = f"{running.base}/{letter['id']}/replay"

    assert (await running.http.get(running.base)).status_code == 401
    user = running.headers("user")
    assert (await running.http.get(running.base, headers=user)).status_code == 403
    assert (await running.http.post(replay)).status_code == 401
    forbidden = await running.http.post(replay, headers=running.headers("user"))
    assert forbidden.status_code == 403
    assert [item["id"] for item in (await running.listed())["items"]] == [letter["id"]]


async def test_newest_first_in_pages(running: Running, eventually: Eventually) -> None:
    sent = [await running.publish(n) for n in range(3)]
    await parked(running, eventually, 3)

    first = await running.listed(limit=2)
    second = await running.listed(limit=2, cursor=first["next_cursor"])

    ids = [item["event_id"] for item in first["items"] + second["items"]]
    assert ids == [str(envelope.id) for envelope in reversed(sent)]
    assert second["next_cursor"] is None
    assert first["consumers"] == [running.consumer]


async def test_bad_ids_and_cursors_are_problems(running: Running) -> None:
    admin = running.headers("admin")
    unknown = await running.http.post(f"{running.base}/999999999/replay", headers=admin)
    assert unknown.status_code == 404, unknown.text
    for bad in ("abc", "0", "-1", str(2**64)):
        response = await running.http.post(f"{running.base}/{bad}/replay", headers=admin)
        assert response.status_code == 422, (bad, response.text)
    cursor = await running.http.get(running.base, params={"cursor": "nope"}, headers=admin)
    assert cursor.status_code == 422
    limit = await running.http.get(running.base, params={"limit": 0}, headers=admin)
    assert limit.status_code == 422


async def test_another_services_letter_is_not_found_here(
    running: Running, nats_server: EmbeddedNats, eventually: Eventually
) -> None:
    other = EventBus(nats_server.url, service=f"o{uuid.uuid4().hex[:10]}", stop_grace=1.0)
    await other.start()
    try:
        other.consume(f"{other.service}-x", [f"{running.service}.>"], Picky(), max_deliver=1)
        await running.publish(5)
        [mine] = await parked(running, eventually, 1)
        others = await list_other(other, eventually)
    finally:
        await other.close()

    admin = running.headers("admin")
    response = await running.http.post(f"{running.base}/{others}/replay", headers=admin)
    assert response.status_code == 404, response.text
    assert [item["id"] for item in (await running.listed())["items"]] == [mine["id"]]


async def list_other(bus: EventBus, eventually: Eventually) -> int:
    async def found() -> bool:
        return bool(await dead_letters_of(bus, bus.consumer_names))

    await eventually(found)
    [letter] = await dead_letters_of(bus, bus.consumer_names)
    return letter.seq


async def test_without_the_broker_the_routes_answer_503(
    sqlite_db: Database, signer: TokenSigner
) -> None:
    settings = ServiceSettings(environment="test", service_name="lonely", access_log=False)
    bus = EventBus(f"nats://127.0.0.1:{free_port()}", service="lonely", connect_timeout=0.05)
    bus.consume("lonely", ["other.>"], Picky())
    runtime = ServiceRuntime(settings, verifier=signer.verifier(), database=sqlite_db, bus=bus)
    app = create_service_app(settings, title="lonely", routers=[], lifespan=runtime.lifespan)
    admin = signer.headers(role="admin")
    async with app_client(app, "http://service.test") as http:
        listed = await http.get("/api/lonely/dead-letters", headers=admin)
        replayed = await http.post("/api/lonely/dead-letters/1/replay", headers=admin)

    assert (listed.status_code, replayed.status_code) == (503, 503)
    assert listed.headers["content-type"] == "application/problem+json"


def test_the_routes_are_documented_as_admin_routes_of_the_service() -> None:
    settings = ServiceSettings(environment="test", service_name="shop", access_log=False)
    paths = create_service_app(settings, title="shop", routers=[]).openapi()["paths"]

    listing = paths["/api/shop/dead-letters"]["get"]
    replaying = paths["/api/shop/dead-letters/{letter_id}/replay"]["post"]
    assert listing["operationId"] == "dead-letters-shop-list"
    assert replaying["operationId"] == "dead-letters-shop-replay"
    assert {"200", "401", "403", "422", "503"} <= set(listing["responses"])
    assert {"202", "401", "403", "404", "409", "422", "503"} <= set(replaying["responses"])
    assert listing["security"] == replaying["security"] == [{"bearerAuth": []}]
