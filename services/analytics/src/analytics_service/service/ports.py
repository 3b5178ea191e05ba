"""What the use cases need from outside, as protocols: the real unit of work implements
them."""

from __future__ import annotations

from typing import Protocol

from analytics_service.adapters.queries import Reports
from analytics_service.adapters.repositories import (
    ActivityRepository,
    OrderRepository,
    ProductRepository,
    ReviewRepository,
    Rollups,
    UserRepository,
)
from marketplace_platform.events.unit_of_work import UnitOfWorkFactory as PlatformUnitOfWorkFactory


class UnitOfWork(Protocol):
    """What ``AnalyticsUnitOfWork`` offers a use case."""

    rollups: Rollups
    products: ProductRepository
    orders: OrderRepository
    reviews: ReviewRepository
    users: UserRepository
    activity: ActivityRepository
    reports: Reports

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...


UnitOfWorkFactory = PlatformUnitOfWorkFactory[UnitOfWork]
