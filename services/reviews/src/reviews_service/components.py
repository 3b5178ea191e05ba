"""What the reviews service's routes and consumers work with, built once by the composition
root (``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from marketplace_platform.internal_http import InternalClient
from marketplace_platform.runtime import ServiceRuntime
from reviews_service.adapters.catalog import CatalogClient
from reviews_service.adapters.queries import ReviewQueries
from reviews_service.adapters.unit_of_work import ReviewsUnitOfWork
from reviews_service.settings import ReviewsSettings


@dataclass(frozen=True, slots=True)
class Components:
    settings: ReviewsSettings
    runtime: ServiceRuntime
    catalog: CatalogClient
    queries: ReviewQueries

    def unit_of_work(self) -> ReviewsUnitOfWork:
        return self.runtime.unit_of_work(ReviewsUnitOfWork)

    async def close(self) -> None:
        await self.catalog.close()


def build_components(
    settings: ReviewsSettings,
    runtime: ServiceRuntime,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Components:
    """``transport`` lets tests route the catalog calls where they like."""
    catalog = CatalogClient(
        InternalClient(
            settings.catalog_url,
            token=settings.internal_token,
            timeout=settings.catalog_timeout,
            transport=transport,
        )
    )
    return Components(
        settings=settings, runtime=runtime, catalog=catalog, queries=ReviewQueries(runtime.db)
    )
