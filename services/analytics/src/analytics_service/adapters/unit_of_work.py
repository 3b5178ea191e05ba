"""The analytics service's unit of work: one transaction and the repositories of the facts,
projections and rollups an event changes, or the queries a report reads
(``read_only=True``). The components make the factory from the runtime:
``partial(runtime.unit_of_work, AnalyticsUnitOfWork)``."""

from __future__ import annotations

from analytics_service.adapters.queries import Reports
from analytics_service.adapters.repositories import (
    ActivityRepository,
    OrderRepository,
    ProductRepository,
    ReviewRepository,
    Rollups,
    UserRepository,
)
from marketplace_platform.events.unit_of_work import UnitOfWork


class AnalyticsUnitOfWork(UnitOfWork):
    def open(self) -> None:
        session = self.session
        self.rollups = Rollups(session)
        self.products = ProductRepository(session)
        self.orders = OrderRepository(session)
        self.reviews = ReviewRepository(session)
        self.users = UserRepository(session, self.rollups)
        self.activity = ActivityRepository(session, self.rollups)
        self.reports = Reports(session)

    async def _commit(self) -> None:
        # The facts first (a concurrent new one abandons the transaction before the rest is
        # written); activity before the rollups: its new rows add to the rollups' counts.
        await self.orders.flush()
        await self.activity.flush()
        await self.users.flush()
        await self.rollups.flush()
        await super()._commit()
