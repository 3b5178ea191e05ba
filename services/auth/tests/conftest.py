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

from auth_service.components import Components
from auth_service.main import create_app
from auth_service.migrations import MIGRATIONS_DIR
from auth_service.service import accounts
from auth_service.settings import AuthSettings
from marketplace_platform.testing.database import migrated_database_fixtures
from marketplace_platform.testing.service import (
    CLIENT,
    ServiceUnderTest,
    app_client,
    runtime_for_tests,
    settings_for_tests,
)
from marketplace_platform.testing.tokens import TokenSigner

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


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, nats_url: str, settings_overrides: dict[str, Any]
) -> AuthSettings:
    values: dict[str, Any] = {
        **settings_for_tests(database_url, tmp_path, nats_url),
        "signing_key_passphrase": "test signing key passphrase",
        # Far cheaper than production's 19 MiB / 2 passes: hashing is not what is under test.
        "argon2_memory_cost": 64,
        "argon2_time_cost": 1,
    }
    values.update(settings_overrides)
    return AuthSettings(**values)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


@dataclass
class AuthService(ServiceUnderTest[Components]):
    """The running auth service, with the steps most of its tests share.

    Auth signs and checks its own tokens (its key ring), so its callers are users who
    registered and logged in (``user_session``, ``admin_session``): the inherited
    ``caller()``, ``user()`` and ``admin()`` carry tokens of the test ``signer``, which the
    other services trust and auth does not."""

    password = PASSWORD
    bearer = staticmethod(bearer)
    unique_email = staticmethod(unique_email)

    def replica(self, **overrides: Any) -> AbstractAsyncContextManager[AuthService]:
        """Another instance of the service on the same database, e.g. a second replica."""
        settings = self.components.settings
        return running(AuthSettings(**{**settings.model_dump(), **overrides}), self.signer)

    @asynccontextmanager
    async def client(self, host: str = CLIENT[0]) -> AsyncIterator[httpx.AsyncClient]:
        """Another client, calling from ``host``."""
        transport = httpx.ASGITransport(app=self.app, client=(host, CLIENT[1]))
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


@dataclass
class Session:
    user: dict[str, Any]
    tokens: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.tokens["access_token"])


@asynccontextmanager
async def running(settings: AuthSettings, signer: TokenSigner) -> AsyncIterator[AuthService]:
    # The runtime's verifier is replaced by auth's own (its key ring) in ``create_app``.
    app = create_app(settings, runtime=runtime_for_tests(settings, signer))
    async with app_client(app, BASE_URL) as http:
        yield AuthService(app=app, http=http, signer=signer)


@pytest.fixture
async def auth(settings: AuthSettings, signer: TokenSigner) -> AsyncIterator[AuthService]:
    async with running(settings, signer) as service:
        yield service
