"""Fixtures for the payments service's tests.

``payments`` is the service as a client sees it: the app from the real composition root, on
a database migrated with the real Alembic history (SQLite, and PostgreSQL too when
``MARKETPLACE_TEST_POSTGRES_URL`` is set: tests using it run once per engine), driven by
``httpx`` inside the app's lifespan. The orders service it asks about orders is ``orders``:
a small fake of orders' internal API on a real port (the services never import each other).
Tokens come from a ``TokenSigner`` the service is told to trust. The event bus points at a
port where no NATS listens, unless a test gives it a real one (``nats_url``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Header, HTTPException

from marketplace_platform.testing.database import migrated_database_fixtures
from marketplace_platform.testing.served import served
from marketplace_platform.testing.service import (
    INTERNAL_TOKEN,
    ServiceUnderTest,
    app_client,
    runtime_for_tests,
    settings_for_tests,
)
from marketplace_platform.testing.tokens import TokenSigner
from payments_service.components import Components
from payments_service.main import create_app
from payments_service.migrations import MIGRATIONS_DIR
from payments_service.settings import PaymentsSettings

BASE_URL = "http://payments.test"
GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


def card(number: str = GOOD_CARD, **fields: Any) -> dict[str, Any]:
    """A card body that passes the checks, with ``fields`` changed."""
    return {
        "number": number,
        "exp_month": 12,
        "exp_year": 2040,
        "cvc": "123",
        "holder": "IVAN PETROV",
        **fields,
    }


# -- a fake of orders' internal API ------------------------------------------------------------


@dataclass
class FakeOrders:
    """``GET /internal/orders/{id}`` as the orders service answers it, from ``orders``."""

    orders: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    calls: int = 0
    url: str = ""

    def add(self, user_id: uuid.UUID, *, total: int = 12_990, status: str = "created") -> uuid.UUID:
        order_id = uuid.uuid4()
        self.orders[order_id] = {
            "id": str(order_id),
            "user_id": str(user_id),
            "status": status,
            "total": total,
            "currency": "RUB",
        }
        return order_id

    def set_status(self, order_id: uuid.UUID, status: str) -> None:
        self.orders[order_id]["status"] = status

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/internal/orders/{order_id}")
        async def get_order(
            order_id: uuid.UUID, x_internal_token: str = Header(default="")
        ) -> dict[str, Any]:
            self.calls += 1
            if x_internal_token != INTERNAL_TOKEN:
                raise HTTPException(401)
            if order_id not in self.orders:
                raise HTTPException(404)
            return self.orders[order_id]

        return app


@pytest.fixture
async def orders() -> AsyncIterator[FakeOrders]:
    fake = FakeOrders()
    async with served(fake.app(), PaymentsSettings(environment="test")) as url:
        fake.url = url
        yield fake


# -- the service ---------------------------------------------------------------------------------


sqlite_template, database_url = migrated_database_fixtures("payments", MIGRATIONS_DIR)


@pytest.fixture
def settings(
    database_url: str,
    tmp_path: Path,
    nats_url: str,
    orders: FakeOrders,
    settings_overrides: dict[str, Any],
) -> PaymentsSettings:
    values: dict[str, Any] = {
        **settings_for_tests(database_url, tmp_path, nats_url),
        "orders_url": orders.url,
        "processor_latency": 0,
        "processor_database_url": f"sqlite+aiosqlite:///{tmp_path / 'processor.db'}",
        # Recovery and the refund reconciler run when a test says so (``run_once``), not on a
        # timer.
        "recovery_interval": 3600,
        "recovery_after": 3600,
        "refund_interval": 3600,
    }
    values.update(settings_overrides)
    return PaymentsSettings(**values)


@dataclass
class PaymentsService(ServiceUnderTest[Components]):
    """The running payments service with its fake orders, and the steps its tests share."""

    orders: FakeOrders

    def headers(self, user_id: uuid.UUID, *, role: str = "user") -> dict[str, str]:
        return self.signer.headers(role=role, user_id=user_id)

    async def pay(
        self,
        user_id: uuid.UUID,
        order_id: uuid.UUID,
        number: str = GOOD_CARD,
        *,
        key: str | None = None,
        **body: Any,
    ) -> httpx.Response:
        headers = self.headers(user_id)
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.http.post(
            "/api/payments",
            json={"order_id": str(order_id), "card": card(number), **body},
            headers=headers,
        )


@asynccontextmanager
async def running(
    settings: PaymentsSettings, signer: TokenSigner, orders: FakeOrders
) -> AsyncIterator[PaymentsService]:
    app = create_app(settings, runtime=runtime_for_tests(settings, signer))
    async with app_client(app, BASE_URL) as http:
        yield PaymentsService(app=app, http=http, signer=signer, orders=orders)


@pytest.fixture
def start_payments(settings: PaymentsSettings, signer: TokenSigner, orders: FakeOrders):  # type: ignore[no-untyped-def]
    """``async with start_payments(**overrides) as service``: another instance (a restart, a
    second replica) on the same databases."""

    def start(**overrides: Any) -> AbstractAsyncContextManager[PaymentsService]:
        merged = PaymentsSettings(**{**settings.model_dump(), **overrides})
        return running(merged, signer, orders)

    return start


@pytest.fixture
async def payments(
    settings: PaymentsSettings, signer: TokenSigner, orders: FakeOrders
) -> AsyncIterator[PaymentsService]:
    async with running(settings, signer, orders) as service:
        yield service
