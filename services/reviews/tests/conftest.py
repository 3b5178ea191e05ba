"""Fixtures for the reviews service's tests.

``reviews`` is the service as a client sees it: the app from the real composition root, on a
database migrated with the real Alembic history (SQLite, and PostgreSQL too when
``MARKETPLACE_TEST_POSTGRES_URL`` is set), driven by ``httpx`` inside the app's lifespan.
Tokens come from a ``TokenSigner`` the service trusts.

The catalog it asks about unknown products is a small fake (``catalog``): a real HTTP server
on a free port answering the product read with the statuses a test sets. Facts other
services' events would teach (products, authors' names, purchases) are given through the
consumer's own effects (``ReviewsService.deliver``), as the inbox would apply them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from marketplace_contracts import Envelope, Event, ProductCreated, UserRegistered
from marketplace_platform.events.inbox import handle_once
from marketplace_platform.ids import new_id
from marketplace_platform.testing.database import migrated_database_fixtures
from marketplace_platform.testing.served import served
from marketplace_platform.testing.service import (
    Caller,
    ServiceUnderTest,
    app_client,
    runtime_for_tests,
    settings_for_tests,
)
from marketplace_platform.testing.tokens import TokenSigner
from reviews_service.components import Components
from reviews_service.consumers import events
from reviews_service.main import create_app
from reviews_service.migrations import MIGRATIONS_DIR
from reviews_service.settings import ReviewsSettings

BASE_URL = "http://reviews.test"


@dataclass
class FakeCatalog:
    """The catalog's product read: ``products`` maps an id to its status."""

    products: dict[uuid.UUID, str] = field(default_factory=dict)
    asked: list[uuid.UUID] = field(default_factory=list)
    down: bool = False
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/catalog/products/{product_id}")
        async def product(product_id: uuid.UUID) -> Any:
            self.asked.append(product_id)
            if self.down:
                return JSONResponse({"status": 503}, status_code=503)
            if product_id not in self.products:
                return JSONResponse({"status": 404, "type": "product-not-found"}, status_code=404)
            return {"id": str(product_id), "status": self.products[product_id], "title": "P"}

        return app


@pytest.fixture
async def catalog() -> AsyncIterator[FakeCatalog]:
    fake = FakeCatalog()
    app = fake.app()
    async with served(app, ReviewsSettings(environment="test")) as url:
        fake.url = url
        yield fake


sqlite_template, database_url = migrated_database_fixtures("reviews", MIGRATIONS_DIR)


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, nats_url: str, catalog: FakeCatalog
) -> ReviewsSettings:
    return ReviewsSettings(
        **settings_for_tests(database_url, tmp_path, nats_url),
        catalog_url=catalog.url,
        catalog_timeout=2,
    )


@dataclass
class ReviewsService(ServiceUnderTest[Components]):
    """The running reviews service with its fake catalog, and the steps its tests share."""

    catalog: FakeCatalog

    async def deliver(self, event: Event, *, source: str = "tests") -> bool:
        """Apply ``event`` as the ``reviews`` consumer would; False if it does nothing."""
        envelope = Envelope.wrap(event, id=new_id(), source=source)
        effect = events.effect_of(envelope)
        if effect is None:
            return False
        return await handle_once(
            self.components.unit_of_work(),
            consumer=events.CONSUMER,
            envelope=envelope,
            effect=effect,
        )

    async def product(self) -> str:
        """A product on sale, known from the catalog's event."""
        product_id = uuid.uuid4()
        await self.deliver(
            ProductCreated(
                product_id=product_id,
                title="Phone",
                kind="product",
                category_id=uuid.uuid4(),
                price=1000,
                currency="RUB",
                stock=5,
            )
        )
        return str(product_id)

    async def named(self, caller: Caller, name: str) -> Caller:
        await self.deliver(
            UserRegistered(
                user_id=caller.user_id, email=f"{caller.user_id}@x.test", name=name, role="user"
            )
        )
        return caller

    async def review(
        self, caller: Caller, product_id: str, *, rating: int = 5, text: str = "Good."
    ) -> dict[str, Any]:
        body = {"product_id": product_id, "rating": rating, "text": text}
        response = await self.http.post("/api/reviews", json=body, headers=caller.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def comment(self, caller: Caller, review_id: str, text: str = "Agreed.") -> dict:
        response = await self.http.post(
            f"/api/reviews/{review_id}/comments", json={"text": text}, headers=caller.headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def rating(self, product_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/api/reviews/products/{product_id}/rating")
        assert response.status_code == 200, response.text
        return response.json()

    async def listing(self, product_id: str, caller: Caller | None = None, **params: Any) -> dict:
        response = await self.http.get(
            "/api/reviews",
            params={"product_id": product_id, **params},
            headers=caller.headers if caller else {},
        )
        assert response.status_code == 200, response.text
        return response.json()


@asynccontextmanager
async def running(
    settings: ReviewsSettings, signer: TokenSigner, catalog: FakeCatalog
) -> AsyncIterator[ReviewsService]:
    app = create_app(settings, runtime=runtime_for_tests(settings, signer))
    async with app_client(app, BASE_URL) as http:
        yield ReviewsService(app=app, http=http, signer=signer, catalog=catalog)


@pytest.fixture
async def reviews(
    settings: ReviewsSettings, signer: TokenSigner, catalog: FakeCatalog
) -> AsyncIterator[ReviewsService]:
    async with running(settings, signer, catalog) as service:
        yield service
