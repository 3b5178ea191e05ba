"""A service under test, as its tests drive it: the runtime it would build, trusting a test
``TokenSigner``, an HTTP client on its app inside the app's lifespan, and what its outbox
holds.

Every service's conftest needs both. The bus here gives up on NATS quickly, so tests without
a broker do not wait out the connect timeout (the outbox holds their events).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.models import OutboxMessage
from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.settings import ServiceSettings
from marketplace_platform.testing.tokens import TokenSigner

# The client address the app sees: a loopback peer, as behind the gateway.
CLIENT = ("127.0.0.1", 40000)


def runtime_for_tests(settings: ServiceSettings, signer: TokenSigner) -> ServiceRuntime:
    """The runtime the service would build, trusting ``signer``'s key."""
    return ServiceRuntime(
        settings,
        verifier=signer.verifier(),
        database=Database(settings.database_url, pool_size=settings.db_pool_size),
        bus=EventBus(
            settings.nats_url,
            service=settings.service_name,
            connect_timeout=0.05,
            reconnect_wait=0.2,
            stop_grace=0.5,
        ),
    )


@asynccontextmanager
async def app_client(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app``, in process, for as long as its lifespan runs."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=CLIENT)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http


async def outbox_envelopes(db: Database, subject: str | None = None) -> list[dict[str, Any]]:
    """The envelopes in the service's outbox, oldest first, of one subject if given."""
    query = select(OutboxMessage.envelope).order_by(OutboxMessage.created_at, OutboxMessage.id)
    if subject is not None:
        query = query.where(OutboxMessage.subject == subject)
    async with db.read_session() as session:
        return list((await session.scalars(query)).all())
