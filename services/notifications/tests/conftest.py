"""Fixtures for the notifications service's tests.

``notifications`` is the service as a client sees it: the app from the real composition
root, on a database migrated with the real Alembic history (SQLite, and PostgreSQL too when
``MARKETPLACE_TEST_POSTGRES_URL`` is set), served by real uvicorn (WebSockets need a real
server) and driven by ``httpx`` and ``websockets``. Tokens come from a ``TokenSigner`` the
service trusts. Events are applied as the consumer applies them
(``NotificationsService.deliver``: the consumer's effect with its inbox claim); mail goes to a
Maildir in the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import mailbox
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect

from marketplace_contracts import Envelope, Event, UserRegistered
from marketplace_platform.db import Database
from marketplace_platform.events.inbox import handle_once
from marketplace_platform.ids import new_id
from marketplace_platform.testing.database import migrated_database_fixtures
from marketplace_platform.testing.served import served
from marketplace_platform.testing.service import app_client, runtime_for_tests
from marketplace_platform.testing.tokens import TokenSigner
from notifications_service.components import Components
from notifications_service.consumers import events, live
from notifications_service.main import create_app
from notifications_service.migrations import MIGRATIONS_DIR
from notifications_service.service.ports import Mailer
from notifications_service.settings import NotificationsSettings

BASE_URL = "http://notifications.test"
INTERNAL_TOKEN = "test-internal-token"

sqlite_template, database_url = migrated_database_fixtures("notifications", MIGRATIONS_DIR)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, nats_url: str) -> NotificationsSettings:
    return NotificationsSettings(
        environment="test",
        database_url=database_url,
        var_dir=tmp_path / "var",
        nats_url=nats_url,
        access_log=False,
        db_pool_size=5,
        internal_token=INTERNAL_TOKEN,
        mail_interval=0.2,
        heartbeat=5,
    )


@pytest.fixture(scope="session")
def signer() -> TokenSigner:
    return TokenSigner()


@dataclass
class User:
    id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class NotificationsService:
    """One running replica and clients for it, with the steps most tests share. (Test
    modules cannot import this conftest, so they reach the helpers through the fixture.)"""

    app: FastAPI
    http: httpx.AsyncClient
    url: str
    signer: TokenSigner
    settings: NotificationsSettings

    @property
    def components(self) -> Components:
        components: Components = self.app.state.components
        return components

    @property
    def db(self) -> Database:
        return self.components.runtime.db

    def user(self, *, ttl: int = 300) -> User:
        user_id = uuid.uuid4()
        return User(user_id, self.signer.token(user_id=user_id, ttl=ttl))

    def envelope(self, event: Event, *, source: str = "tests") -> Envelope:
        return Envelope.wrap(event, id=new_id(), source=source)

    async def deliver(self, event: Event | Envelope) -> bool:
        """Apply the event as the two consumers would (``notifications-live`` pushes an
        order's status, ``notifications`` the rest); False if the inbox had it already (or
        the consumer ignores it)."""
        envelope = event if isinstance(event, Envelope) else self.envelope(event)
        await live.handle(envelope, self.components.fanout)  # the other consumer's part
        effect = events.effect_of(envelope, self.components.outlets)
        if effect is None:
            return False
        return await handle_once(
            self.components.unit_of_work(),
            consumer=events.CONSUMER,
            envelope=envelope,
            effect=effect,
        )

    async def registered(self, user: User, *, name: str = "Ivan") -> None:
        await self.deliver(
            UserRegistered(user_id=user.id, email=f"{user.id}@example.test", name=name, role="user")
        )

    async def inbox(self, user: User, **params: Any) -> dict[str, Any]:
        response = await self.http.get("/api/notifications", params=params, headers=user.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def unread(self, user: User) -> int:
        response = await self.http.get("/api/notifications/unread-count", headers=user.headers)
        assert response.status_code == 200, response.text
        return int(response.json()["unread"])

    async def preferences(self, user: User, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.put(
            "/api/notifications/preferences", json=body, headers=user.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    def socket(
        self,
        user: User | None = None,
        *,
        token: str | None = None,
        query_token: str | None = None,
        **query: str,
    ) -> Any:
        """A WebSocket to this replica (``async with``): the token in the ``Authorization``
        header (``user``'s, or ``token``), or in the query (``query_token``)."""
        if query_token is not None:
            query["token"] = query_token
        params = "&".join(f"{key}={value}" for key, value in query.items())
        url = self.url.replace("http://", "ws://") + "/api/notifications/ws"
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif user is not None:
            headers = user.headers
        return connect(f"{url}?{params}" if params else url, additional_headers=headers)

    def maildir(self) -> list[Any]:
        path = self.settings.mail_directory
        # The sender makes the Maildir with its first letter, its folders one after another.
        if not all((path / folder).exists() for folder in ("tmp", "new", "cur")):
            return []
        box = mailbox.Maildir(path, factory=None, create=False)
        return [
            email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            for key in box.iterkeys()
        ]

    async def wait_for_mail(self, count: int, timeout: float = 10) -> list[Any]:
        async with asyncio.timeout(timeout):
            while len(self.maildir()) < count:
                await asyncio.sleep(0.05)
        return self.maildir()

    async def wait_for_sent(self, count: int, timeout: float = 10) -> None:
        """Until ``count`` letters are recorded sent: the file lands in the Maildir just
        before the sender's transaction that records it commits."""
        async with asyncio.timeout(timeout):
            while await self.scalar("SELECT count(*) FROM mail WHERE status = 'sent'") != count:
                await asyncio.sleep(0.05)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db.read_session() as session:
            return await session.scalar(text(sql), params)


async def receive(socket: ClientConnection, kind: str | None = None, timeout: float = 10) -> dict:
    """The next message (of type ``kind``, skipping heartbeats and other types)."""
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == "heartbeat":
                continue
            if kind is None or message["type"] == kind:
                return message


@asynccontextmanager
async def running(
    settings: NotificationsSettings, signer: TokenSigner, *, mailer: Mailer | None = None
) -> AsyncIterator[NotificationsService]:
    app = create_app(settings, runtime=runtime_for_tests(settings, signer), mailer=mailer)
    async with app_client(app, BASE_URL) as http, served(app, settings) as url:
        yield NotificationsService(app=app, http=http, url=url, signer=signer, settings=settings)


@pytest.fixture
async def notifications(
    settings: NotificationsSettings, signer: TokenSigner
) -> AsyncIterator[NotificationsService]:
    async with running(settings, signer) as service:
        yield service


@pytest.fixture
def helpers() -> Any:
    """Module-level helpers of this conftest, for test modules (which cannot import it)."""

    class Helpers:
        receive = staticmethod(receive)
        running = staticmethod(running)

    return Helpers
