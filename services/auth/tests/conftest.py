"""Fixtures for the auth service's tests.

``auth`` is the service as a client sees it: the app from the real composition root, on a
database migrated with the real Alembic history (SQLite, and PostgreSQL too when
``MARKETPLACE_TEST_POSTGRES_URL`` is set: tests using it run once per engine), driven by
``httpx`` inside the app's lifespan. Its event bus points at a port where no NATS listens,
so the tests also show that the service starts and works without a broker; the event tests
give it a real one (``private_nats_server``).
"""

from __future__ import annotations

import struct
import uuid
import zlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from auth_service.components import Components
from auth_service.main import create_app
from auth_service.migrations import MIGRATIONS_DIR
from auth_service.service import accounts
from auth_service.settings import AuthSettings
from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.models import OutboxMessage
from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.testing.database import migrated_database_fixtures

PASSWORD = "correct horse battery"  # passes the policy
BASE_URL = "http://auth.test"


sqlite_template, database_url = migrated_database_fixtures("auth", MIGRATIONS_DIR)


def png_of_one_colour(width: int, height: int) -> bytes:
    """A valid RGB PNG, built row by row so that the test never holds its pixels."""
    row = b"\x00" + bytes(3 * width)  # filter type 0, then black pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="session")
def png_bomb() -> bytes:
    """6300 x 6300 pixels in about 120 KB: some 460 MB of memory once decoded."""
    return png_of_one_colour(6300, 6300)


def make_settings(
    database_url: str, var_dir: Path, nats_url: str, **overrides: Any
) -> AuthSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "signing_key_passphrase": "test signing key passphrase",
        "database_url": database_url,
        "var_dir": var_dir,
        "nats_url": nats_url,
        "access_log": False,
        "db_pool_size": 5,
        # Far cheaper than production's 19 MiB / 2 passes: hashing is not what is under test.
        "argon2_memory_cost": 64,
        "argon2_time_cost": 1,
    }
    values.update(overrides)
    return AuthSettings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change the service's settings."""
    return {}


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, nats_url: str, settings_overrides: dict[str, Any]
) -> AuthSettings:
    return make_settings(database_url, tmp_path / "var", nats_url, **settings_overrides)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


@dataclass
class AuthService:
    """The running service and a client for it, with the steps most tests share. (Test
    modules cannot import this conftest, so they reach the helpers through the fixture.)"""

    app: FastAPI
    http: httpx.AsyncClient

    password = PASSWORD
    bearer = staticmethod(bearer)
    unique_email = staticmethod(unique_email)

    @property
    def components(self) -> Components:
        components: Components = self.app.state.components
        return components

    @property
    def db(self) -> Database:
        return self.components.runtime.db

    def replica(self, **overrides: Any) -> AbstractAsyncContextManager[AuthService]:
        """Another instance of the service on the same database, e.g. a second replica."""
        settings = self.components.settings
        return running(AuthSettings(**{**settings.model_dump(), **overrides}))

    @asynccontextmanager
    async def client(self, host: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
        """Another client, calling from ``host``."""
        transport = httpx.ASGITransport(app=self.app, client=(host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield http

    async def register(
        self, email: str | None = None, password: str = PASSWORD, name: str = "Anna"
    ) -> dict[str, Any]:
        email = email or unique_email()
        response = await self.http.post(
            "/api/auth/register", json={"email": email, "password": password, "name": name}
        )
        assert response.status_code == 201, response.text
        return {**response.json(), "password": password}

    async def login(
        self, email: str, password: str = PASSWORD, *, http: httpx.AsyncClient | None = None
    ) -> dict[str, Any]:
        response = await (http or self.http).post(
            "/api/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    async def user_session(self, **register: Any) -> Session:
        """A registered and logged-in user."""
        user = await self.register(**register)
        tokens = await self.login(user["email"], user["password"])
        return Session(user=user, tokens=tokens)

    async def admin_session(self) -> Session:
        email = unique_email("admin")
        await accounts.ensure_admin(
            unit_of_work=self.components.unit_of_work,
            passwords=self.components.passwords,
            email=email,
            password=PASSWORD,
            name="Admin",
        )
        response = await self.http.post(
            "/api/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return Session(user={"email": email, "password": PASSWORD}, tokens=response.json())

    async def outbox(self, subject: str | None = None) -> list[dict[str, Any]]:
        """The envelopes in the outbox, oldest first, of one subject if given."""
        query = select(OutboxMessage.envelope).order_by(OutboxMessage.id)
        if subject is not None:
            query = query.where(OutboxMessage.subject == subject)
        async with self.db.read_session() as session:
            return list((await session.scalars(query)).all())

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db.read_session() as session:
            return await session.scalar(text(sql), params)

    async def execute(self, sql: str, **params: Any) -> None:
        async with self.db.session() as session, session.begin():
            await session.execute(text(sql), params)


@dataclass
class Session:
    user: dict[str, Any]
    tokens: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.tokens["access_token"])


def build_runtime(settings: AuthSettings) -> ServiceRuntime:
    """The runtime the service would build, with a bus that gives up on NATS quickly: the
    tests without a broker should not wait out the production connect timeout."""
    return ServiceRuntime(
        settings,
        database=Database(settings.database_url, pool_size=settings.db_pool_size),
        bus=EventBus(
            settings.nats_url,
            service="auth",
            connect_timeout=0.05,
            reconnect_wait=0.2,
            stop_grace=0.5,
        ),
    )


@asynccontextmanager
async def running(settings: AuthSettings) -> AsyncIterator[AuthService]:
    app = create_app(settings, runtime=build_runtime(settings))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield AuthService(app=app, http=http)


@pytest.fixture
async def auth(settings: AuthSettings) -> AsyncIterator[AuthService]:
    async with running(settings) as service:
        yield service
