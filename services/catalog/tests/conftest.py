"""Fixtures for the catalog service's tests.

``catalog`` is the service as a client sees it: the app from the real composition root, on a
database migrated with the real Alembic history (SQLite, and PostgreSQL too when
``MARKETPLACE_TEST_POSTGRES_URL`` is set: tests using it run once per engine), driven by
``httpx`` inside the app's lifespan. Tokens come from a ``TokenSigner`` the service is told
to trust, so no auth service is needed. The event bus points at a port where no NATS
listens, unless a test gives it a real one (``nats_url``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from catalog_service.adapters.orm import Product
from catalog_service.components import Components
from catalog_service.main import create_app
from catalog_service.migrations import MIGRATIONS_DIR
from catalog_service.settings import CatalogSettings
from marketplace_platform.testing.database import migrated_database_fixtures
from marketplace_platform.testing.service import (
    ServiceUnderTest,
    app_client,
    runtime_for_tests,
    settings_for_tests,
)
from marketplace_platform.testing.tokens import TokenSigner

BASE_URL = "http://catalog.test"


sqlite_template, database_url = migrated_database_fixtures("catalog", MIGRATIONS_DIR)


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, nats_url: str, settings_overrides: dict[str, Any]
) -> CatalogSettings:
    values: dict[str, Any] = {
        **settings_for_tests(database_url, tmp_path, nats_url),
        # No flush on a timer unless a test asks: tests flush when they mean to.
        "view_flush_interval": 3600,
    }
    values.update(settings_overrides)
    return CatalogSettings(**values)


@dataclass
class CatalogService(ServiceUnderTest[Components]):
    """The running catalog, with the steps most of its tests share: categories and products
    made by an admin, searches, and the event-fed figures read or set in the database."""

    def replica(self, **overrides: Any) -> AbstractAsyncContextManager[CatalogService]:
        """Another instance of the service on the same database, e.g. a second replica."""
        settings = self.components.settings
        return running(CatalogSettings(**{**settings.model_dump(), **overrides}), self.signer)

    async def create_category(self, name: str | None = None, parent_id: str | None = None) -> dict:
        body: dict[str, Any] = {"name": name or f"Category {uuid.uuid4().hex[:8]}"}
        if parent_id is not None:
            body["parent_id"] = parent_id
        response = await self.http.post(
            "/api/catalog/categories", json=body, headers=self.admin().headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def create_product(self, category_id: str | None = None, **fields: Any) -> dict:
        if category_id is None:
            category_id = (await self.create_category())["id"]
        body: dict[str, Any] = {
            "title": f"Product {uuid.uuid4().hex[:8]}",
            "price": 1000,
            "category_id": category_id,
            "kind": "product",
            "stock": 10,
        }
        body.update(fields)
        if body["kind"] == "service" and "stock" not in fields:
            body.pop("stock")
        response = await self.http.post(
            "/api/catalog/products", json=body, headers=self.admin().headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def search(self, **params: Any) -> dict:
        response = await self.http.get("/api/catalog/products", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def titles(self, **params: Any) -> list[str]:
        return [item["title"] for item in (await self.search(**params))["items"]]

    async def set_figures(self, product_id: str, **values: Any) -> None:
        """Set columns the events would (rating_avg, orders_count, views ...) directly."""
        async with self.db.session() as session, session.begin():
            await session.execute(
                update(Product).where(Product.id == uuid.UUID(product_id)).values(**values)
            )

    async def figures(self, product_id: str) -> dict[str, Any]:
        """The event-fed figures, read from the database (a GET would count a view)."""
        async with self.db.read_session() as session:
            product = await session.get(Product, uuid.UUID(product_id))
        assert product is not None
        return {
            "rating": {"average": product.rating_avg, "count": product.review_count},
            "orders_count": product.orders_count,
            "views": product.views,
        }

    async def product(self, product_id: str) -> dict:
        response = await self.http.get(f"/api/catalog/products/{product_id}")
        assert response.status_code == 200, response.text
        return response.json()


@asynccontextmanager
async def running(settings: CatalogSettings, signer: TokenSigner) -> AsyncIterator[CatalogService]:
    app = create_app(settings, runtime=runtime_for_tests(settings, signer))
    async with app_client(app, BASE_URL) as http:
        yield CatalogService(app=app, http=http, signer=signer)


@pytest.fixture
async def catalog(settings: CatalogSettings, signer: TokenSigner) -> AsyncIterator[CatalogService]:
    async with running(settings, signer) as service:
        yield service
