"""Fixtures for the event machinery tests: a service database with the outbox and inbox
tables (SQLite, or PostgreSQL when configured), and event buses on the session's NATS."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import Column, Integer, MetaData, String, Table

from marketplace_platform.db import Database, PlatformBase
from marketplace_platform.events.bus import EventBus
from marketplace_platform.testing.database import PostgresTemplates
from marketplace_platform.testing.nats import EmbeddedNats

# A table of the "service" under test, for handlers to have an effect on.
test_metadata = MetaData()
tallies = Table(
    "tallies",
    test_metadata,
    Column("name", String(50), primary_key=True),
    Column("count", Integer, nullable=False),
)

Condition = Callable[[], Awaitable[bool]]


async def _create_tables(url: str) -> None:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(PlatformBase.metadata.create_all)
        await conn.run_sync(test_metadata.create_all)
    await db.dispose()


@pytest.fixture
async def platform_db(
    database_engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    """A service database with the outbox and inbox tables, on each engine."""
    if database_engine == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
        await _create_tables(url)
    else:
        templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
        url = await asyncio.to_thread(
            templates.clone, "platform_events", lambda u: asyncio.run(_create_tables(u))
        )
    database = Database(url, pool_size=5)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    await _create_tables(url)
    database = Database(url)
    yield database
    await database.dispose()


def unique_service() -> str:
    """Tests share one NATS server: each gets streams and consumers of its own."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def service() -> str:
    return unique_service()


@pytest.fixture
async def bus(nats_server: EmbeddedNats, service: str) -> AsyncIterator[EventBus]:
    event_bus = EventBus(nats_server.url, service=service, reconnect_wait=0.1, stop_grace=1.0)
    await event_bus.start()
    assert event_bus.connected
    yield event_bus
    await event_bus.close()


@pytest.fixture
async def js(nats_server: EmbeddedNats) -> AsyncIterator[JetStreamContext]:
    """A plain JetStream client, to look at streams from outside the code under test."""
    nc: Client = await nats.connect(nats_server.url)
    yield nc.jetstream()
    await nc.close()


async def _eventually(condition: Condition, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)


@pytest.fixture
def tallies_table() -> Table:
    return tallies


@pytest.fixture
def eventually() -> Callable[..., Awaitable[None]]:
    """Wait until an asynchronous condition holds (for effects with no event to await)."""
    return _eventually
