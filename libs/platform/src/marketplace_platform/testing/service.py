"""A service under test, as its tests drive it: the settings every test run shares, the
runtime it would build, trusting a test ``TokenSigner``, an HTTP client on its app inside the
app's lifespan, and ``ServiceUnderTest``: the running service with the steps every service's
tests take (callers with tokens, the outbox, SQL on its database).

Every service's conftest needs them. The bus here gives up on NATS quickly, so tests without
a broker do not wait out the connect timeout (the outbox holds their events). As a pytest
plugin (the root ``conftest.py`` loads it) this module also gives the fixtures every
service's conftest starts from: ``signer`` and ``settings_overrides``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.models import OutboxMessage
from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.settings import ServiceSettings
from marketplace_platform.testing.tokens import TokenSigner

# The client address the app sees: a loopback peer, as behind the gateway.
CLIENT = ("127.0.0.1", 40000)
# The ``X-Internal-Token`` services under test and their fake peers share.
INTERNAL_TOKEN = "test-internal-token"  # noqa: S105 - a token for tests only


@pytest.fixture(scope="session")
def signer() -> TokenSigner:
    """The key the services under test trust, for the tokens their callers carry."""
    return TokenSigner()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change the service's settings."""
    return {}


def settings_for_tests(database_url: str, tmp_path: Path, nats_url: str) -> dict[str, Any]:
    """The settings every service takes in its tests: the test's database and NATS, files
    under ``tmp_path``, quiet logs, a small pool, the shared internal token. A conftest adds
    its own (peers' URLs, timers) and builds its settings class from the result."""
    return {
        "environment": "test",
        "database_url": database_url,
        "var_dir": tmp_path / "var",
        "nats_url": nats_url,
        "access_log": False,
        "db_pool_size": 5,
        "internal_token": INTERNAL_TOKEN,
    }


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


@dataclass(frozen=True, slots=True)
class Caller:
    """Someone calling the service: their user id and the headers carrying their token."""

    user_id: uuid.UUID
    headers: dict[str, str]


class HasRuntime(Protocol):
    """A service's components: all ``ServiceUnderTest`` needs of them is the runtime."""

    @property
    def runtime(self) -> ServiceRuntime: ...


C = TypeVar("C", bound=HasRuntime)


@dataclass
class ServiceUnderTest(Generic[C]):
    """The running service (``app``, whose ``components`` are ``C``) and a client for it,
    with the steps the tests of every service take. A service's conftest subclasses it with
    its fakes and its own steps (placing an order, paying one ...); test modules cannot
    import a conftest, so they reach the helpers through the fixture."""

    app: FastAPI
    http: httpx.AsyncClient
    signer: TokenSigner

    internal: ClassVar[dict[str, str]] = {"X-Internal-Token": INTERNAL_TOKEN}

    @property
    def components(self) -> C:
        components: C = self.app.state.components
        return components

    @property
    def db(self) -> Database:
        return self.components.runtime.db

    @property
    def engine(self) -> str:
        return self.db.dialect

    def caller(self, role: str = "user") -> Caller:
        """A new user with ``role`` and a token of theirs."""
        user_id = uuid.uuid4()
        return Caller(user_id, self.signer.headers(role=role, user_id=user_id))

    def user(self) -> Caller:
        return self.caller("user")

    def admin(self) -> Caller:
        return self.caller("admin")

    async def outbox(self, subject: str | None = None) -> list[dict[str, Any]]:
        """The envelopes in the outbox, oldest first, of one subject if given."""
        return await outbox_envelopes(self.db, subject)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db.read_session() as session:
            return await session.scalar(text(sql), params)

    async def execute(self, sql: str, **params: Any) -> None:
        async with self.db.session() as session, session.begin():
            await session.execute(text(sql), params)
