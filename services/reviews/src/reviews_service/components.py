"""What the reviews service's routes and consumers work with, built once by the composition
root (``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import httpx

from marketplace_platform.batching import Batcher
from marketplace_platform.internal_http import InternalClient
from marketplace_platform.problems import DomainError
from marketplace_platform.runtime import ServiceRuntime
from reviews_service.adapters.catalog import CatalogClient
from reviews_service.adapters.unit_of_work import ReviewsUnitOfWork
from reviews_service.service import likes
from reviews_service.service.likes import LikeChange, LikeState
from reviews_service.settings import ReviewsSettings

# The most likes and unlikes one transaction takes (group commit): enough to absorb a burst,
# few enough that the write lock is never held long.
LIKES_PER_TRANSACTION = 100


@dataclass(frozen=True, slots=True)
class Components:
    settings: ReviewsSettings
    runtime: ServiceRuntime
    # A fresh unit of work per call (``read_only=True`` for one that only reads): what the
    # use cases and the consumer are given.
    unit_of_work: Callable[..., ReviewsUnitOfWork]
    catalog: CatalogClient
    # Likes and unlikes of concurrent requests, applied together (``service.likes``).
    likes: Batcher[LikeChange, LikeState]

    async def close(self) -> None:
        await self.likes.close()
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
    unit_of_work = partial(runtime.unit_of_work, ReviewsUnitOfWork)

    async def change_likes(changes: Sequence[LikeChange]) -> Sequence[LikeState | DomainError]:
        return await likes.change_all(unit_of_work=unit_of_work, changes=changes)

    return Components(
        settings=settings,
        runtime=runtime,
        unit_of_work=unit_of_work,
        catalog=catalog,
        likes=Batcher(change_likes, max_size=LIKES_PER_TRANSACTION, name="likes"),
    )
