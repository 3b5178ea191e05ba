"""Events through a real NATS reach the live store once, and ``rebuild`` replays the
streams from their start into a fresh store that ends with the same figures, row for row;
rebuilding into it again changes nothing."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from analytics_service.commands import rebuild
from analytics_service.consumers import events
from analytics_service.migrations import MIGRATIONS_DIR
from marketplace_platform import migrations
from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus

pytestmark = pytest.mark.integration


@pytest.fixture
def nats_url(private_nats_server) -> str:
    return private_nats_server.url


@pytest.fixture
async def publishers(private_nats_server) -> AsyncIterator[dict[str, EventBus]]:
    buses = {
        name: EventBus(private_nats_server.url, service=name)
        for name in ("auth", "catalog", "orders", "payments", "reviews")
    }
    for bus in buses.values():
        await bus.start()
    yield buses
    for bus in buses.values():
        await bus.close()


async def test_rebuild_from_the_streams_gives_the_live_figures(
    analytics, scenario, publishers, settings, tmp_path: Path
) -> None:
    s, _, _ = scenario
    for envelope in s.envelopes:
        payload = orjson.dumps(envelope.model_dump(mode="json"))
        await publishers[envelope.source].publish(envelope.type, payload, msg_id=str(envelope.id))
    acted = sum(events.effect_of(envelope) is not None for envelope in s.envelopes)
    async with asyncio.timeout(30):
        while await analytics.scalar("SELECT count(*) FROM inbox") < acted:
            await asyncio.sleep(0.05)
    live = await analytics.tables()

    url = f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}"
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS_DIR, url)
    assert await rebuild(settings, url) == len(s.envelopes)
    rebuilt = Database(url)
    try:
        assert await analytics.tables(rebuilt) == live
        await rebuild(settings, url)  # again: the inbox skips every event
        assert await analytics.tables(rebuilt) == live
    finally:
        await rebuilt.dispose()
