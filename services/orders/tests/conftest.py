"""Fixtures for the orders service's tests.

``orders`` is the service as a client sees it: the app from the real composition root, on a
database migrated with the real Alembic history (SQLite, and PostgreSQL too when
``MARKETPLACE_TEST_POSTGRES_URL`` is set), driven by ``httpx`` inside the app's lifespan.
Tokens come from a ``TokenSigner`` the service trusts.

Orders calls two other services over HTTP. Services never import each other, so the catalog
and payments here are a small fake (``peers``): a real HTTP server on a free port speaking
their internal APIs, whose products, stock and payments a test sets. The real services meet
in the system tests. The event bus points at a port where no NATS listens, unless a test
gives it a real one (``nats_url``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from marketplace_platform.testing.database import migrated_database_fixtures
from marketplace_platform.testing.served import served
from marketplace_platform.testing.service import (
    INTERNAL_TOKEN,
    Caller,
    ServiceUnderTest,
    app_client,
    runtime_for_tests,
    settings_for_tests,
)
from marketplace_platform.testing.tokens import TokenSigner
from orders_service.components import Components
from orders_service.main import create_app
from orders_service.migrations import MIGRATIONS_DIR
from orders_service.settings import OrdersSettings

BASE_URL = "http://orders.test"


# -- the fake catalog and payments --------------------------------------------------------


@dataclass
class FakeProduct:
    price: int
    stock: int
    title: str
    currency: str = "RUB"


class Peers:
    """The catalog's stock reservations and payments' payment records, in memory."""

    def __init__(self) -> None:
        self.products: dict[uuid.UUID, FakeProduct] = {}
        self.reservations: dict[uuid.UUID, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []  # (action, reservation id)
        self.payments: dict[uuid.UUID, list[dict[str, Any]]] = {}
        self.stock_down = False  # the catalog answers 503 to release/commit
        self.payments_down = False
        self.delay = 0.0  # seconds the catalog takes to answer a reservation
        self.garbled = False  # the catalog reserves, then answers a body that is no reservation
        self.url = ""  # where it listens, once served

    def product(self, *, price: int = 1000, stock: int = 10, title: str | None = None) -> str:
        product_id = uuid.uuid4()
        self.products[product_id] = FakeProduct(price, stock, title or f"P {product_id.hex[:6]}")
        return str(product_id)

    def stock_of(self, product_id: str) -> int:
        return self.products[uuid.UUID(product_id)].stock

    def status_of(self, reservation_id: str) -> str | None:
        reservation = self.reservations.get(uuid.UUID(reservation_id))
        return None if reservation is None else reservation["status"]

    def app(self) -> FastAPI:
        app = FastAPI()

        def problem(status: int, slug: str, detail: str, **extra: Any) -> JSONResponse:
            body = {"type": f"https://marketplace.example/problems/{slug}", "status": status}
            return JSONResponse({**body, "detail": detail, **extra}, status_code=status)

        @app.middleware("http")
        async def internal_only(request: Any, call_next: Any) -> Any:
            if request.headers.get("x-internal-token") != INTERNAL_TOKEN:
                return problem(401, "unauthorized", "no internal token")
            return await call_next(request)

        @app.post("/internal/stock/reservations")
        async def reserve(body: dict[str, Any]) -> Any:
            if self.delay:
                await asyncio.sleep(self.delay)
            reservation_id = uuid.UUID(body["reservation_id"])
            self.calls.append(("reserve", str(reservation_id)))
            early = self.reservations.get(reservation_id)
            if early is not None and not early["lines"]:  # a release that came first
                return problem(409, "reservation-conflict", "released before it arrived")
            lines = [(uuid.UUID(i["product_id"]), int(i["quantity"])) for i in body["items"]]
            missing = [str(p) for p, _ in lines if p not in self.products]
            if missing:
                return problem(
                    422, "unknown-product", "Some products do not exist.", product_ids=missing
                )
            for product_id, quantity in lines:
                if self.products[product_id].stock < quantity:
                    return problem(
                        409, "insufficient-stock", "Only a few left.", product_id=str(product_id)
                    )
            for product_id, quantity in lines:
                self.products[product_id].stock -= quantity
            items = [
                {
                    "product_id": str(product_id),
                    "quantity": quantity,
                    "unit_price": self.products[product_id].price,
                    "currency": "RUB",
                    "title": self.products[product_id].title,
                    "kind": "product",
                }
                for product_id, quantity in lines
            ]
            self.reservations[reservation_id] = {"status": "reserved", "lines": lines}
            if self.garbled:
                return {"reservation_id": str(reservation_id), "items": "?"}
            total = sum(i["unit_price"] * i["quantity"] for i in items)
            return {
                "reservation_id": str(reservation_id),
                "status": "reserved",
                "currency": "RUB",
                "total": total,
                "items": items,
            }

        @app.post("/internal/stock/reservations/{reservation_id}/{action}")
        async def step(reservation_id: uuid.UUID, action: str) -> Any:
            self.calls.append((action, str(reservation_id)))
            if self.stock_down:
                return problem(503, "service-unavailable", "down")
            reservation = self.reservations.get(reservation_id)
            if reservation is None and action == "release":
                # Kept released, so that a reservation arriving late takes nothing.
                reservation = self.reservations[reservation_id] = {"status": "new", "lines": []}
            if reservation is None:
                return problem(404, "reservation-not-found", "none")
            if action == "release" and reservation["status"] != "released":
                for product_id, quantity in reservation["lines"]:
                    self.products[product_id].stock += quantity
                reservation["status"] = "released"
            elif action == "commit":
                if reservation["status"] == "released":
                    return problem(409, "reservation-conflict", "released")
                reservation["status"] = "committed"
            return {"reservation_id": str(reservation_id), "status": reservation["status"]}

        @app.get("/internal/payments")
        async def payments_of(order_id: uuid.UUID) -> Any:
            if self.payments_down:
                return problem(503, "service-unavailable", "down")
            return {"items": self.payments.get(order_id, [])}

        return app


@pytest.fixture
async def peers() -> AsyncIterator[Peers]:
    fake = Peers()
    async with served(fake.app(), OrdersSettings(environment="test")) as url:
        fake.url = url
        yield fake


# -- the service --------------------------------------------------------------------------


sqlite_template, database_url = migrated_database_fixtures("orders", MIGRATIONS_DIR)


@pytest.fixture
def settings(
    database_url: str,
    tmp_path: Path,
    nats_url: str,
    peers: Peers,
    settings_overrides: dict[str, Any],
) -> OrdersSettings:
    values: dict[str, Any] = {
        **settings_for_tests(database_url, tmp_path, nats_url),
        "catalog_url": peers.url,
        "payments_url": peers.url,
        "catalog_timeout": 2,
        # No sweeps on a timer unless a test asks: tests sweep when they mean to.
        "sweep_interval": 3600,
    }
    values.update(settings_overrides)
    return OrdersSettings(**values)


@dataclass
class OrdersService(ServiceUnderTest[Components]):
    """The running orders service with its fake peers, and the steps its tests share."""

    peers: Peers

    def replica(self, **overrides: Any) -> AbstractAsyncContextManager[OrdersService]:
        """Another instance of the service on the same database, e.g. a second replica."""
        settings = self.components.settings
        return running(
            OrdersSettings(**{**settings.model_dump(), **overrides}), self.signer, self.peers
        )

    async def place(self, caller: Caller, *lines: tuple[str, int], **extra: Any) -> dict:
        body = {"items": [{"product_id": p, "quantity": q} for p, q in lines], **extra}
        response = await self.http.post("/api/orders", json=body, headers=caller.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def order(self, caller: Caller, order_id: str) -> dict:
        response = await self.http.get(f"/api/orders/{order_id}", headers=caller.headers)
        assert response.status_code == 200, response.text
        return response.json()


@asynccontextmanager
async def running(
    settings: OrdersSettings, signer: TokenSigner, peers: Peers
) -> AsyncIterator[OrdersService]:
    app = create_app(settings, runtime=runtime_for_tests(settings, signer))
    async with app_client(app, BASE_URL) as http:
        yield OrdersService(app=app, http=http, signer=signer, peers=peers)


@pytest.fixture
async def orders(
    settings: OrdersSettings, signer: TokenSigner, peers: Peers
) -> AsyncIterator[OrdersService]:
    async with running(settings, signer, peers) as service:
        yield service
